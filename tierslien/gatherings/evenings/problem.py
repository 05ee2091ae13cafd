"""From an evening's attendees to the engine's `Problem`, and back to seats.

People are known to the engine only as ``a<attendee id>``: no name, no email.
"""

from __future__ import annotations

from dataclasses import dataclass

from tierslien import mixing
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import Attendee, Companion, Evening
from tierslien.gatherings.tables import Pair, Plan
from tierslien.portraits.engine import engine_attributes, engine_criterion

__all__ = ["Built", "build_problem", "companion_pairs", "person_id", "solution_plan"]


def person_id(attendee_id: int) -> str:
    return f"a{attendee_id}"


@dataclass(frozen=True)
class Built:
    problem: mixing.Problem
    attendees: dict[str, Attendee]  # person id -> attendee
    together: set[Pair[str]]
    apart: set[Pair[str]]

    def dissimilarity(self, a: str, b: str) -> float:
        """Share of the (weighted) questions on which `a` and `b` answered differently."""
        total = sum(c.weight for c in self.problem.criteria) or 1.0
        left, right = self.attendees[a].answers, self.attendees[b].answers
        differ = 0.0
        for criterion in self.problem.criteria:
            x, y = left.get(criterion.name), right.get(criterion.name)
            if x is None or y is None:
                continue
            if criterion.kind == "ordinal" and x in criterion.levels and y in criterion.levels:
                gap = abs(criterion.levels.index(x) - criterion.levels.index(y))
                differ += criterion.weight * gap / (len(criterion.levels) - 1)
            elif x != y:
                differ += criterion.weight
        return differ / total


def _find(parent: dict[str, str], x: str) -> str:
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def companion_pairs(
    companions: list[Companion], max_size: int
) -> tuple[set[Pair[str]], set[Pair[str]]]:
    """`together` and `apart` pairs from the "I came with…" answers.

    "Together" wins over "apart" between the same two people; a group asking to
    stay together that could not fit at one table is only kept apart from nobody.
    """
    together: set[Pair[str]] = set()
    apart: set[Pair[str]] = set()
    for companion in companions:
        pair = frozenset((person_id(companion.attendee_id), person_id(companion.other_id)))
        (together if companion.together else apart).add(pair)
    apart -= together
    parent: dict[str, str] = {}
    for pair in together:
        a, b = sorted(pair)
        parent[_find(parent, a)] = _find(parent, b)
    sizes: dict[str, int] = {}
    for person in list(parent):
        root = _find(parent, person)
        sizes[root] = sizes.get(root, 0) + 1
    together = {p for p in together if sizes[_find(parent, min(p))] <= max_size}
    apart = {
        p
        for p in apart
        if not (set(p) <= set(parent) and _find(parent, min(p)) == _find(parent, max(p)))
    }
    return together, apart


def units_apart(together: set[Pair[str]], tables: int) -> set[Pair[str]]:
    """Keep groups who stay together at different tables (one pair per two groups).

    The engine keeps such a group at the same table in every round; two groups
    sharing a table in the first round would then meet again in every round.
    Only when there are enough tables for all of them.
    """
    parent: dict[str, str] = {}
    for pair in together:
        a, b = sorted(pair)
        parent[_find(parent, a)] = _find(parent, b)
    roots = sorted({_find(parent, person) for person in list(parent)})
    if len(roots) < 2 or len(roots) > tables:
        return set()
    return {frozenset((a, b)) for i, a in enumerate(roots) for b in roots[i + 1 :]}


def build_problem(evening: Evening) -> Built:
    questions = evening_questions(evening.territory)
    criteria = [engine_criterion(q) for q in questions]
    attendees = {person_id(a.pk): a for a in evening.attendees.order_by("pk")}
    companions = list(Companion.objects.filter(attendee__evening=evening))
    together, apart = companion_pairs(companions, evening.max_size)
    engine_apart = apart | units_apart(together, len(attendees) // evening.max_size)
    people = []
    for pid, attendee in attendees.items():
        attributes = engine_attributes(criteria, attendee.answers)
        people.append(mixing.Person(id=pid, attributes=attributes))
    problem = mixing.Problem(
        people=tuple(people),
        min_size=evening.min_size,
        max_size=evening.max_size,
        criteria=tuple(criteria),
        rounds=evening.rounds,
        together=tuple(tuple(sorted(p)) for p in sorted(together, key=sorted)),  # type: ignore[misc]
        apart=tuple(tuple(sorted(p)) for p in sorted(engine_apart, key=sorted)),  # type: ignore[misc]
    )
    return Built(problem=problem, attendees=attendees, together=together, apart=apart)


def solution_plan(built: Built, solution: mixing.Solution) -> Plan[str]:
    """Per round, person id -> table number (from 1); the engine's unplaced people
    join the smallest tables of that round, so nobody is left standing."""
    plan: Plan[str] = []
    for r in range(built.problem.rounds):
        assignment: dict[str, int] = {}
        groups = solution.rounds[r].groups if r < len(solution.rounds) else ()
        sizes: dict[int, int] = {}
        for number, group in enumerate(groups, start=1):
            for member in group.members:
                assignment[member] = number
            sizes[number] = len(group.members)
        for pid in built.attendees:
            if pid in assignment:
                continue
            if not sizes:
                sizes[1] = 0
            smallest = min(sizes, key=lambda t: (sizes[t], t))
            assignment[pid] = smallest
            sizes[smallest] += 1
        plan.append(assignment)
    return plan
