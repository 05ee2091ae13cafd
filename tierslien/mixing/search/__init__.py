"""The search behind `tierslien.mixing.core.improve`: construction and iterated tabu search."""

from __future__ import annotations

from tierslien.mixing.search.construct import (
    allowed_matrix,
    check_feasible,
    construct,
    target_sizes,
)
from tierslien.mixing.search.descent import DESCENT_STEPS_PER_PERSON, descend, is_local_optimum
from tierslien.mixing.search.tabu import TabuParams, run_tabu

__all__ = [
    "DESCENT_STEPS_PER_PERSON",
    "descend",
    "is_local_optimum",
    "TabuParams",
    "allowed_matrix",
    "check_feasible",
    "construct",
    "run_tabu",
    "target_sizes",
]
