"""Counting what a plan gets wrong and how mixed it is: repeats, revisits, per-round figures.

A repeat: two people at the same table in more than one round (each extra round counts).
A revisit: someone at the same hosted table in more than one round. No Django here.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tierslien.gatherings.tables.plan import Pair, Plan


def tables_of[P: Hashable](assignment: Mapping[P, int]) -> dict[int, list[P]]:
    """One round's people by table (in the order of `assignment`)."""
    out: dict[int, list[P]] = {}
    for person, table in assignment.items():
        out.setdefault(table, []).append(person)
    return out


def repeats[P: Hashable](plan: Plan[P], *, ignore: set[Pair[P]] | None = None) -> int:
    """How many pairs sit at the same table in more than one round (minus `ignore`)."""
    seen: dict[Pair[P], int] = {}
    for assignment in plan:
        for members in tables_of(assignment).values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair = frozenset((a, b))
                    seen[pair] = seen.get(pair, 0) + 1
    ignore = ignore or set()
    return sum(count - 1 for pair, count in seen.items() if count > 1 and pair not in ignore)


def revisits[P: Hashable](plan: Plan[P]) -> int:
    """How many times someone sits again at a table they sat at in another round."""
    visited: dict[P, set[int]] = {}
    rounds: dict[P, int] = {}
    for assignment in plan:
        for person, table in assignment.items():
            visited.setdefault(person, set()).add(table)
            rounds[person] = rounds.get(person, 0) + 1
    return sum(count - len(visited[person]) for person, count in rounds.items())


@dataclass(frozen=True)
class RoundReport:
    number: int
    citizens: int  # people seated in this round
    smallest: int  # fewest people at a table
    largest: int  # most people at a table
    repeats: int  # pairs already at the same table in an earlier round
    revisits: int  # people at a hosted table they already visited
    shared_answers: int  # pairs at the same table with the same answer, summed over criteria
    random_shared: int  # what a random seating would give on average (rounded)


def round_reports[P: Hashable](
    plan: Plan[P], tables: int, answers: Mapping[P, Mapping[str, Any]], keys: Sequence[str]
) -> list[RoundReport]:
    """Per round: sizes, repeats, revisits and a diversity indicator (fewer shared answers
    at the same table = more mixed), beside a random seating's figure."""
    out = []
    seen_pairs: set[Pair[P]] = set()
    visited: dict[P, set[int]] = {}
    for number, assignment in enumerate(plan, start=1):
        members: dict[int, list[P]] = {t: [] for t in range(1, tables + 1)}
        for person, t in assignment.items():
            members.setdefault(t, []).append(person)
        repeated = revisited = shared = 0
        pairs_now: set[Pair[P]] = set()
        for t, people in members.items():
            for k, a in enumerate(people):
                for b in people[k + 1 :]:
                    pair = frozenset((a, b))
                    repeated += pair in seen_pairs
                    pairs_now.add(pair)
                    shared += _same_answers(answers.get(a, {}), answers.get(b, {}), keys)
            for person in people:
                revisited += t in visited.get(person, set())
        for t, people in members.items():
            for person in people:
                visited.setdefault(person, set()).add(t)
        seen_pairs |= pairs_now
        sizes = [len(people) for people in members.values()] or [0]
        out.append(
            RoundReport(
                number=number,
                citizens=len(assignment),
                smallest=min(sizes),
                largest=max(sizes),
                repeats=repeated,
                revisits=revisited,
                shared_answers=shared,
                random_shared=round(_random_shared(list(assignment), sizes, answers, keys)),
            )
        )
    return out


def _same_answers(a: Mapping[str, Any], b: Mapping[str, Any], keys: Sequence[str]) -> int:
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return 0
    return sum(
        1
        for key in keys
        if a.get(key) is not None and _hashable(a.get(key)) == _hashable(b.get(key))
    )


def _hashable(value: Any) -> Any:
    return tuple(sorted(map(str, value))) if isinstance(value, list) else value


def _random_shared[P: Hashable](
    people: list[P],
    sizes: list[int],
    answers: Mapping[P, Mapping[str, Any]],
    keys: Sequence[str],
) -> float:
    """Expected same-answer pairs at the same table when seating at random (these sizes)."""
    n = len(people)
    if n < 2:
        return 0.0
    total_pairs = sum(s * (s - 1) / 2 for s in sizes)
    all_pairs = n * (n - 1) / 2
    same = 0
    for key in keys:
        counts: dict[Any, int] = {}
        for person in people:
            value: Any = answers.get(person, {})
            value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None:
                counts[_hashable(value)] = counts.get(_hashable(value), 0) + 1
        same += sum(c * (c - 1) // 2 for c in counts.values())
    return same * total_pairs / all_pairs


def fewest_pairs_per_round(people: int, min_size: int, max_size: int) -> int | None:
    """The fewest pairs that can share a table in one round when `people` sit at tables of
    `min_size` to `max_size` (None: they cannot all be seated so).

    Pairs grow with the square of a table's size: the fewest come from as many tables as
    possible, as even as possible.
    """
    for tables in range(people // max(min_size, 1), 0, -1):
        if tables * min_size <= people <= tables * max_size:
            size, bigger = divmod(people, tables)
            return bigger * (size + 1) * size // 2 + (tables - bigger) * size * (size - 1) // 2
    return None


def unavoidable_repeats(
    people: int, rounds: int, min_size: int, max_size: int, *, together: int = 0
) -> int:
    """A lower bound on `repeats` for any plan seating `people` at tables of `min_size` to
    `max_size` in each of `rounds` rounds (0: no repeat is forced, or no such plan).

    Every round puts at least `fewest_pairs_per_round` pairs at the same tables, and there
    are only people × (people - 1) / 2 different pairs: what exceeds them over the rounds
    must be pairs meeting again. The `together` pairs (who asked to stay together, not
    counted as repeats) may sit together in every round and are set aside.
    """
    fewest = fewest_pairs_per_round(people, min_size, max_size)
    if fewest is None or rounds < 2:
        return 0
    distinct = people * (people - 1) // 2 - together
    return max(0, rounds * (fewest - together) - distinct)
