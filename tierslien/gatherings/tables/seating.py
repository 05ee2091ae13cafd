"""Placing late arrivals into an existing plan of tables, moving as few people as possible.

A pure function of plain data (no Django, no engine), for both kinds of tables:

- hosted tables (a themed meeting: `hosts` tables, one per contributor, who stays):
  the number of tables is fixed and they fill up evenly; nobody already seated moves;
- open tables (a discovery evening: tables of `min_size` to `max_size`, re-formed every
  round): when no table has room, a new table is opened with the newcomers left and, to
  reach the smallest size, people taken one per table from tables above the smallest size
  (only they move). When even that is not possible, the newcomers join the smallest
  tables, which may then hold one more than the largest size: nobody is left standing.

Round by round, the newcomers take the free seats by solving one assignment problem
(newcomers x free seats, SciPy's `linear_sum_assignment`): first never beside someone they
must be kept apart from, then no revisit of a hosted table, then nobody met twice, then
beside the person they came with, then the smallest tables, then the most different table.
Newcomers who already met each other in another round are seated one after the other,
so the later ones see the earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence, Set
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.optimize import linear_sum_assignment

from tierslien.gatherings.tables.plan import Pair, Plan

FORBIDDEN: Final = 1e12  # beside someone to be kept apart from
REVISIT: Final = 1e6  # back at a hosted table visited in another round
REPEAT: Final = 1e3  # each person at the table already met in another round
TOGETHER: Final = 100.0  # (a bonus) each person at the table they asked to stay with
BALANCE: Final = 10.0  # each person already at the table: smaller tables first


@dataclass(frozen=True)
class Placement[P: Hashable]:
    plan: Plan[P]
    moved: frozenset[P]  # people already seated who changed table in some round
    oversized: int  # tables above the largest size


@dataclass(frozen=True)
class _Room[P: Hashable]:
    """What one round's placement needs to know, besides its tables."""

    plan: Plan[P]
    r: int
    capacity: int
    hosted: bool
    dissimilarity: Callable[[P, P], float]
    together: Set[Pair[P]]
    apart: Set[Pair[P]]


def place_newcomers[P: Hashable](
    plan: Plan[P],
    newcomers: Sequence[P],
    *,
    dissimilarity: Callable[[P, P], float],
    hosts: int = 0,
    min_size: int = 1,
    max_size: int | None = None,
    together: Set[Pair[P]] = frozenset(),
    apart: Set[Pair[P]] = frozenset(),
) -> Placement[P]:
    """Seat `newcomers` in every round of `plan` (people absent from a round count as
    newcomers there only if listed). `hosts`: that many hosted tables (numbered from 1),
    else open tables of `min_size` to `max_size` people."""
    if not hosts and max_size is None:
        raise ValueError("open tables need a largest size")
    plan = [dict(assignment) for assignment in plan]
    before = [dict(assignment) for assignment in plan]
    oversized = 0
    for r, assignment in enumerate(plan):
        tables: dict[int, set[P]] = {t: set() for t in range(1, hosts + 1)}
        for person, table in assignment.items():
            tables.setdefault(table, set()).add(person)
        pending = [person for person in newcomers if person not in assignment]
        if hosts:
            capacity = -(-(len(assignment) + len(pending)) // hosts)
        else:
            assert max_size is not None
            capacity = max_size
        room = _Room(plan, r, capacity, bool(hosts), dissimilarity, together, apart)
        pending = _fill_room(room, tables, pending)
        while pending:
            assert max_size is not None  # hosted tables always have room
            # Newcomers who already sat together in another round go to different tables.
            members: list[P] = []
            rest: list[P] = []
            for person in pending:
                met = _met_elsewhere(plan, r, person)
                if len(members) < max_size and not met & set(members):
                    members.append(person)
                else:
                    rest.append(person)
            pending = rest
            table = max(tables, default=0) + 1
            tables[table] = set(members)
            for person in members:
                assignment[person] = table
            donors: dict[P, int] = {}
            while len(tables[table]) < min_size:
                donor = _best_donor(room, tables, table, min_size)
                if donor is None:
                    break
                donors[donor] = assignment[donor]
                tables[donors[donor]].discard(donor)
                tables[table].add(donor)
                assignment[donor] = table
            if len(tables[table]) < min_size:
                # Not enough people to spare: donors go back, the newcomers join the
                # smallest tables instead.
                for donor, old in donors.items():
                    tables[old].add(donor)
                    assignment[donor] = old
                stranded = tables.pop(table) - set(donors)
                for person in sorted(stranded, key=str):
                    smallest = min(tables, key=lambda t: (len(tables[t]), t))
                    tables[smallest].add(person)
                    assignment[person] = smallest
                    oversized += len(tables[smallest]) == max_size + 1
            else:
                # Donors freed seats: the newcomers still waiting may fit there now.
                pending = _fill_room(room, tables, pending)
    moved = frozenset(
        person
        for r, assignment in enumerate(before)
        for person, table in assignment.items()
        if plan[r][person] != table
    )
    return Placement(plan=plan, moved=moved, oversized=oversized)


def _met_elsewhere[P: Hashable](plan: Plan[P], r: int, person: P) -> set[P]:
    """Whom `person` sits with in the rounds other than `r`."""
    out: set[P] = set()
    for other_round, assignment in enumerate(plan):
        if other_round == r or person not in assignment:
            continue
        table = assignment[person]
        out.update(p for p, t in assignment.items() if t == table and p != person)
    return out


def _visited_elsewhere[P: Hashable](plan: Plan[P], r: int, person: P) -> set[int]:
    return {a[person] for s, a in enumerate(plan) if s != r and person in a}


def _waves[P: Hashable](plan: Plan[P], r: int, people: list[P]) -> list[list[P]]:
    """`people` in groups where nobody met anyone else of the group in another round."""
    waves: list[tuple[list[P], set[P]]] = []
    for person in people:
        met = _met_elsewhere(plan, r, person)
        for wave, members in waves:
            if not met & members:
                wave.append(person)
                members.add(person)
                break
        else:
            waves.append(([person], {person}))
    return [wave for wave, _members in waves]


def _fill_room[P: Hashable](room: _Room[P], tables: dict[int, set[P]], people: list[P]) -> list[P]:
    """Seat `people` at the free seats of round `room.r`; return those left without one."""
    assignment = room.plan[room.r]
    left: list[P] = []
    for wave in _waves(room.plan, room.r, people):
        slots = [
            (t, len(members) + j)
            for t, members in sorted(tables.items())
            for j in range(max(0, room.capacity - len(members)))
        ]
        if not slots:
            left.extend(wave)
            continue
        cost = np.zeros((len(wave), len(slots)))
        for k, person in enumerate(wave):
            met = _met_elsewhere(room.plan, room.r, person)
            visited = _visited_elsewhere(room.plan, room.r, person) if room.hosted else set()
            base: dict[int, float] = {}
            for t, members in tables.items():
                if any(frozenset((person, m)) in room.apart for m in members):
                    base[t] = FORBIDDEN
                    continue
                base[t] = (
                    REVISIT * (t in visited)
                    + REPEAT * len(met & members)
                    - TOGETHER * sum(frozenset((person, m)) in room.together for m in members)
                    - sum(room.dissimilarity(person, m) for m in members) / (room.capacity + 1)
                )
            for j, (t, size) in enumerate(slots):
                cost[k, j] = base[t] + BALANCE * size
        rows, cols = linear_sum_assignment(cost)
        seated: set[int] = set()
        for k, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if cost[k, j] >= FORBIDDEN:
                continue
            person, table = wave[k], slots[j][0]
            tables[table].add(person)
            assignment[person] = table
            seated.add(k)
        left.extend(person for k, person in enumerate(wave) if k not in seated)
    return left


def _best_donor[P: Hashable](
    room: _Room[P], tables: dict[int, set[P]], target: int, min_size: int
) -> P | None:
    """Someone from a table above the smallest size who can join table `target`."""
    members = tables[target]
    best: tuple[float, P] | None = None
    for table, seated in sorted(tables.items()):
        if table == target or len(seated) <= min_size:
            continue
        for person in sorted(seated, key=str):
            if any(frozenset((person, m)) in room.together for m in seated if m != person):
                continue  # never split people who asked to stay together
            if any(frozenset((person, m)) in room.apart for m in members):
                continue
            met = _met_elsewhere(room.plan, room.r, person)
            score = sum(room.dissimilarity(person, m) for m in members) - REPEAT * len(
                met & members
            )
            if best is None or score > best[0]:
                best = (score, person)
    return best[1] if best else None
