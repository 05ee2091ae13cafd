"""The self-portrait's questions as the engine sees them: the one adapter to `tierslien.mixing`.

Circles (`circles.engine`), discovery evenings and themed meetings all turn a
territory's `Criterion` rows and a person's answers into the engine's types
here, and only here:

- `engine_criterion`: a question becomes a `mixing.Criterion` (name = its key,
  kind, weight, goal, and an ordinal's levels, lowest first). A sensitive
  question is only ever mixed on: as a "shared" criterion it would make groups
  of people who all answered alike (the forms and services refuse it too). A
  caller may impose the goal: a themed meeting mixes every criterion it names
  at its tables, whatever the territory's self-portrait says.
- `engine_criteria`: the questions the engine accepts (an ordinal with fewer
  than 2 options is skipped), in order, by primary key.
- `engine_value` / `engine_attributes`: answers as the engine's values; an
  answer that no longer fits its question counts as not given.
- `clean_answers`: the answers a person gives to one-choice questions (at an
  evening's door, when applying to a meeting), keeping only current options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tierslien import mixing
from tierslien.portraits.models import Criterion, CriterionGoal, CriterionKind


def option_values(criterion: Criterion) -> list[str]:
    """The values of the question's options, in order (lowest first for an ordinal)."""
    return [str(option["value"]) for option in criterion.options]


def engine_criterion(criterion: Criterion, *, goal: mixing.Goal | None = None) -> mixing.Criterion:
    """The question as a `mixing.Criterion` (raises `mixing.ProblemError` if unusable).

    `goal` overrides the question's own goal; a sensitive question is always "diverse".
    """
    levels: tuple[str, ...] = ()
    if criterion.kind == CriterionKind.ORDINAL:
        levels = tuple(option_values(criterion))
    chosen = goal if goal is not None else criterion.goal
    if criterion.sensitive:
        chosen = CriterionGoal.DIVERSE
    return mixing.Criterion(
        name=criterion.key,
        kind=criterion.kind,
        weight=float(criterion.weight),
        goal=chosen,
        levels=levels,
    )


def engine_criteria(
    criteria: Iterable[Criterion], *, goal: mixing.Goal | None = None
) -> dict[int, mixing.Criterion]:
    """The questions the engine accepts, by primary key, in the given order."""
    out: dict[int, mixing.Criterion] = {}
    for criterion in criteria:
        try:
            out[criterion.pk] = engine_criterion(criterion, goal=goal)
        except mixing.ProblemError:
            continue
    return out


def engine_value(criterion: mixing.Criterion, raw: Any) -> mixing.Value:
    """The answer as the engine's value, or None when it is missing or no longer fits."""
    try:
        return criterion.check_value(raw, where="answers")
    except mixing.ProblemError:
        return None


def engine_attributes(
    criteria: Iterable[mixing.Criterion], answers: Mapping[str, Any]
) -> dict[str, mixing.Value]:
    """One person's answers (by question key) as the engine's attributes.

    Unknown, malformed or unanswered: left out (the engine reads "prefer not to say").
    """
    out: dict[str, mixing.Value] = {}
    if not isinstance(answers, Mapping):
        return out
    for criterion in criteria:
        value = engine_value(criterion, answers.get(criterion.name))
        if value is not None:
            out[criterion.name] = value
    return out


def clean_answers(criteria: Iterable[Criterion], raw: Mapping[str, Any]) -> dict[str, str]:
    """Only answers to these questions that are one of their options (missing = not said)."""
    return {
        c.key: value
        for c in criteria
        if isinstance(value := raw.get(c.key), str) and value in option_values(c)
    }
