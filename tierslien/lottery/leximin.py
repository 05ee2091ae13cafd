"""Leximin lottery by column generation (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021).

Maximin only raises the smallest selection probability; *leximin* then raises the
second smallest as far as possible without lowering the smallest, then the third,
and so on: the sorted vector of probabilities is lexicographically largest among
all lotteries over panels that meet the quotas. Its first entry is the maximin.

As in `maximin`, applicants of a type are interchangeable: the set of achievable
probability vectors is convex and invariant under permutations within a type, and
its leximin point is unique, so it gives every member of a type the same probability.
We therefore work over compositions (seats per type), with pi_t = E[seats of t]/size_t.

Levels. Types are *fixed* one level at a time. A level solves, by column generation,

    maximise z  s.t.  sum_p lambda_p counts_p[t] >= z size_t            (t not yet fixed),
                      sum_p lambda_p counts_p[t] >= (v_t - SLACK) size_t  (t fixed at v_t),
                      sum_p lambda_p = 1,  lambda >= 0.

Its duals y >= 0 (sum over unfixed types of y_t size_t = 1) price compositions: for
any y, z <= max_c y @ c - sum_{t fixed} y_t (v_t - SLACK) size_t (weak duality over
every valid composition), so the exact pricing (the integer program of `QuotaSystem.best`)
certifies the level's value to within `tolerance`. By complementary slackness, a type
whose dual is positive at the optimum has probability exactly z in *every* optimal
lottery of the level: those types are fixed at z. Fixing a type whose true dual is 0
would stop it short of its leximin value, so only duals that are clearly positive
(y_t size_t >= FIX_SHARE) count; if none is, the largest one is fixed (some dual is
positive since they sum to 1). A type left unfixed by that caution reappears at the
next level with the same z: it costs a level, never optimality. The fixed rows are
lower bounds with a slack of SLACK = 1e-9 in probability, so that the LP stays
feasible despite floating-point noise; the probabilities are in any case rounded to
tickets of 1e-9.

The first level is the maximin: its value equals `maximin.find_lottery`'s minimum
(both certified to within the tolerance). When that value is k/n (n applicants, k
seats, every type coverable), every applicant has exactly k/n in every maximin
lottery (the probabilities add up to k), so the even split of `maximin.even_split`
is also the leximin lottery, and no level follows.

Two steps (`find_leximin`). 1: the leximin over the quotas' polytope in type space
(`relaxed_leximin`, fractional seats per type, the same levels with one small LP each)
bounds every lottery's profile from above; one column generation (a maximin with that
point's seats in place of the sizes) looks for a lottery realising it, and when it does
(z >= 1 - REALISED) that lottery is the leximin. 2: otherwise, the levels above, over
lotteries, starting from every composition found so far.

Speed: the master LP stays in one HiGHS instance (SciPy's bindings); fixing a type
changes one coefficient and one bound, and each solve starts from the previous basis.
Pricing first tries the local search of `QuotaSystem.improve` from the most likely
compositions, and asks the integer program to certify (or when the local search finds
nothing). Deterministic, like the maximin: same pool, same lottery.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]

from tierslien.lottery.compositions import QuotaSystem
from tierslien.lottery.maximin import (
    EPS,
    EXACT_GAP,
    Lottery,
    Progress,
    canonical_lottery,
    even_probability,
    even_split,
    highs_instance,
    highs_optimal,
    initial_columns,
    type_space_relaxation,
)
from tierslien.lottery.model import LotteryProblem

logger = logging.getLogger(__name__)

METHOD = 4
"""The leximin's version in published records (`"method"`; 1 to 3 are the maximin's)."""
METHODS = (4,)

SLACK = 1e-9  # fixed types keep at least their level minus this (probability)
FIX_SHARE = 1e-6  # a dual share (y_t size_t) above this fixes a type at the level's value
BOUND_EVERY = 25  # iterations between exact pricings while realising the type-space leximin
STARTS = 4  # local searches per iteration, from the most likely compositions
LEVEL_BOUND_EVERY = 2  # the same, level by level: certifying often ends each level sooner
LEVEL_STARTS = 8  # (600 applicants, 40 seats: 74 s with 25 and 4, 12 to 14 s with 1-2, 4-8)
LP_TOLERANCE = 1e-9  # HiGHS primal and dual feasibility tolerances of the master
RELAXED_SLACK = 1e-8  # fixed types of the type-space leximin keep their level minus this
REALISE = True  # first try to realise the leximin in type space (see `find_leximin`)
REALISED = 1e-8  # ... accepted when every type gets at least (1 - this) of its target


@dataclass(frozen=True)
class LeximinParams:
    """Stopping rules of the leximin's column generation."""

    tolerance: float = 1e-9  # certified gap on each level's value
    max_iterations: int = 100_000  # over all levels
    time_limit: float | None = None  # seconds; None = until every level is certified
    method: int = METHOD

    def __post_init__(self) -> None:
        if not 0 <= self.tolerance < 0.01:
            raise ValueError(f"tolerance must be in [0, 0.01), not {self.tolerance}")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations must be at least 1, not {self.max_iterations}")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError(f"time_limit must be positive, not {self.time_limit}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method}")


class _Master:
    """The level LP over the compositions found so far, kept in one HiGHS instance.

    Rows: one per covered type (`sum_p lambda_p counts_p[t] - size_t z >= 0`, or, once
    fixed, `sum_p lambda_p counts_p[t] >= (v_t - SLACK) size_t`), then the convexity row.
    Column 0 is z. Without SciPy's HiGHS bindings every solve starts from scratch
    (`linprog`); both are deterministic."""

    def __init__(self, sizes: NDArray[np.float64]) -> None:
        self.sizes = sizes
        self.columns: list[tuple[int, ...]] = []
        self.lower = np.zeros(sizes.shape[0])  # row lower bounds of fixed types
        self.fixed = np.zeros(sizes.shape[0], dtype=bool)
        self.highs: Any = None
        try:
            highs = highs_instance()
            if highs is None:
                return
            highs.setOptionValue("primal_feasibility_tolerance", LP_TOLERANCE)
            highs.setOptionValue("dual_feasibility_tolerance", LP_TOLERANCE)
            infinity = highs.getInfinity()
            n_types = sizes.shape[0]
            highs.addVar(0.0, infinity)
            highs.changeColCost(0, -1.0)
            highs.addRows(
                n_types + 1,
                np.append(np.zeros(n_types), 1.0),
                np.append(np.full(n_types, infinity), 1.0),
                n_types,
                np.append(np.arange(n_types), n_types).astype(np.int32),
                np.zeros(n_types, dtype=np.int32),
                -np.asarray(sizes, dtype=np.float64),
            )
        except (AttributeError, TypeError, RuntimeError) as error:  # pragma: no cover
            logger.warning("HiGHS bindings unusable (%s): master solved from scratch", error)
            return
        self.highs = highs
        self.infinity = infinity

    def add(self, columns: list[tuple[int, ...]]) -> None:
        """Append compositions (counts of the covered types) as new columns."""
        self.columns += columns
        if self.highs is None or not columns:
            return
        n_types = self.sizes.shape[0]
        counts = np.array(columns, dtype=np.float64)
        cols, rows = np.nonzero(counts)
        ends = np.searchsorted(cols, np.arange(1, len(columns) + 1))
        starts = np.append(0, ends[:-1]) + np.arange(len(columns))
        indices = np.insert(rows, ends, n_types)
        values = np.insert(counts[cols, rows], ends, 1.0)
        self.highs.addCols(
            len(columns),
            np.zeros(len(columns)),
            np.zeros(len(columns)),
            np.full(len(columns), self.infinity),
            int(indices.size),
            starts.astype(np.int32),
            indices.astype(np.int32),
            values,
        )

    def fix(self, row: int, value: float) -> None:
        """From now on, type `row` keeps at least `value` - SLACK instead of following z."""
        self.fixed[row] = True
        self.lower[row] = max(0.0, value - SLACK) * float(self.sizes[row])
        if self.highs is not None:
            self.highs.changeCoeff(row, 0, 0.0)
            self.highs.changeRowBounds(row, float(self.lower[row]), self.infinity)

    def solve(self) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """(z, lambda, y): y the type rows' duals, scaled so that sum_{unfixed} y size = 1."""
        n_types = self.sizes.shape[0]
        if self.highs is not None:
            self.highs.run()
            if highs_optimal(self.highs):
                solution = self.highs.getSolution()
                values = np.asarray(solution.col_value, dtype=np.float64)
                duals = np.asarray(solution.row_dual, dtype=np.float64)[:n_types]
                return float(values[0]), values[1:], self._scaled(duals)
            logger.warning("warm-started leximin master failed, solving from scratch")
        return self._cold()

    def _scaled(self, duals: NDArray[np.float64]) -> NDArray[np.float64]:
        duals = np.clip(duals, 0.0, None)
        scale = float(duals[~self.fixed] @ self.sizes[~self.fixed])
        if scale > 0:
            return duals / scale
        even = np.zeros_like(duals)
        even[~self.fixed] = 1.0 / float(self.sizes[~self.fixed].sum())
        return even

    def _cold(self) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        counts = np.array(self.columns, dtype=np.float64).T  # types x columns
        n_types, n_cols = counts.shape
        cost = np.zeros(n_cols + 1)
        cost[-1] = -1.0
        z_coeff = np.where(self.fixed, 0.0, self.sizes).reshape(-1, 1)
        res = linprog(
            cost,
            A_ub=np.hstack([-counts, z_coeff]),  # z size_t - counts_t @ lambda <= -lower_t
            b_ub=-self.lower,
            A_eq=np.append(np.ones(n_cols), 0.0).reshape(1, -1),
            b_eq=np.ones(1),
            bounds=[(0, None)] * (n_cols + 1),
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"leximin master LP failed: {res.message}")
        duals = -np.asarray(res.ineqlin.marginals, dtype=np.float64)
        return float(res.x[-1]), np.asarray(res.x[:-1], dtype=np.float64), self._scaled(duals)


@dataclass
class _Level:
    """The outcome of one level's column generation."""

    z: float
    lam: NDArray[np.float64]
    duals: NDArray[np.float64]  # over the covered types
    upper: float  # certified bound on z (inf if never priced exactly)
    stopped: bool  # out of time or iterations before certifying


class _Search:
    """The column generation shared by the levels: compositions found, pricing, limits."""

    def __init__(
        self,
        system: QuotaSystem,
        covered: NDArray[np.int64],
        columns: list[tuple[int, ...]],
        params: LeximinParams,
        started: float,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.system = system
        self.covered = covered
        self.columns = columns
        self.known = set(columns)
        self.params = params
        self.started = started
        self.on_progress = on_progress
        self.iteration = 0

    def restricted(self, columns: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        return [tuple(np.asarray(c)[self.covered].tolist()) for c in columns]

    def level(
        self, master: _Master, *, bound_every: int = BOUND_EVERY, starts: int = STARTS
    ) -> _Level:
        """Maximise the master's z over every valid composition: new compositions priced by
        the local search from the `starts` most likely ones, certified by the integer program
        when that finds none, and every `bound_every` iterations (see the module docstring)."""
        system, params = self.system, self.params
        master.add(self.restricted(self.columns[len(master.columns) :]))
        level_iteration = 0
        upper = math.inf
        while True:
            self.iteration += 1
            level_iteration += 1
            z, lam, duals = master.solve()
            weights = np.zeros(system.n_types)
            weights[self.covered] = duals
            offset = float(duals[master.fixed] @ master.lower[master.fixed])
            value = z + offset  # the master's price of a composition: weights @ counts
            elapsed = time.perf_counter() - self.started
            last = self.iteration >= params.max_iterations or (
                params.time_limit is not None and elapsed > params.time_limit
            )
            ranked = sorted(range(len(lam)), key=lambda i: (-lam[i], i))[:starts]
            found: list[tuple[int, ...]] = []
            for i in ranked:
                candidate = system.improve(weights, self.columns[i])
                fresh = candidate not in self.known and candidate not in found
                if fresh and float(np.dot(weights, candidate)) > value + EPS:
                    found.append(candidate)
            if last or not found or level_iteration % bound_every == 0:
                best = system.best(weights, gap=EXACT_GAP)
                assert best is not None  # the quotas are feasible (initial columns exist)
                upper = min(upper, best[1] - offset)
                fresh = best[0] not in self.known and best[0] not in found
                if fresh and float(np.dot(weights, best[0])) > value + EPS:
                    found.append(best[0])
            if self.on_progress is not None:
                self.on_progress(Progress(self.iteration, len(self.columns), z, upper))
            if upper - z <= params.tolerance or not found or last:
                stopped = last and upper - z > params.tolerance
                return _Level(z, lam, duals, upper, stopped)
            self.columns += found
            self.known.update(found)
            master.add(self.restricted(found))


def relaxed_leximin(system: QuotaSystem, covered: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """The leximin over the quotas' polytope in type space: expected seats per type x
    (lo <= A x <= hi, sum x = seats, 0 <= x <= size, x = 0 off `covered`) whose sorted
    x_t / size_t is lexicographically largest, by the same levels and dual rule as the
    lotteries (one small LP per level, no integer program). Every lottery's expected
    composition lies in that polytope, so no lottery's profile is lexicographically above.
    Fixed types keep their level minus RELAXED_SLACK; None if an LP fails all the same
    (floating-point trouble: the caller then searches level by level)."""
    n_types = system.n_types
    sizes = system.sizes
    quota = system.matrix
    lower = np.zeros(n_types)
    upper = np.where(np.isin(np.arange(n_types), covered), sizes, 0.0)
    free = np.isin(np.arange(n_types), covered)
    x = np.zeros(n_types)
    while free.any():
        rows = np.flatnonzero(free)
        cover = np.zeros((rows.size, n_types + 1))  # z size_t - x_t <= 0
        cover[np.arange(rows.size), rows] = -1.0
        cover[:, -1] = sizes[rows]
        zeros = np.zeros((quota.shape[0], 1))
        res = linprog(
            np.append(np.zeros(n_types), -1.0),
            A_ub=np.vstack([cover, np.hstack([quota, zeros]), np.hstack([-quota, zeros])]),
            b_ub=np.concatenate([np.zeros(rows.size), system.hi, -system.lo]),
            A_eq=np.append(np.ones(n_types), 0.0).reshape(1, -1),
            b_eq=np.array([float(system.seats)]),
            bounds=np.column_stack([np.append(lower, 0.0), np.append(upper, np.inf)]),
            method="highs",
        )
        if res.status != 0:
            logger.info("type-space leximin LP failed (%s)", res.message)
            return None
        z = float(res.x[-1])
        x = np.asarray(res.x[:-1], dtype=np.float64)
        share = np.clip(-np.asarray(res.ineqlin.marginals[: rows.size]), 0.0, None) * sizes[rows]
        chosen = (
            rows[share >= FIX_SHARE] if (share >= FIX_SHARE).any() else rows[[np.argmax(share)]]
        )
        for t in chosen.tolist():
            free[t] = False
            lower[t] = min(upper[t], max(0.0, z - RELAXED_SLACK) * float(sizes[t]))
    return x


def find_leximin(
    problem: LotteryProblem,
    *,
    params: LeximinParams | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Lottery:
    """The leximin lottery of `problem`; raises InfeasibleQuotasError when no panel is valid.

    Its smallest probability is the maximin, which `Lottery.upper_bound` certifies.
    `on_progress` gets one `Progress` per master solve: while realising the type-space
    leximin (step 1) `lower` and `upper` are the share of that target reached (up to 1),
    then, level by level, the current level's probability and its certified bound."""
    params = params or LeximinParams()
    started = time.perf_counter()
    system = QuotaSystem.of(problem)
    n_types = system.n_types
    columns, uncoverable = initial_columns(problem, system)
    covered = np.array([t for t in range(n_types) if t not in uncoverable], dtype=np.int64)
    relaxed, relaxed_duals = type_space_relaxation(system, covered)
    face = np.zeros(n_types)
    face[covered] = relaxed_duals
    for column in list(columns):
        candidate = system.improve(face, column)
        if candidate not in columns:
            columns.append(candidate)
    if not uncoverable and relaxed >= even_probability(system) - params.tolerance:
        split = even_split(system)
        if split is not None:  # everyone at k/n: the maximin *is* the leximin
            return canonical_lottery(
                problem,
                split,
                [1.0] * len(split),
                even_probability(system),
                0,
                started,
                (),
                params.method,
            )
    search = _Search(system, covered, columns, params, started, on_progress)
    uncoverable_types = tuple(sorted(uncoverable))

    # 1. The leximin in type space, then a lottery whose expected composition is that point:
    # max z s.t. E[counts_t] >= z target_t, a maximin with the targets as sizes (z <= 1,
    # since both sides add up to the seats). At z = 1 no lottery does lexicographically
    # better, and no level by level search is needed.
    target = relaxed_leximin(system, covered)
    if REALISE and target is not None and bool(np.all(target[covered] > 0)):
        realise = search.level(_Master(target[covered]))
        if not realise.stopped and realise.z >= 1.0 - REALISED:
            logger.info(
                "leximin: the type-space leximin is realised (z = %.12f), %d compositions, "
                "%d iterations",
                realise.z,
                len(search.columns),
                search.iteration,
            )
            return canonical_lottery(
                problem,
                search.columns,
                [float(x) for x in realise.lam[: len(search.columns)]],
                relaxed,
                search.iteration,
                started,
                uncoverable_types,
                params.method,
            )
        logger.info("leximin: the type-space leximin is not realised (z = %.9f)", realise.z)

    # 2. Level by level over the lotteries themselves.
    sizes = system.sizes[covered]
    master = _Master(sizes)
    levels: list[float] = []
    maximin_bound = 1.0
    lam = np.zeros(0)
    while not master.fixed.all():
        level = search.level(master, bound_every=LEVEL_BOUND_EVERY, starts=LEVEL_STARTS)
        lam = level.lam
        if not levels:
            maximin_bound = max(level.upper, level.z) if math.isfinite(level.upper) else 1.0
        if level.stopped:  # out of time or iterations: the last lottery keeps the levels so far
            logger.warning(
                "leximin stopped at level %d before optimality: %.9f, bound %.9f",
                len(levels) + 1,
                level.z,
                level.upper,
            )
            break
        levels.append(level.z)
        share = np.where(master.fixed, 0.0, level.duals * sizes)
        chosen = np.flatnonzero(share >= FIX_SHARE)
        if chosen.size == 0:
            chosen = np.array([int(np.argmax(share))])
        for row in chosen.tolist():
            master.fix(row, level.z)
        logger.debug(
            "level %d: %.9f, %d type(s) fixed (%d of %d), %d compositions",
            len(levels),
            level.z,
            chosen.size,
            int(master.fixed.sum()),
            covered.size,
            len(search.columns),
        )
    logger.info(
        "leximin: %d level(s) from %.9f to %.9f, %d compositions, %d iterations",
        len(levels),
        levels[0] if levels else 0.0,
        levels[-1] if levels else 0.0,
        len(search.columns),
        search.iteration,
    )
    return canonical_lottery(
        problem,
        search.columns,
        [float(x) for x in lam[: len(search.columns)]],
        maximin_bound,
        search.iteration,
        started,
        uncoverable_types,
        params.method,
    )
