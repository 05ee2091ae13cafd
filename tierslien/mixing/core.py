"""The numeric core of the engine: maximally diverse grouping on a weight matrix.

This module knows nothing of people, criteria, slots or venues. The layer above
(`tierslien.mixing.solver`) compiles a `Problem` into a `CoreInstance`:

- `weights[i, j]`: the gain of putting i and j in the same group (their
  dissimilarity), minus penalties: a large one for pairs that met before
  (objective priority 2), a prohibitive one for `apart` pairs; `together`
  pairs get a prohibitive bonus and start in the same group.
- `min_size` / `max_size`: per group bounds (groups already bound to a venue
  and slot by the layer above).
- `allowed[i, g]`: whether person i may join group g (slots, travel, needs,
  shared criteria); `None` means everyone may join every group.
- `fixed[i]`: a group index person i is locked to, or -1.

`improve` maximises the sum over groups of the weights of their pairs, keeping
every size bound, `allowed` and `fixed` at every step, and returns the best
assignment found within the budget.

INTERFACE CONTRACT (shared by the solver layer and the search): the signatures
below are stable; the search behind `improve` is free to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

# progress(elapsed_seconds, best_objective_so_far)
ProgressCallback = Callable[[float, float], None]


@dataclass(frozen=True)
class CoreInstance:
    weights: FloatMatrix
    min_size: IntArray
    max_size: IntArray
    allowed: BoolMatrix | None = None
    fixed: IntArray | None = None


@dataclass(frozen=True)
class CoreResult:
    assignment: IntArray  # (n,) group index of each person, in [0, G)
    objective: float  # sum over groups of the weights of their pairs
    iterations: int
    elapsed: float


def improve(
    instance: CoreInstance,
    *,
    initial: IntArray | None = None,
    time_limit: float,
    seed: int,
    max_iterations: int | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> CoreResult:
    """Search for the assignment of maximal objective.

    `initial`, when given, must be a feasible assignment; without it the core
    builds one and raises `ValueError` when none exists. Deterministic for a
    given seed when `max_iterations` bounds the run (and `workers` is fixed).
    """
    raise NotImplementedError  # implemented by the search engineer
