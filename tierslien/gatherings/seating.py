"""Placing late arrivals into an existing plan of tables, moving as few people as possible.

A pure function of plain data (no Django, no engine). Each newcomer goes, round
by round, to the table with room where they meet nobody they meet in another
round and that is the most different from them. When no table has room, a new
table is opened with the newcomers left and, to reach the smallest size,
people taken one per table from tables above the smallest size (only they
move). When even that is not possible, the newcomers join the smallest tables,
which may then hold one more than the largest size: nobody is left standing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Plan = list[dict[str, int]]  # per round: person id -> table number
Pair = frozenset[str]

REPEAT = 1000.0
TOGETHER = 100.0


@dataclass(frozen=True)
class Placement:
    plan: Plan
    moved: frozenset[str]  # people already seated who changed table in some round
    oversized: int  # tables above the largest size


def _tables(assignment: dict[str, int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for person, table in assignment.items():
        out.setdefault(table, set()).add(person)
    return out


def _met_elsewhere(plan: Plan, r: int, person: str) -> set[str]:
    out: set[str] = set()
    for other_round, assignment in enumerate(plan):
        if other_round == r or person not in assignment:
            continue
        table = assignment[person]
        out.update(p for p, t in assignment.items() if t == table and p != person)
    return out


def place_newcomers(
    plan: Plan,
    newcomers: list[str],
    *,
    min_size: int,
    max_size: int,
    dissimilarity: Callable[[str, str], float],
    together: set[Pair],
    apart: set[Pair],
) -> Placement:
    plan = [dict(assignment) for assignment in plan]
    before = [dict(assignment) for assignment in plan]
    oversized = 0
    for r, assignment in enumerate(plan):
        tables = _tables(assignment)
        pending = _fill_room(plan, r, tables, newcomers, max_size, dissimilarity, together, apart)
        while pending:
            # Newcomers who already sat together in another round go to different tables.
            members: list[str] = []
            rest: list[str] = []
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
            donors: dict[str, int] = {}
            while len(tables[table]) < min_size:
                donor = _best_donor(
                    plan, r, tables, table, min_size, dissimilarity, together, apart
                )
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
                for person in sorted(stranded):
                    smallest = min(tables, key=lambda t: (len(tables[t]), t))
                    tables[smallest].add(person)
                    assignment[person] = smallest
                    oversized += len(tables[smallest]) == max_size + 1
            else:
                # Donors freed seats: the newcomers still waiting may fit there now.
                pending = _fill_room(
                    plan, r, tables, pending, max_size, dissimilarity, together, apart
                )
    moved = frozenset(
        person
        for r, assignment in enumerate(before)
        for person, table in assignment.items()
        if plan[r][person] != table
    )
    return Placement(plan=plan, moved=moved, oversized=oversized)


def _fill_room(
    plan: Plan,
    r: int,
    tables: dict[int, set[str]],
    people: list[str],
    max_size: int,
    dissimilarity: Callable[[str, str], float],
    together: set[Pair],
    apart: set[Pair],
) -> list[str]:
    """Seat each of `people` at the best table with room in round `r`; return the others."""
    assignment = plan[r]
    left: list[str] = []
    for person in people:
        met = _met_elsewhere(plan, r, person)
        best: tuple[float, int] | None = None
        for table, members in sorted(tables.items()):
            if len(members) >= max_size:
                continue
            if any(frozenset((person, m)) in apart for m in members):
                continue
            score = sum(dissimilarity(person, m) for m in members)
            score -= REPEAT * len(met & members)
            score += TOGETHER * sum(frozenset((person, m)) in together for m in members)
            if best is None or score > best[0]:
                best = (score, table)
        if best is None:
            left.append(person)
        else:
            tables[best[1]].add(person)
            assignment[person] = best[1]
    return left


def _best_donor(
    plan: Plan,
    r: int,
    tables: dict[int, set[str]],
    target: int,
    min_size: int,
    dissimilarity: Callable[[str, str], float],
    together: set[Pair],
    apart: set[Pair],
) -> str | None:
    """Someone from a table above the smallest size who can join table `target`."""
    members = tables[target]
    best: tuple[float, str] | None = None
    for table, seated in sorted(tables.items()):
        if table == target or len(seated) <= min_size:
            continue
        for person in sorted(seated):
            if any(frozenset((person, m)) in together for m in seated if m != person):
                continue  # never split people who asked to stay together
            if any(frozenset((person, m)) in apart for m in members):
                continue
            met = _met_elsewhere(plan, r, person)
            score = sum(dissimilarity(person, m) for m in members) - REPEAT * len(met & members)
            if best is None or score > best[0]:
                best = (score, person)
    return best[1] if best else None


def repeats(plan: Plan, *, ignore: set[Pair] | None = None) -> int:
    """How many pairs sit at the same table in more than one round (minus `ignore`)."""
    seen: dict[Pair, int] = {}
    for assignment in plan:
        tables: dict[int, list[str]] = {}
        for pid, table in assignment.items():
            tables.setdefault(table, []).append(pid)
        for members in tables.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair = frozenset((a, b))
                    seen[pair] = seen.get(pair, 0) + 1
    ignore = ignore or set()
    return sum(count - 1 for pair, count in seen.items() if count > 1 and pair not in ignore)
