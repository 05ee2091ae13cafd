"""Iterated tabu search over move and swap neighbourhoods: the Python driver.

The compiled kernels (`kernels.py`) do the work in chunks of iterations; this
driver watches the clock between chunks, reports progress, and runs several
independently seeded searches in threads when asked (the kernels release the
GIL), keeping the best.

When everyone may join every group (MDGPLIB, and blocks without venues or
locked people), each search is memetic instead: an elite pool of tabu-run
bests, and each new tabu run starts from the crossover of two elites. With
different group sizes ("ds") the plain iterated search depended on its seed
(two 3-s runs of MDGPLIB RanReal_n120_ds_05: 0.99613 and 0.99837 of the best
known) and no setting of tenure, depth, perturbation or restarts helped;
crossovers keep whole good groups of two elites and recombine them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search import kernels as k
from tierslien.mixing.search.construct import construct

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

# Seconds between two progress reports, and the target duration of one chunk.
PROGRESS_PERIOD = 0.25
CHUNK_SECONDS = 0.02
# Elite pool size and tabu run depth (non-improving iterations per person) of the
# memetic search; measured on MDGPLIB ds n = 120 at 3 s (bench/mdgp.py). Larger
# instances get a smaller pool of shorter runs (measured at n = 480, 30 s: pool 8 of
# 20 n lost to the plain search, pool 4 of 10 n won on ss and ds, bench/RESULTS.md;
# then runs of 5 n beat 10 n on RanReal ds in each of three seeds of an ad hoc script,
# 0.99798 -> 0.99904 on their mean, where pool 6 and runs of 20 n did not, and were
# even on bench/mdgp.py's seed 1, docs/mixing.md); above LARGE_POOL_MAX_PEOPLE,
# never measured, the plain iterated tabu search runs.
POOL_SIZE = 8
POOL_MAX_PEOPLE = 300
POOL_DEPTH_PER_PERSON = 20
LARGE_POOL_SIZE = 4
LARGE_POOL_MAX_PEOPLE = 600
LARGE_POOL_DEPTH_PER_PERSON = 5


@dataclass(frozen=True)
class TabuParams:
    """Knobs of the iterated tabu search; `None` picks a value from the instance size."""

    depth: int | None = None
    tenure: int | None = None
    tenure_random: int | None = None
    strength: int | None = None
    restart: int = 20
    # Elite solutions kept for crossover; 0 runs the plain iterated tabu search,
    # None decides from the instance (see `use_pool`).
    pool: int | None = None

    def __post_init__(self) -> None:
        for name in ("depth", "tenure", "tenure_random", "strength", "pool"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if self.restart < 1:
            raise ValueError(f"restart must be >= 1, got {self.restart}")

    def resolve(self, n: int, n_groups: int, pooled: bool = False) -> IntArray:
        params = np.zeros(k.P_SIZE, dtype=np.int64)
        # Measured on MDGPLIB n = 120..480 (bench/mdgp.py): long tabu runs pay
        # alone; with a pool, shorter runs pay (more crossovers in the budget).
        per_person = 100
        if pooled:
            per_person = (
                POOL_DEPTH_PER_PERSON if n <= POOL_MAX_PEOPLE else LARGE_POOL_DEPTH_PER_PERSON
            )
        depth = min(30_000, per_person * n)
        params[k.P_DEPTH] = self.depth if self.depth is not None else depth
        params[k.P_TENURE] = self.tenure if self.tenure is not None else max(3, n // 40)
        params[k.P_TENURE_RAND] = (
            self.tenure_random if self.tenure_random is not None else max(3, n // 20)
        )
        params[k.P_STRENGTH] = self.strength if self.strength is not None else max(2, n // 12)
        params[k.P_RESTART] = self.restart
        return params

    def pool_size(self, n: int, n_groups: int, free: bool) -> int:
        """Elite pool size, 0 for the plain iterated tabu search.

        The pool needs everyone free to join any group (its crossover ignores
        `allowed`) and at least two groups. By default: POOL_SIZE up to
        POOL_MAX_PEOPLE people (won at n = 120 and 240, 3 and 10 s), then
        LARGE_POOL_SIZE up to LARGE_POOL_MAX_PEOPLE (won at n = 480, 30 s, where
        the larger pool lost), none above (not measured).
        """
        if not free or n_groups < 2:
            return 0
        if self.pool is not None:
            return self.pool if self.pool >= 2 else 0
        if n <= POOL_MAX_PEOPLE:
            return POOL_SIZE
        return LARGE_POOL_SIZE if n <= LARGE_POOL_MAX_PEOPLE else 0


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
        self.A = np.zeros((n_groups, n_groups))
        # One more than the largest group: a swap passes through size + 1.
        width = int(min(n, max(int(hi.max()), int(self.size.max())))) + 1 if n_groups else 1
        self.mem = np.zeros((n_groups, width), dtype=np.int64)
        self.pos = np.zeros(n, dtype=np.int64)
        self.tmp = np.zeros(n_groups + 2 * n)
        self.cand = np.zeros(max(n_groups, n_groups * (n_groups - 1) // 2), dtype=np.int64)
        self._rebuild_pairs()
        self.tabu = np.zeros((n, n_groups), dtype=np.int64)
        self.run_best_a = self.a.copy()
        self.best_a = self.a.copy()
        self.base_a = self.a.copy()
        self.st = np.zeros(k.ST_SIZE, dtype=np.int64)
        self.st[k.ST_FREE] = int(bool(self.movable.all() and allowed.all()))
        # Swap gains kept as bounds between reads (`kernels._bound_pairs`) need W >= 0.
        self.st[k.ST_BOUNDS] = int(bool(self.st[k.ST_FREE]) and (W.size == 0 or W.min() >= 0.0))
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

    def _rebuild_pairs(self) -> None:
        """Recompute the per-pair-of-groups swap gains from the current assignment."""
        k.rebuild_pairs(
            self.W,
            self.allowed,
            self.movable,
            self.a,
            self.C,
            self.CT,
            self.size,
            self.own,
            self.S,
            self.A,
            self.mem,
            self.pos,
            self.tmp,
        )

    def load(self, assignment: IntArray) -> None:
        """Start a fresh tabu run (empty tabu list) from `assignment`, keeping the best."""
        self.a[:] = assignment
        f = k.rebuild(self.W, self.a, self.C, self.CT, self.size)
        self._rebuild_pairs()
        self.tabu[:, :] = 0
        self.base_a[:] = self.a
        self.run_best_a[:] = self.a
        self.sf[k.SF_F] = self.sf[k.SF_RUN_BEST] = self.sf[k.SF_BASE] = f
        self.st[k.ST_NO_IMPROVE] = 0
        if f > self.sf[k.SF_BEST] + self.sf[k.SF_EPS]:
            self.sf[k.SF_BEST] = f
            self.best_a[:] = self.a

    @property
    def runs(self) -> int:
        return int(self.st[k.ST_RUNS])

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
                self.A,
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


@dataclass
class _Pace:
    """Iterations per chunk, adapted so that chunks last about CHUNK_SECONDS."""

    budget: int = 16
    per_iteration: float = 0.0


def _run(
    search: _Search,
    deadline: float,
    max_iterations: int | None,
    pace: _Pace,
    on_chunk: Callable[[], None] | None,
    until_run_ends: bool,
) -> bool:
    """Run chunks until the deadline (or, with `until_run_ends`, the end of a tabu run).

    Returns True when a tabu run ended, False when time or iterations ran out."""
    runs = search.runs
    while not search.stuck:
        budget = pace.budget
        if max_iterations is not None:
            left = max_iterations - search.iterations
            if left <= 0:
                break
            budget = min(budget, left)
        started = time.perf_counter()
        if started >= deadline:
            break
        # Do not run far past the deadline: the iteration rate is known by now.
        if pace.per_iteration > 0.0:
            budget = max(1, min(budget, int((deadline - started) / pace.per_iteration) + 1))
        ran = search.chunk(budget)
        spent = time.perf_counter() - started
        if ran:
            pace.per_iteration = spent / ran
        if on_chunk is not None:
            on_chunk()
        # Aim at chunks of CHUNK_SECONDS so the clock is read often but cheaply.
        if spent < CHUNK_SECONDS / 2:
            pace.budget *= 2
        elif spent > CHUNK_SECONDS * 2 and pace.budget > 1:
            pace.budget //= 2
        if until_run_ends and search.runs > runs:
            return True
    return False


def _drive(
    search: _Search,
    deadline: float,
    max_iterations: int | None,
    on_chunk: Callable[[], None] | None = None,
) -> None:
    _run(search, deadline, max_iterations, _Pace(), on_chunk, until_run_ends=False)


def crossover(
    first: IntArray,
    second: IntArray,
    lo: IntArray,
    hi: IntArray,
    W: FloatMatrix,
    rng: np.random.Generator,
) -> IntArray:
    """A child of two assignments that keeps the groups they do well, at `first`'s sizes.

    Taking turns, each parent gives its group with the most people not yet
    placed to a free group of the child that `first` fills to the same size
    (the same index when free). The people left then join, one by one in
    random order, the group below its size where they add most weight.
    Matching groups by size rather than by bounds matters with different
    sizes ("ds"): bounds differ from group to group, so a match by bounds
    tied each parent group to its own index and the second parent's groups
    mostly found their index taken; sizes repeat, and the child keeps the
    size profile of a tabu-run best (bounds kept, and moves that change the
    profile all lose, so the tabu run could not repair a worse one). Everyone
    may join every group (the caller checks); `lo` and `hi` only guard.
    """
    n = first.shape[0]
    n_groups = lo.shape[0]
    target = np.bincount(first, minlength=n_groups).astype(np.int64)
    child = np.full(n, -1, dtype=np.int64)
    slot_free = np.ones(n_groups, dtype=bool)
    parents = (first, second)
    for step in range(n_groups):
        parent = parents[step % 2]
        unplaced = child < 0
        counts = np.bincount(parent[unplaced], minlength=n_groups)
        sizes = np.bincount(parent, minlength=n_groups)
        best_count, best_group, best_slot = 0, -1, -1
        for group in rng.permutation(n_groups):
            if counts[group] <= best_count:
                continue
            if slot_free[group] and target[group] == sizes[group]:
                slot = int(group)
            else:
                same = np.flatnonzero(slot_free & (target == sizes[group]))
                if same.size == 0:
                    continue
                slot = int(same[0])
            best_count, best_group, best_slot = int(counts[group]), int(group), slot
        if best_group < 0:
            break
        slot_free[best_slot] = False
        child[unplaced & (parent == best_group)] = best_slot
    size = np.bincount(child[child >= 0], minlength=n_groups).astype(np.int64)
    placed = child >= 0
    gain = np.zeros((n, n_groups))
    np.add.at(gain.T, child[placed], W[placed])  # gain[i, g]: i's weights towards g
    for person in rng.permutation(np.flatnonzero(child < 0)):
        group = int(np.argmax(np.where(size < target, gain[person], -np.inf)))
        child[person] = group
        size[group] += 1
        gain[:, group] += W[:, person]
    assert (size >= lo).all() and (size <= hi).all()
    return child


def _drive_pool(
    search: _Search,
    deadline: float,
    max_iterations: int | None,
    on_chunk: Callable[[], None] | None,
    pool_size: int,
    new_start: Callable[[], IntArray],
    rng: np.random.Generator,
) -> None:
    """A memetic search: tabu runs from crossovers of an elite pool of tabu-run bests.

    The pool fills with tabu runs from independent starts, then each run
    starts from the crossover of two random elites; a run's best replaces the
    worst elite when better and of a value not already in the pool.
    """
    pace = _Pace()
    eps = float(search.sf[k.SF_EPS])
    values: list[float] = []
    elites: list[IntArray] = []
    start = search.a.copy()
    while True:
        search.load(start)
        if not _run(search, deadline, max_iterations, pace, on_chunk, until_run_ends=True):
            break
        value = float(search.sf[k.SF_BASE])
        if all(abs(value - other) > eps for other in values):
            if len(values) < pool_size:
                values.append(value)
                elites.append(search.base_a.copy())
            else:
                worst = int(np.argmin(values))
                if value > values[worst]:
                    values[worst] = value
                    elites[worst] = search.base_a.copy()
        if len(values) < pool_size:
            start = new_start()
        else:
            one, two = rng.choice(len(values), size=2, replace=False)
            start = crossover(elites[one], elites[two], search.lo, search.hi, search.W, rng)


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
    free = bool(allowed.all())
    pool_size = params.pool_size(n, n_groups, free)
    resolved = params.resolve(n, n_groups, pooled=pool_size > 0)
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

    if pool_size:
        resolved[k.P_ONE_RUN] = 1
        # Independent starts of the pool: the size profile the core starts from.
        sizes = np.bincount(initials[0], minlength=n_groups).astype(np.int64)

        def drive(search: _Search, index: int, on_chunk: Callable[[], None] | None) -> None:
            rng = np.random.default_rng([seed % 2**63, index])
            _drive_pool(
                search,
                deadline,
                max_iterations,
                on_chunk,
                pool_size,
                lambda: construct(sizes, sizes, allowed, rng),
                rng,
            )
    else:

        def drive(search: _Search, index: int, on_chunk: Callable[[], None] | None) -> None:
            _drive(search, deadline, max_iterations, on_chunk)

    threads = [
        threading.Thread(target=drive, args=(s, index + 1, None), daemon=True)
        for index, s in enumerate(searches[1:])
    ]
    for thread in threads:
        thread.start()
    drive(searches[0], 0, report)
    for thread in threads:
        thread.join()
    # Exact values (the running ones carry rounding); ties go to the lowest index.
    values = [float(k.objective(W, s.best_a)) for s in searches]
    best = max(range(len(searches)), key=lambda s: (values[s], -s))
    return searches[best].best_a.copy(), sum(s.iterations for s in searches)
