"""The figures of one solve, as the what-if analysis compares them.

Everything here is read from a `Result` (its report and its first round), so a
figure shown for a change is always one a real solve produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tierslien.mixing.distance import encode
from tierslien.mixing.problem import Problem, ProblemError
from tierslien.mixing.report import Report, build_report
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


def figures_of(result: Result, without: frozenset[str] = frozenset()) -> Figures:
    """The figures of a solve: its report, and the groups of its first round.

    `without`: criteria the solve mixed on but no figure may speak of; the figures are
    then those of the same groups on the problem without them (`figures_of_solution`)."""
    if without:
        return figures_of_solution(result.problem, result.solution, without)
    return _figures(result.problem, result.report, result.solution)


def figures_of_solution(
    problem: Problem, solution: Solution, without: frozenset[str] = frozenset()
) -> Figures:
    """The figures of a grouping given, WITHOUT solving (e.g. today's saved circles).

    Its round-0 groups are read as they are: members must be people of `problem`, each
    in at most one group (else ProblemError); venues and slots are not checked.
    `without`: criteria left out (the report is built on `without_criteria`)."""
    check_solution(problem, solution)
    problem = without_criteria(problem, without)
    return _figures(problem, build_report(problem, encode(problem), solution), solution)


def without_criteria(problem: Problem, names: frozenset[str]) -> Problem:
    """`problem` without the criteria `names` and everybody's values for them."""
    if not names or not any(c.name in names for c in problem.criteria):
        return problem
    return replace(
        problem,
        criteria=tuple(c for c in problem.criteria if c.name not in names),
        people=tuple(
            replace(
                person,
                attributes={k: v for k, v in person.attributes.items() if k not in names},
            )
            for person in problem.people
        ),
    )


def check_solution(problem: Problem, solution: Solution) -> None:
    """ProblemError unless every member of the round-0 groups is a person of `problem`,
    in one group only."""
    seen: set[str] = set()
    groups = solution.rounds[0].groups if solution.rounds else ()
    for k, group in enumerate(groups):
        for pid in group.members:
            where = f"current.groups[{k}]"
            if pid not in problem.index:
                raise ProblemError(f"unknown person id {pid!r}", where=where)
            if pid in seen:
                raise ProblemError(f"person {pid!r} is in two groups", where=where)
            seen.add(pid)


def _figures(problem: Problem, report: Report, solution: Solution) -> Figures:
    # A criterion of weight 0 (e.g. who accepts online circles) is not mixed for.
    diverse = {c.name for c in problem.diverse_criteria if c.weight > 0}
    entre_soi = {
        c.name: float(c.entre_soi)
        for c in report.criteria
        if c.entre_soi is not None and c.name in diverse
    }
    first = solution.rounds[0].groups if solution.rounds else ()
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
