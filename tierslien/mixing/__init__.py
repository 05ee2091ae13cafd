"""Tiers Lien's grouping engine: maximally diverse circles under hard constraints.

A plain library (NumPy, optional Numba in the core), never importing Django:

    from tierslien.mixing import Problem, solve
    result = solve(Problem.from_json("problem.json"), time_limit=30, seed=1)
    result.solution, result.report, result.explanations["p1"].text

See docs/mixing.md and the JSON v1 spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tierslien.mixing.bound import MeetingBound, meeting_bound, meeting_components, site_lp_bound
from tierslien.mixing.distance import encode
from tierslien.mixing.incremental import place_late, replace_declined, without_people

# What limits the mix (issue 14): the what-if analysis, for the web app (`tierslien.potential`).
from tierslien.mixing.potential import (
    EncounterTable,
    encounter_table,
    figures_of,
    figures_of_solution,
    without_criteria,
)
from tierslien.mixing.potential import analyse as analyse_potential
from tierslien.mixing.potential import evaluate as evaluate_change
from tierslien.mixing.problem import (
    Criterion,
    Goal,
    Kind,
    Location,
    Person,
    Problem,
    ProblemError,
    Value,
    Venue,
)
from tierslien.mixing.report import CriterionReport, Explanation, Report, build_report, explain
from tierslien.mixing.rounds import solve_rounds
from tierslien.mixing.solution import Group, Reason, Round, Solution, Unplaced
from tierslien.mixing.solver import Progress, Result, SolveParams, solve
from tierslien.mixing.validate import Violation, is_valid, violations

if TYPE_CHECKING:
    import threading


def warm_up() -> float:
    """Load (or compile) the search kernels now; see `tierslien.mixing.warmup`."""
    # Imported when called: `python -m tierslien.mixing.warmup` must find it not yet loaded.
    from tierslien.mixing import warmup

    return warmup.warm_up()


def warm_up_in_background() -> threading.Thread:
    """`warm_up()` in a daemon thread (a worker's start-up); see `tierslien.mixing.warmup`."""
    from tierslien.mixing import warmup

    return warmup.warm_up_in_background()


__all__ = [
    "EncounterTable",
    "analyse_potential",
    "encounter_table",
    "evaluate_change",
    "figures_of",
    "without_criteria",
    "figures_of_solution",
    "Criterion",
    "CriterionReport",
    "Explanation",
    "Goal",
    "Group",
    "Kind",
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
    "Value",
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
    "warm_up",
    "warm_up_in_background",
    "MeetingBound",
    "meeting_bound",
    "meeting_components",
    "site_lp_bound",
]
