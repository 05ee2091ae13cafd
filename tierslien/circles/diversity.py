"""A circle's diversity, as defined by the grouping spec (JSON v1, "Dissimilarity").

The engine reports season-wide figures; the per-circle score shown on the
proposal is recomputed here from the problem with the spec's formula: the sum,
over the circle's pairs, of the weighted share of criteria on which they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from tierslien import mixing


def _delta(criterion: mixing.Criterion, a: object, b: object, span: float) -> float:
    if criterion.kind == "categorical":
        return 0.0 if a == b else 1.0
    if criterion.kind == "ordinal":
        levels = criterion.levels
        return abs(levels.index(str(a)) - levels.index(str(b))) / (len(levels) - 1)
    if criterion.kind == "numeric":
        return abs(float(a) - float(b)) / span if span > 0 else 0.0  # type: ignore[arg-type]
    first, second = frozenset(a), frozenset(b)  # type: ignore[call-overload]
    union = first | second
    return 1.0 - len(first & second) / len(union) if union else 0.0


def spans(problem: mixing.Problem) -> dict[str, float]:
    """The range of each numeric criterion over all the problem's people."""
    out: dict[str, float] = {}
    for criterion in problem.criteria:
        if criterion.kind != "numeric":
            continue
        values = [
            float(v)  # type: ignore[arg-type]
            for p in problem.people
            if (v := p.attributes.get(criterion.name)) is not None
        ]
        out[criterion.name] = max(values) - min(values) if values else 0.0
    return out


def circle_diversity(
    problem: mixing.Problem, members: Sequence[str], numeric_spans: dict[str, float]
) -> float:
    diverse = problem.diverse_criteria
    total_weight = sum(c.weight for c in diverse)
    if total_weight <= 0:
        return 0.0
    people = [problem.people[problem.index[m]] for m in members]
    score = 0.0
    for first, second in combinations(people, 2):
        pair = 0.0
        for criterion in diverse:
            a = first.attributes.get(criterion.name)
            b = second.attributes.get(criterion.name)
            if a is None or b is None:
                continue
            pair += criterion.weight * _delta(
                criterion, a, b, numeric_spans.get(criterion.name, 0.0)
            )
        score += pair / total_weight
    return round(score, 4)
