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
assignment found within the budget, and at least a local optimum of moves
and swaps whatever the budget (`search/descent.py`).

INTERFACE CONTRACT (shared by the solver layer and the search): the signatures
below are stable; the search behind `improve` is free to change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search import (
    DESCENT_STEPS_PER_PERSON,
    TabuParams,
    allowed_matrix,
    check_feasible,
    construct,
    descend,
    run_tabu,
    target_sizes,
)

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
    params: TabuParams | None = None,
) -> CoreResult:
    """Search for the assignment of maximal objective.

    `initial`, when given, must be a feasible assignment; without it the core
    builds one and raises `ValueError` when none exists. Deterministic for a
    given seed when `max_iterations` bounds the run (and `workers` is fixed).

    The search is an iterated tabu search over moves and swaps with O(1)
    gains (see `tierslien.mixing.search`); `workers` > 1 runs that many
    independently seeded searches in threads and keeps the best. `params`
    tunes the search (defaults scale with the instance).
    """
    started = time.perf_counter()
    if time_limit < 0:
        raise ValueError(f"time_limit must be >= 0, got {time_limit}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if max_iterations is not None and max_iterations < 0:
        raise ValueError(f"max_iterations must be >= 0, got {max_iterations}")
    weights = np.ascontiguousarray(instance.weights, dtype=np.float64)
    n = weights.shape[0]
    if weights.shape != (n, n):
        raise ValueError(f"weights must be square, got shape {weights.shape}")
    lo = np.ascontiguousarray(instance.min_size, dtype=np.int64)
    hi = np.ascontiguousarray(instance.max_size, dtype=np.int64)
    n_groups = lo.shape[0]
    if lo.shape != (n_groups,) or hi.shape != (n_groups,):
        raise ValueError("min_size and max_size need the same length, one entry per group")
    allowed = allowed_matrix(n, n_groups, instance.allowed, instance.fixed)
    # The diagonal means nothing (nobody pairs with themselves) and must not count.
    weights = weights.copy()
    np.fill_diagonal(weights, 0.0)
    if not np.allclose(weights, weights.T, rtol=1e-12, atol=1e-12):
        raise ValueError("weights must be symmetric")
    weights = 0.5 * (weights + weights.T)

    rng = np.random.default_rng(seed)
    if initial is not None:
        first = np.asarray(initial, dtype=np.int64).copy()
        check_feasible(first, lo, hi, allowed)
    else:
        first = _start(weights, lo, hi, allowed, rng)
    initials = [first] + [_start(weights, lo, hi, allowed, rng) for _ in range(workers - 1)]
    if n == 0 or n_groups <= 1:
        best, iterations = first, 0
    else:
        best, iterations = run_tabu(
            weights,
            lo,
            hi,
            allowed,
            initials,
            params=params if params is not None else TabuParams(),
            seed=seed,
            time_limit=max(0.0, time_limit - (time.perf_counter() - started)),
            max_iterations=max_iterations,
            progress=progress,
        )
        # The quality floor: whatever the clock allowed the search, return at least
        # a local optimum (no improving move or swap); bounded by moves, not time.
        best, steps = descend(
            weights, lo, hi, allowed, best, max_steps=DESCENT_STEPS_PER_PERSON * n + 100
        )
        iterations += steps
    return CoreResult(
        assignment=best,
        objective=pair_objective(weights, best),
        iterations=iterations,
        elapsed=time.perf_counter() - started,
    )


def _start(
    weights: FloatMatrix,
    lo: IntArray,
    hi: IntArray,
    allowed: BoolMatrix,
    rng: np.random.Generator,
) -> IntArray:
    """A feasible start, at the size profile best on average when one can be reached."""
    n = weights.shape[0]
    if n < lo.sum() or n > hi.sum():
        return construct(lo, hi, allowed, rng)  # raises with the reason
    mean = float(weights.sum() / (n * (n - 1))) if n > 1 else 0.0
    sizes = target_sizes(lo, hi, n, mean)
    try:
        return construct(sizes, sizes, allowed, rng)
    except ValueError:
        # `allowed` rules that profile out: any feasible start will do.
        return construct(lo, hi, allowed, rng)


def pair_objective(weights: FloatMatrix, assignment: IntArray) -> float:
    """Sum over groups of the weights of their pairs, each pair once."""
    same = assignment[:, None] == assignment[None, :]
    return float(np.triu(np.where(same, weights, 0.0), k=1).sum())
