"""The figures of one solve, as the what-if analysis compares them.

Everything here is read from a `Result` (its report and its first round), so a
figure shown for a change is always one a real solve produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierslien.mixing.solution import Group, Round, Solution
from tierslien.mixing.solver import Result


@dataclass(frozen=True)
class Figures:
    """The figures of one solve of the problem given (the web gives `Built.shown`)."""

    placed: int
    unplaced: int
    diversity: float
    upper_bound: float  # Report.upper_bound of that solve
    # Per categorical diverse criterion of weight > 0:
    # 1 = as mixed as possible, 2 = random, >2 segregated.
    entre_soi: dict[str, float]
    groups: tuple[tuple[str, ...], ...]  # member ids of each group of round 0
    slots: tuple[str | None, ...]  # slot of each group (same order)
    venues: tuple[str | None, ...]  # venue of each group (same order)

    @property
    def ratio(self) -> float:
        """Diversity over the upper bound (1.0 when the bound is 0)."""
        return self.diversity / self.upper_bound if self.upper_bound > 0 else 1.0

    def circles(self) -> dict[str, frozenset[str]]:
        """Person id -> the other members of their round-0 group (placed people only)."""
        out: dict[str, frozenset[str]] = {}
        for members in self.groups:
            everyone = frozenset(members)
            for pid in members:
                out[pid] = everyone - {pid}
        return out

    def solution(self) -> Solution:
        """The round-0 groups as a solution, for `solve(..., previous=...)` (keep them)."""
        groups = tuple(
            Group(members=members, venue=venue, slot=slot)
            for members, venue, slot in zip(self.groups, self.venues, self.slots, strict=True)
        )
        return Solution(rounds=(Round(groups=groups),))

    def to_dict(self) -> dict[str, Any]:
        return {
            "placed": self.placed,
            "unplaced": self.unplaced,
            "diversity": self.diversity,
            "upper_bound": self.upper_bound,
            "entre_soi": dict(self.entre_soi),
            "groups": [list(g) for g in self.groups],
            "slots": list(self.slots),
            "venues": list(self.venues),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Figures:
        return cls(
            placed=int(data["placed"]),
            unplaced=int(data["unplaced"]),
            diversity=float(data["diversity"]),
            upper_bound=float(data["upper_bound"]),
            entre_soi={str(k): float(v) for k, v in dict(data["entre_soi"]).items()},
            groups=tuple(tuple(str(m) for m in g) for g in data["groups"]),
            slots=tuple(None if s is None else str(s) for s in data["slots"]),
            venues=tuple(None if v is None else str(v) for v in data["venues"]),
        )


def figures_of(result: Result) -> Figures:
    """The figures of a solve: its report, and the groups of its first round."""
    report = result.report
    # A criterion of weight 0 (e.g. who accepts online circles) is not mixed for.
    diverse = {c.name for c in result.problem.diverse_criteria if c.weight > 0}
    entre_soi = {
        c.name: float(c.entre_soi)
        for c in report.criteria
        if c.entre_soi is not None and c.name in diverse
    }
    first = result.solution.rounds[0].groups if result.solution.rounds else ()
    return Figures(
        placed=report.placed,
        unplaced=report.unplaced,
        diversity=float(report.diversity),
        upper_bound=float(report.upper_bound),
        entre_soi=entre_soi,
        groups=tuple(tuple(g.members) for g in first),
        slots=tuple(g.slot for g in first),
        venues=tuple(g.venue for g in first),
    )
