"""Mixing potential (issue 14): what limits the mix, and what would raise it.

    from tierslien.mixing.potential import analyse
    analysis = analyse(problem, sectors=sector_of, time_limit=5, seed=1)
    print("\\n".join(analysis.sentences()))

A plain library like the rest of `tierslien.mixing`: no Django. Every figure comes
from a real re-solve (`evaluate`); `apply_change` gives the problem it solves.
"""

from __future__ import annotations

from tierslien.mixing.potential.analyse import Analysis, Change, Spread, analyse, evaluate
from tierslien.mixing.potential.changes import (
    KINDS,
    LEVERS,
    RELAXATIONS,
    apply_change,
    problem_slots,
    sector_centres,
)
from tierslien.mixing.potential.encounters import EncounterTable, encounter_table
from tierslien.mixing.potential.figures import (
    Figures,
    figures_of,
    figures_of_solution,
    without_criteria,
)

__all__ = [
    "KINDS",
    "LEVERS",
    "RELAXATIONS",
    "Analysis",
    "Change",
    "EncounterTable",
    "Figures",
    "Spread",
    "analyse",
    "apply_change",
    "encounter_table",
    "evaluate",
    "figures_of",
    "figures_of_solution",
    "problem_slots",
    "sector_centres",
    "without_criteria",
]
