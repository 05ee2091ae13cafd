"""Updating a published grouping: late registrations, people who declined.

Both keep every existing group where it meets (venue, slot) and lock its
members, so people already told about their circle stay in it; the newcomers
fill groups with room first, and open new groups only if needed. A group that
falls below the minimum size after someone declined is topped up from the
newcomers, else from larger groups, else dissolved into groups with room.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tierslien.mixing.problem import Problem, ProblemError
from tierslien.mixing.solution import Solution
from tierslien.mixing.solver import ProgressCallback, Result, SolveParams, solve


def place_late(
    problem: Problem,
    previous: Solution,
    *,
    time_limit: float = 5.0,
    seed: int = 0,
    params: SolveParams | None = None,
    progress: ProgressCallback | None = None,
) -> Result:
    """Place the people of `problem` missing from `previous`, moving nobody else
    (unless a group has to be dissolved). `problem` holds everyone."""
    return solve(
        problem,
        time_limit=time_limit,
        seed=seed,
        params=params,
        progress=progress,
        previous=previous,
    )


def replace_declined(
    problem: Problem,
    previous: Solution,
    declined: Iterable[str],
    *,
    time_limit: float = 5.0,
    seed: int = 0,
    params: SolveParams | None = None,
    progress: ProgressCallback | None = None,
) -> Result:
    """Remove `declined` people and repair their groups with as few changes as
    possible (newcomers in `problem` and unplaced people are used first)."""
    gone = set(declined)
    unknown = sorted(gone - set(problem.index))
    if unknown:
        raise ProblemError(f"unknown people {unknown}", where="declined")
    smaller = without_people(problem, gone)
    return solve(
        smaller,
        time_limit=time_limit,
        seed=seed,
        params=params,
        progress=progress,
        previous=previous,
    )


def without_people(problem: Problem, gone: set[str]) -> Problem:
    """`problem` minus some people (and the pairs that mention them)."""
    keep = [k for k, p in enumerate(problem.people) if p.id not in gone]
    if not keep:
        raise ProblemError("nobody would be left", where="declined")

    def pairs(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple(p for p in items if p[0] not in gone and p[1] not in gone)

    distances = problem.distances
    if distances is not None:
        distances = distances[keep][:, keep]
    return replace(
        problem,
        people=tuple(problem.people[k] for k in keep),
        met_before=pairs(problem.met_before),
        apart=pairs(problem.apart),
        together=pairs(problem.together),
        distances=distances,
    )
