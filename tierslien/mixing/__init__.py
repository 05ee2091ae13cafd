"""Tiers Lien's grouping engine: maximally diverse circles under hard constraints.

A plain library (NumPy, optional Numba in the core), never importing Django:

    from tierslien.mixing import Problem, solve
    result = solve(Problem.from_json("problem.json"), time_limit=30, seed=1)
    result.solution, result.report, result.explanations["p1"].text

See docs/mixing.md and the JSON v1 spec.
"""

from __future__ import annotations

from tierslien.mixing.distance import encode
from tierslien.mixing.incremental import place_late, replace_declined, without_people
from tierslien.mixing.problem import Criterion, Location, Person, Problem, ProblemError, Venue
from tierslien.mixing.report import CriterionReport, Explanation, Report, build_report, explain
from tierslien.mixing.rounds import solve_rounds
from tierslien.mixing.solution import Group, Reason, Round, Solution, Unplaced
from tierslien.mixing.solver import Progress, Result, SolveParams, solve
from tierslien.mixing.validate import Violation, is_valid, violations

__all__ = [
    "Criterion",
    "CriterionReport",
    "Explanation",
    "Group",
    "Location",
    "Person",
    "Problem",
    "ProblemError",
    "Progress",
    "Reason",
    "Report",
    "Result",
    "Round",
    "Solution",
    "SolveParams",
    "Unplaced",
    "Venue",
    "build_report",
    "encode",
    "explain",
    "solve_rounds",
    "without_people",
    "Violation",
    "is_valid",
    "place_late",
    "replace_declined",
    "solve",
    "violations",
]
