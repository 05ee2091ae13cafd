"""Iterated tabu search over move and swap neighbourhoods: the Python driver.

The compiled kernels (`kernels.py`) do the work in chunks of iterations; this
driver watches the clock between chunks, reports progress, and runs several
independently seeded searches in threads when asked (the kernels release the
GIL), keeping the best.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search import kernels as k

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

# Seconds between two progress reports, and the target duration of one chunk.
PROGRESS_PERIOD = 0.25
CHUNK_SECONDS = 0.02


@dataclass(frozen=True)
class TabuParams:
    """Knobs of the iterated tabu search; `None` picks a value from the instance size."""

    depth: int | None = None
    tenure: int | None = None
    tenure_random: int | None = None
    strength: int | None = None
    restart: int = 20

    def __post_init__(self) -> None:
        for name in ("depth", "tenure", "tenure_random", "strength"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if self.restart < 1:
            raise ValueError(f"restart must be >= 1, got {self.restart}")

    def resolve(self, n: int, n_groups: int) -> IntArray:
        params = np.zeros(k.P_SIZE, dtype=np.int64)
        # Measured on MDGPLIB n = 120..480 (bench/mdgp.py): long tabu runs pay.
        params[k.P_DEPTH] = self.depth if self.depth is not None else min(30_000, 100 * n)
        params[k.P_TENURE] = self.tenure if self.tenure is not None else max(3, n // 40)
        params[k.P_TENURE_RAND] = (
            self.tenure_random if self.tenure_random is not None else max(3, n // 20)
        )
        params[k.P_STRENGTH] = self.strength if self.strength is not None else max(2, n // 12)
        params[k.P_RESTART] = self.restart
        return params


class _Search:
    """The state arrays of one seeded iterated tabu search."""

    def __init__(
        self,
        W: FloatMatrix,
        lo: IntArray,
        hi: IntArray,
        allowed: BoolMatrix,
        initial: IntArray,
        params: IntArray,
        seed: int,
    ) -> None:
        n, n_groups = allowed.shape
        self.W = W
        self.lo = lo
        self.hi = hi
        self.allowed = allowed.astype(np.uint8)
        # A person with a single allowed group can never move.
        self.movable = (allowed.sum(axis=1) > 1).astype(np.uint8)
        self.a = initial.astype(np.int64, copy=True)
        self.C = np.zeros((n, n_groups))
        self.CT = np.zeros((n_groups, n))
        self.size = np.zeros(n_groups, dtype=np.int64)
        f = k.rebuild(W, self.a, self.C, self.CT, self.size)
        self.own = np.zeros(n)
        self.S = np.zeros((n_groups, n_groups))
        # One more than the largest group: a swap passes through size + 1.
        width = int(min(n, max(int(hi.max()), int(self.size.max())))) + 1 if n_groups else 1
        self.mem = np.zeros((n_groups, width), dtype=np.int64)
        self.pos = np.zeros(n, dtype=np.int64)
        self.tmp = np.zeros(n_groups + n)
        self.cand = np.zeros(max(n_groups, n_groups * (n_groups - 1) // 2), dtype=np.int64)
        k.rebuild_pairs(
            W,
            self.allowed,
            self.movable,
            self.a,
            self.C,
            self.CT,
            self.size,
            self.own,
            self.S,
            self.mem,
            self.pos,
            self.tmp,
        )
        self.tabu = np.zeros((n, n_groups), dtype=np.int64)
        self.run_best_a = self.a.copy()
        self.best_a = self.a.copy()
        self.base_a = self.a.copy()
        self.st = np.zeros(k.ST_SIZE, dtype=np.int64)
        self.st[k.ST_FREE] = int(bool(self.movable.all() and allowed.all()))
        self.sf = np.zeros(k.SF_SIZE)
        self.sf[k.SF_F] = self.sf[k.SF_RUN_BEST] = self.sf[k.SF_BEST] = self.sf[k.SF_BASE] = f
        scale = float(np.abs(W).max()) if W.size else 0.0
        # Gains closer than eps are ties. Prohibitive weights (apart pairs) make
        # `scale` large, so the factor stays small enough for 1e-3 diversity steps.
        self.sf[k.SF_EPS] = 1e-11 * max(1.0, scale)
        self.params = params
        # xorshift needs a non-zero state; mix the seed so nearby seeds diverge.
        mixed = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)
        self.rng = np.array([mixed[0] | np.uint64(1)], dtype=np.uint64)

    @property
    def best_value(self) -> float:
        return float(self.sf[k.SF_BEST])

    @property
    def iterations(self) -> int:
        return int(self.st[k.ST_ITER])

    @property
    def stuck(self) -> bool:
        return bool(self.st[k.ST_STUCK])

    def chunk(self, budget: int) -> int:
        return int(
            k.search_chunk(
                self.W,
                self.allowed,
                self.movable,
                self.lo,
                self.hi,
                self.a,
                self.C,
                self.CT,
                self.size,
                self.own,
                self.S,
                self.mem,
                self.pos,
                self.tmp,
                self.cand,
                self.tabu,
                self.run_best_a,
                self.best_a,
                self.base_a,
                self.st,
                self.sf,
                self.params,
                self.rng,
                budget,
            )
        )


def _drive(
    search: _Search,
    deadline: float,
    max_iterations: int | None,
    on_chunk: Callable[[], None] | None = None,
) -> None:
    budget = 16
    per_iteration = 0.0
    while not search.stuck:
        if max_iterations is not None:
            left = max_iterations - search.iterations
            if left <= 0:
                break
            budget = min(budget, left)
        started = time.perf_counter()
        if started >= deadline:
            break
        # Do not run far past the deadline: the iteration rate is known by now.
        if per_iteration > 0.0:
            budget = max(1, min(budget, int((deadline - started) / per_iteration) + 1))
        ran = search.chunk(budget)
        spent = time.perf_counter() - started
        if ran:
            per_iteration = spent / ran
        if on_chunk is not None:
            on_chunk()
        # Aim at chunks of CHUNK_SECONDS so the clock is read often but cheaply.
        if spent < CHUNK_SECONDS / 2:
            budget *= 2
        elif spent > CHUNK_SECONDS * 2 and budget > 1:
            budget //= 2


def run_tabu(
    W: FloatMatrix,
    lo: IntArray,
    hi: IntArray,
    allowed: BoolMatrix,
    initials: list[IntArray],
    *,
    params: TabuParams,
    seed: int,
    time_limit: float,
    max_iterations: int | None,
    progress: Callable[[float, float], None] | None = None,
) -> tuple[IntArray, int]:
    """Run one search per initial assignment (in threads when several); return the best.

    Returns the best assignment and the total number of iterations.
    """
    n, n_groups = allowed.shape
    started = time.perf_counter()
    deadline = started + time_limit
    resolved = params.resolve(n, n_groups)
    searches = [
        _Search(W, lo, hi, allowed, initial, resolved, seed * 1_000_003 + index)
        for index, initial in enumerate(initials)
    ]
    last_report = [started]

    def report() -> None:
        now = time.perf_counter()
        if progress is not None and now - last_report[0] >= PROGRESS_PERIOD:
            last_report[0] = now
            progress(now - started, max(s.best_value for s in searches))

    threads = [
        threading.Thread(target=_drive, args=(s, deadline, max_iterations), daemon=True)
        for s in searches[1:]
    ]
    for thread in threads:
        thread.start()
    _drive(searches[0], deadline, max_iterations, report)
    for thread in threads:
        thread.join()
    # Exact values (the running ones carry rounding); ties go to the lowest index.
    values = [float(k.objective(W, s.best_a)) for s in searches]
    best = max(range(len(searches)), key=lambda s: (values[s], -s))
    return searches[best].best_a.copy(), sum(s.iterations for s in searches)
