"""One person moved by hand to another hosted table in one round: which rules it breaks.

Hard rules refuse the move: the table would hold more people than its seats (hosted
tables share the round's people evenly: ceil(people / tables) seats each), the person
already sits there. Soft rules are the plan's own promises, which a facilitator may
waive: sitting again with someone met in another round (a repeat), coming back to a
table visited in another round (a revisit). Contributors never move (their table is
theirs): the pages refuse them before asking here. Plain data, no Django.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from tierslien.gatherings.tables.plan import Plan

type MoveRule = Literal["same_table", "capacity", "repeat", "revisit"]
HARD_RULES: frozenset[MoveRule] = frozenset({"same_table", "capacity"})


@dataclass(frozen=True)
class MoveFinding[P: Hashable]:
    rule: MoveRule
    other: P | None = None  # repeat: whom the person would meet again
    rounds: tuple[int, ...] = ()  # repeat/revisit: the other rounds concerned (from 1)
    people: int = 0  # capacity: how many would sit at the table
    seats: int = 0  # capacity: the table's seats

    @property
    def hard(self) -> bool:
        return self.rule in HARD_RULES


def seats_per_table(people: int, tables: int) -> int:
    """A hosted table's seats in a round: the round's people shared evenly."""
    return -(-people // max(tables, 1))


def check_move[P: Hashable](
    plan: Plan[P], person: P, number: int, table: int, tables: int
) -> list[MoveFinding[P]]:
    """What moving `person` to `table` in round `number` (from 1) would break: hard rules
    first, then the repeats (one per person met again, in table order), then the revisit."""
    assignment = plan[number - 1]
    if assignment.get(person) == table:
        return [MoveFinding("same_table")]
    findings: list[MoveFinding[P]] = []
    there = [p for p, t in assignment.items() if t == table and p != person]
    seats = seats_per_table(len(assignment) + (person not in assignment), tables)
    if len(there) + 1 > seats:
        findings.append(MoveFinding("capacity", people=len(there) + 1, seats=seats))
    for other in there:
        met = tuple(
            r
            for r, other_round in enumerate(plan, start=1)
            if r != number
            and person in other_round
            and other_round.get(other) == other_round[person]
        )
        if met:
            findings.append(MoveFinding("repeat", other=other, rounds=met))
    visited = tuple(
        r
        for r, other_round in enumerate(plan, start=1)
        if r != number and other_round.get(person) == table
    )
    if visited:
        findings.append(MoveFinding("revisit", rounds=visited))
    return findings


def moved[P: Hashable](plan: Plan[P], person: P, number: int, table: int) -> Plan[P]:
    """The plan with `person` at `table` in round `number` (a copy)."""
    out = [dict(assignment) for assignment in plan]
    out[number - 1][person] = table
    return out
