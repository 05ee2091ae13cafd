"""Maximin lottery by column generation (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021).

We look for a probability distribution over panels that meet the quotas which
maximises the smallest selection probability of any applicant. Applicants of
the same type (same constrained categories) can be treated alike without loss:
averaging any distribution over the permutations within each type keeps every
panel valid and does not lower the minimum. So the distribution is over
*compositions* (seats per type), and within the drawn composition each type's
seats go to uniformly chosen members of that type. An applicant of type t is
then selected with probability E[seats of t] / (size of t).

Column generation: the master LP

    maximise z  s.t.  sum_p lambda_p counts_p[t] >= z * size[t]  for every type t,
                      sum_p lambda_p = 1,  lambda >= 0

over the compositions found so far; its duals y >= 0 (sum_t y_t size_t = 1)
price new compositions: any composition c with y @ c > z improves the master.
A local search (seats moved between two types, best moves first) finds such
compositions cheaply, from the most likely composition and from three others of
the support taken in turn; when it finds none, the integer program
max_c y @ c over the quotas finds one or proves there is none. Any such y proves
the bound optimum <= max_c y @ c, so the loop stops with a certified gap (1e-9
by default). Types that no valid panel can include are reported and left at
probability 0, as in the paper.

Speed with hundreds of types: the master stays in one HiGHS instance (SciPy's
bundled bindings) and each solve starts from the previous basis with the primal
simplex; the relaxation in type space (fractional seats per type, one LP) gives
the likely optimum up front: compositions that are best for its duals seed the
master, and reaching its value triggers the exact certification at once.

When that relaxation's value is k/n (the web app's default quotas, the applicants'
own shares +/- 5 points, usually give it), method 3 first tries `even_split`: panels
meeting the quotas in which every applicant sits equally often, so that the uniform
lottery over them gives everyone k/n, the largest possible; column generation runs
only if that fails.

The distribution is then made exact and canonical: compositions sorted, weights
rounded to integer tickets out of RESOLUTION (largest remainders), so that the
published probabilities are exact fractions, sum to the number of seats, and the
draw does not depend on the LP solver's floating-point noise.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse import (  # type: ignore[import-untyped, unused-ignore]
    coo_array,
    csr_array,
    hstack,
    vstack,
)

try:  # the HiGHS bindings bundled with SciPy >= 1.15 (private: fall back to linprog)
    from scipy.optimize._highspy import _core as _highspy  # type: ignore[import-untyped, unused-ignore]
except ImportError:  # pragma: no cover
    _highspy = None

from tierslien.lottery.compositions import BATCH, BLOCK, QuotaSystem
from tierslien.lottery.feasibility import InfeasibleQuotasError, diagnose
from tierslien.lottery.model import LotteryProblem, Panel

logger = logging.getLogger(__name__)

RESOLUTION = 10**9
"""Lottery tickets: each composition's probability is a whole number of tickets out of this."""

METHOD = 3
"""The column generation's version, published in records so that a rerun uses the same one:
1 = the first (cold master, two local searches of single moves per iteration), 2 = since
2026-11-26 (warm master, batched local search, diverse starts, type-space relaxation), 3 =
method 2 preceded by the even split (`even_split`) when the relaxation's value is k/n. All
give a maximin lottery; on pools with many types, usually not the same one."""
METHODS = (1, 2, 3)

EPS = 1e-12  # numerical zero for probabilities
BOUND_EVERY = 25  # iterations between exact pricings (each gives an upper bound)
STARTS = 1  # local searches per iteration from the most likely compositions,
EXTRA = 3  # and from compositions of the support taken in turn (diverse new columns)
FAST_GAP = 1e-4  # relative MIP gap while a quick answer is enough to improve
SIMPLEX = 4  # HiGHS primal simplex: adding columns keeps the previous basis feasible
EXACT_GAP = 1e-9  # relative MIP gap to certify that no composition improves


@dataclass(frozen=True)
class MaximinParams:
    """Stopping rules of the column generation."""

    tolerance: float = 1e-9  # stop when the certified gap on the minimum probability is below
    max_iterations: int = 10_000
    time_limit: float | None = None  # seconds; None = until optimal
    method: int = METHOD  # 1, 2: earlier versions (kept to rerun their records)

    def __post_init__(self) -> None:
        if not 0 <= self.tolerance < 0.01:
            raise ValueError(f"tolerance must be in [0, 0.01), not {self.tolerance}")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations must be at least 1, not {self.max_iterations}")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError(f"time_limit must be positive, not {self.time_limit}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method}")


@dataclass(frozen=True)
class Progress:
    """One column-generation step: the minimum probability is within [lower, upper]."""

    iteration: int
    compositions: int
    lower: float
    upper: float


@dataclass(frozen=True)
class Composition:
    """Seats per applicant type (in `LotteryProblem.type_list` order) and its tickets."""

    counts: tuple[int, ...]
    tickets: int

    @property
    def probability(self) -> Fraction:
        return Fraction(self.tickets, RESOLUTION)


@dataclass(frozen=True)
class Lottery:
    """A distribution over valid panels, with each applicant's exact selection probability."""

    problem: LotteryProblem
    compositions: tuple[Composition, ...]  # sorted by counts, tickets > 0, summing to RESOLUTION
    upper_bound: float  # proven: no lottery gives everyone more than this
    iterations: int = 0
    seconds: float = 0.0
    uncoverable: tuple[int, ...] = field(default=())  # types that no valid panel includes
    method: int = METHOD  # the column generation that computed it (see METHOD)

    def __post_init__(self) -> None:
        if sum(c.tickets for c in self.compositions) != RESOLUTION:
            raise ValueError("composition tickets must add up to RESOLUTION")
        system = QuotaSystem.of(self.problem)
        for composition in self.compositions:
            if composition.tickets <= 0 or not system.meets(composition.counts):
                raise ValueError(f"invalid composition {composition}")

    @cached_property
    def type_probabilities(self) -> tuple[Fraction, ...]:
        """Exact selection probability of a member of each type."""
        probabilities = []
        for t, kind in enumerate(self.problem.type_list):
            seats = sum(c.tickets * c.counts[t] for c in self.compositions)
            probabilities.append(Fraction(seats, RESOLUTION * kind.size))
        return tuple(probabilities)

    @cached_property
    def probabilities(self) -> dict[str, Fraction]:
        """Exact selection probability of every applicant, by id (pool order)."""
        by_id: dict[str, Fraction] = {}
        for kind, probability in zip(self.problem.type_list, self.type_probabilities, strict=True):
            for ident in kind.members:
                by_id[ident] = probability
        return {ident: by_id[ident] for ident in self.problem.pool.ids}

    @property
    def min_probability(self) -> Fraction:
        """The smallest selection probability of any applicant (0 if some cannot be selected)."""
        return min(self.type_probabilities)

    @property
    def min_selectable_probability(self) -> Fraction:
        """The smallest probability among applicants that some valid panel includes: the
        quantity maximin maximises (equal to `min_probability` unless `uncoverable`)."""
        skip = set(self.uncoverable)
        return min(
            (p for t, p in enumerate(self.type_probabilities) if t not in skip),
            default=Fraction(0),
        )

    def draw(self, rng: np.random.Generator) -> Panel:
        """Draw one panel: a ticket picks the composition, then each type's seats by lot.

        Uses only `uniform_below` on `rng`'s bit generator, so the procedure is
        fully specified (docs/lottery.md) and can be reimplemented by anyone.
        """
        ticket = uniform_below(rng, RESOLUTION)
        total = 0
        index = len(self.compositions) - 1
        for i, composition in enumerate(self.compositions):
            total += composition.tickets
            if ticket < total:
                index = i
                break
        chosen: list[str] = []
        for kind, seats in zip(
            self.problem.type_list, self.compositions[index].counts, strict=True
        ):
            chosen += sample(rng, kind.members, seats)
        return Panel(ids=tuple(sorted(chosen)), ticket=ticket, composition=index)


def uniform_below(rng: np.random.Generator, bound: int) -> int:
    """A uniform integer in [0, bound) from raw 64-bit outputs, by rejection (no modulo bias)."""
    if not 0 < bound <= 2**64:
        raise ValueError(f"bound must be in (0, 2**64], not {bound}")
    limit = (2**64 // bound) * bound
    while True:
        raw = int(rng.bit_generator.random_raw())
        if raw < limit:
            return raw % bound


def sample(rng: np.random.Generator, members: tuple[str, ...], count: int) -> list[str]:
    """`count` members chosen uniformly without replacement (partial Fisher-Yates)."""
    items = list(members)
    for i in range(count):
        j = i + uniform_below(rng, len(items) - i)
        items[i], items[j] = items[j], items[i]
    return items[:count]


def round_to_tickets(weights: NDArray[np.float64]) -> list[int]:
    """Whole tickets out of RESOLUTION, proportional to `weights` (largest remainders, ties by
    position)."""
    clipped = np.clip(weights, 0.0, None)
    clipped = clipped / clipped.sum()
    raw = [float(w) * RESOLUTION for w in clipped]
    tickets = [math.floor(r) for r in raw]
    missing = RESOLUTION - sum(tickets)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - tickets[i]), i))
    for i in order[:missing]:
        tickets[i] += 1
    return tickets


def _master(
    columns: list[tuple[int, ...]], sizes: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Solve the master LP from scratch with `scipy.optimize.linprog`:
    (z, lambda, y) with y the duals normalised to sum_t y_t size_t = 1."""
    counts = np.array(columns, dtype=np.float64).T  # types x columns
    n_types, n_cols = counts.shape
    # Variables: lambda_1..lambda_P, z. Minimise -z.
    cost = np.zeros(n_cols + 1)
    cost[-1] = -1.0
    a_ub = np.hstack([-counts, sizes.reshape(-1, 1)])  # z*size_t - counts_t @ lambda <= 0
    a_eq = np.hstack([np.ones((1, n_cols)), np.zeros((1, 1))])
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(n_types),
        A_eq=a_eq,
        b_eq=np.ones(1),
        bounds=[(0, None)] * n_cols + [(0, None)],
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"master LP failed: {res.message}")
    return (
        float(res.x[-1]),
        np.asarray(res.x[:-1], dtype=np.float64),
        _normalised(-np.asarray(res.ineqlin.marginals, dtype=np.float64), sizes),
    )


def _normalised(duals: NDArray[np.float64], sizes: NDArray[np.float64]) -> NDArray[np.float64]:
    duals = np.clip(duals, 0.0, None)
    scale = float(duals @ sizes)
    return duals / scale if scale > 0 else np.full(sizes.shape[0], 1.0 / float(sizes.sum()))


def highs_instance() -> Any | None:
    """A fresh HiGHS instance from SciPy's bindings, set up like the masters' (silent, one
    thread, seed 0, primal simplex): deterministic solves. None without the bindings."""
    if _highspy is None:
        return None
    highs = _highspy._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("simplex_strategy", SIMPLEX)
    return highs


def highs_optimal(highs: Any) -> bool:
    """Whether the last `run` of a `highs_instance` reached an optimal solution."""
    return bool(highs.getModelStatus() == _highspy.HighsModelStatus.kOptimal)


class _Master:
    """The master LP kept in one HiGHS instance: new compositions are added as columns and
    the next solve starts from the previous optimal basis (a few dozen simplex iterations
    instead of hundreds from scratch). Uses the HiGHS bindings that SciPy ships
    (`scipy.optimize._highspy`); without them, every solve starts from scratch (`_master`).
    Both are deterministic: the same columns in the same order give the same solution."""

    def __init__(self, sizes: NDArray[np.float64], *, warm: bool = True) -> None:
        self.sizes = sizes
        self.columns: list[tuple[int, ...]] = []
        self.highs: Any = None
        self.infinity = math.inf
        if _highspy is None or not warm:
            return
        try:
            highs = _highspy._Highs()
            highs.setOptionValue("output_flag", False)
            highs.setOptionValue("random_seed", 0)
            highs.setOptionValue("threads", 1)
            highs.setOptionValue("simplex_strategy", SIMPLEX)
            infinity = highs.getInfinity()
            n_types = sizes.shape[0]
            # Column 0 is z (cost -1); row t: size_t z - counts_t @ lambda <= 0; last: sum = 1.
            highs.addVar(0.0, infinity)
            highs.changeColCost(0, -1.0)
            highs.addRows(
                n_types + 1,
                np.append(np.full(n_types, -infinity), 1.0),
                np.append(np.zeros(n_types), 1.0),
                n_types,
                np.arange(n_types + 1, dtype=np.int32),
                np.zeros(n_types, dtype=np.int32),
                np.asarray(sizes, dtype=np.float64),
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
        counts = np.array(columns, dtype=np.float64)  # columns x types
        cols, rows = np.nonzero(counts)  # row-major: grouped by column, types ascending
        # Each column: -counts on its type rows, then 1 on the convexity row (row n_types).
        ends = np.searchsorted(cols, np.arange(1, len(columns) + 1))
        starts = np.append(0, ends[:-1]) + np.arange(len(columns))
        indices = np.insert(rows, ends, n_types)
        values = np.insert(-counts[cols, rows], ends, 1.0)
        try:
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
        except (AttributeError, TypeError, RuntimeError) as error:  # pragma: no cover
            logger.warning("HiGHS bindings unusable (%s): master solved from scratch", error)
            self.highs = None

    def solve(self) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """(z, lambda, y) of the master over every column added so far."""
        if self.highs is not None:
            self.highs.run()
            if self.highs.getModelStatus() == _highspy.HighsModelStatus.kOptimal:
                solution = self.highs.getSolution()
                values = np.asarray(solution.col_value, dtype=np.float64)
                duals = -np.asarray(solution.row_dual, dtype=np.float64)[: self.sizes.shape[0]]
                return float(values[0]), values[1:], _normalised(duals, self.sizes)
            logger.warning("warm-started master LP failed, solving from scratch")
        return _master(self.columns, self.sizes)


def _price(
    system: QuotaSystem,
    weights: NDArray[np.float64],
    z: float,
    starts: list[tuple[int, ...]],
    known: set[tuple[int, ...]],
    *,
    exact: bool,
    batch: int = BATCH,
    block: int = BLOCK,
) -> tuple[list[tuple[int, ...]], float | None]:
    """New compositions improving on the master's value z for the duals `weights`.

    Local search from the best compositions first (cheap); when it finds nothing,
    or when `exact`, the integer program, whose answer also bounds the optimum
    (returned, else None).
    """
    found: list[tuple[int, ...]] = []
    for start in starts:
        candidate = system.improve(weights, start, batch=batch, block=block)
        fresh = candidate not in known and candidate not in found
        if fresh and float(np.dot(weights, candidate)) > z + EPS:
            found.append(candidate)
    if found and not exact:
        return found, None
    best = system.best(weights, gap=EXACT_GAP)
    assert best is not None  # the quotas are feasible: the first solve found a composition
    if best[0] not in found:
        found.append(best[0])
    return found, best[1]


def type_space_relaxation(
    system: QuotaSystem, covered: NDArray[np.int64]
) -> tuple[float, NDArray[np.float64]]:
    """The maximin over the quotas' polytope in type space (fractional seats per type):
    maximise z s.t. x_t >= z size_t (covered types), lo <= A x <= hi, sum x = seats,
    0 <= x <= size. Every lottery's expected composition lies in that polytope, so its
    value bounds the optimum; its duals y (normalised, over the covered types) are where
    the master's duals end up when the bound is tight. Returns (value, y)."""
    n_types = system.n_types
    n_covered = covered.size
    # Variables: x_1..x_n, z. Minimise -z.
    cost = np.zeros(n_types + 1)
    cost[-1] = -1.0
    cover = coo_array(  # z size_t - x_t <= 0
        (
            np.concatenate([np.full(n_covered, -1.0), system.sizes[covered]]),
            (
                np.tile(np.arange(n_covered), 2),
                np.concatenate([covered, np.full(n_covered, n_types)]),
            ),
        ),
        shape=(n_covered, n_types + 1),
    )
    quota = coo_array(system.matrix).tocsr()
    zeros = csr_array((quota.shape[0], 1))
    upper = np.where(np.isin(np.arange(n_types), covered), system.sizes, 0.0)
    res = linprog(
        cost,
        A_ub=vstack([cover.tocsr(), hstack([quota, zeros]), hstack([-quota, zeros])]).tocsr(),
        b_ub=np.concatenate([np.zeros(n_covered), system.hi, -system.lo]),
        A_eq=np.append(np.ones(n_types), 0.0).reshape(1, -1),
        b_eq=np.array([float(system.seats)]),
        bounds=np.column_stack([np.append(np.zeros(n_types), 0.0), np.append(upper, np.inf)]),
        method="highs",
    )
    if res.status != 0:
        return 1.0, np.full(n_covered, 1.0 / float(system.sizes[covered].sum()))
    duals = -np.asarray(res.ineqlin.marginals, dtype=np.float64)[:n_covered]
    return float(res.x[-1]), _normalised(duals, system.sizes[covered])


SPLIT_SEED = 20261126  # the even split's orderings (fixed: the lottery depends only on the pool)
SPLIT_TRIES = 4  # orderings tried before falling back to column generation
SPLIT_STEPS = 40  # repair moves allowed per panel of an ordering


def even_split(system: QuotaSystem) -> list[tuple[int, ...]] | None:
    """Panels in which every applicant sits equally often, each meeting the quotas; or None.

    With n applicants, k seats, g = gcd(n, k), a = n/g and b = k/g: a compositions whose
    sum is b x (size of each type), so that the uniform lottery over them selects everyone
    with probability b/a = k/n, the largest possible (the probabilities sum to k). Built by
    systematic sampling (applicants sorted by their categories, criteria in a seeded order,
    each repeated b times and dealt round-robin to the a panels), then repaired by swapping
    one seat of a type in a panel breaking a quota with one seat of another type in another
    panel, the swap that lowers the total quota excess most, until no quota is broken; None
    if the repair gets stuck on every ordering tried (the caller then uses column generation).
    """
    sizes = system.sizes.astype(np.int64)
    n, k = int(sizes.sum()), system.seats
    g = math.gcd(n, k)
    a, b = n // g, k // g
    if a > 4 * n or a < 1:  # pragma: no cover
        return None
    rows = system.rows
    lo, hi = system.lo, system.hi
    n_types, n_rows = system.n_types, lo.size
    rng = np.random.default_rng(SPLIT_SEED)
    person = np.repeat(np.arange(n_types), sizes)
    for _ in range(SPLIT_TRIES):
        perm = rng.permutation(rows.shape[1])
        order = np.lexsort([rng.random(n)] + [rows[person, j] for j in perm[::-1]])
        copies = np.repeat(person[order], b)  # b consecutive copies of each applicant
        panels = np.zeros((a, n_types), dtype=np.int64)
        np.add.at(panels, (np.arange(copies.size) % a, copies), 1)
        if _repair(panels, sizes, rows, lo, hi, n_rows, SPLIT_STEPS * a):
            return [tuple(int(x) for x in panel) for panel in panels]
    return None


def _repair(
    panels: NDArray[np.int64],
    sizes: NDArray[np.int64],
    rows: NDArray[np.int64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    n_rows: int,
    steps: int,
) -> bool:
    """Swaps of seats between panels (keeping every type's total) until every panel meets
    the quotas; False if no swap lowers the total excess or after `steps` swaps."""
    a = panels.shape[0]
    counts = np.zeros((a, n_rows), dtype=np.int64)  # seats per quota row and panel
    for j in range(rows.shape[1]):
        np.add.at(
            counts,
            (np.repeat(np.arange(a), panels.shape[1]), np.tile(rows[:, j], a)),
            panels.ravel(),
        )

    def excess(values: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.maximum(lo - values, 0.0) + np.maximum(values - hi, 0.0)

    for _ in range(steps):
        bad = excess(counts).sum(axis=1)
        if not bad.any():
            return True
        i = int(np.argmax(bad))  # the panel breaking the quotas most (first on ties)
        best: tuple[float, int, int, int] | None = None
        present = np.flatnonzero(panels[i] > 0)
        room = np.flatnonzero(panels[i] < sizes)
        # Seat of t leaves panel i, a seat of u enters it; panel j does the opposite.
        drop = np.zeros((present.size, n_rows), dtype=np.int64)
        for j in range(rows.shape[1]):
            drop[np.arange(present.size), rows[present, j]] -= 1
        add = np.zeros((room.size, n_rows), dtype=np.int64)
        for j in range(rows.shape[1]):
            add[np.arange(room.size), rows[room, j]] += 1
        # Change of panel i's excess (present x room), exactly: what dropping t and adding
        # u change on their rows, minus both on the rows they share (there they cancel).
        base = excess(counts[i])
        dropped = excess(counts[i] - 1) - base
        added = excess(counts[i] + 1) - base
        after_i = (
            dropped[rows[present]].sum(axis=1)[:, None] + added[rows[room]].sum(axis=1)[None, :]
        )
        for j in range(rows.shape[1]):
            give, take = rows[present, j], rows[room, j]
            after_i -= np.where(
                give[:, None] == take[None, :], dropped[give][:, None] + added[take][None, :], 0.0
            )
        for p in np.argsort(after_i.ravel(), kind="stable")[:64].tolist():
            ti, ui = divmod(p, room.size)
            t, u = int(present[ti]), int(room[ui])
            gain_i = float(after_i[ti, ui])
            if t == u or gain_i >= 0:
                continue
            if best is not None and gain_i >= best[0]:
                break
            others = np.flatnonzero((panels[:, u] > 0) & (panels[:, t] < sizes[t]))
            others = others[others != i]
            if others.size == 0:
                continue
            change = -drop[ti] - add[ui]  # panel j gains t, loses u
            after_j = excess(counts[others] + change[None, :]).sum(axis=1) - excess(
                counts[others]
            ).sum(axis=1)
            m = int(np.argmin(after_j))
            total = gain_i + float(after_j[m])
            if total < 0 and (best is None or total < best[0]):
                best = (total, t, u, int(others[m]))
        if best is None:
            return False
        _, t, u, j = best
        panels[i, t] -= 1
        panels[i, u] += 1
        panels[j, t] += 1
        panels[j, u] -= 1
        for r in rows[t].tolist():
            counts[i, r] -= 1
            counts[j, r] += 1
        for r in rows[u].tolist():
            counts[i, r] += 1
            counts[j, r] -= 1
    return not excess(counts).any()


def initial_columns(
    problem: LotteryProblem, system: QuotaSystem, *, batch: int = BATCH, block: int = BLOCK
) -> tuple[list[tuple[int, ...]], set[int]]:
    """Initial compositions, until every type that some valid panel includes is in one of
    them: each solve targets the first uncovered type and favours the other uncovered ones.
    Returns (compositions, uncoverable types); raises InfeasibleQuotasError when no panel
    is valid."""
    n_types = system.n_types
    columns: list[tuple[int, ...]] = []
    uncovered = set(range(n_types))
    uncoverable: set[int] = set()
    while uncovered:
        target = min(uncovered)
        weights = np.zeros(n_types)
        for t in uncovered:
            weights[t] = 1.0 / system.sizes[t]
        weights[target] = problem.seats + 1.0
        counts = system.improve(weights, columns[-1], batch=batch, block=block) if columns else None
        if counts is None or counts[target] == 0:  # local search failed: ask the solver
            found = system.best(weights, gap=FAST_GAP)
            if found is None:
                raise InfeasibleQuotasError(diagnose(problem))
            counts = found[0]
        if counts[target] == 0:
            uncoverable.add(target)
            uncovered.discard(target)
        if counts not in columns:
            columns.append(counts)
        uncovered -= {t for t in uncovered if counts[t] > 0}
    if uncoverable:
        logger.warning("%d applicant type(s) cannot be in any valid panel", len(uncoverable))
    return columns, uncoverable


def find_lottery(
    problem: LotteryProblem,
    *,
    params: MaximinParams | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Lottery:
    """The maximin lottery of `problem`; raises InfeasibleQuotasError when no panel is valid."""
    params = params or MaximinParams()
    started = time.perf_counter()
    system = QuotaSystem.of(problem)
    n_types = system.n_types
    first = params.method == 1  # the first method, kept to rerun the records it made
    batch, block = (1, 0) if first else (BATCH, BLOCK)
    starts, extra = (2, 0) if first else (STARTS, EXTRA)

    columns, uncoverable = initial_columns(problem, system, batch=batch, block=block)
    covered = np.array([t for t in range(n_types) if t not in uncoverable])
    # The relaxation in type space: its value bounds the optimum (and usually equals it);
    # compositions that are best for its duals are the likely support of an optimal lottery.
    relaxed = math.inf
    if not first:
        relaxed, relaxed_duals = type_space_relaxation(system, covered)
        face = np.zeros(n_types)
        face[covered] = relaxed_duals
        for column in list(columns):
            candidate = system.improve(face, column)
            if candidate not in columns:
                columns.append(candidate)
    if (
        params.method >= 3
        and not uncoverable
        and relaxed >= even_probability(system) - params.tolerance
    ):
        split = even_split(system)
        if split is not None:  # everyone at k/n: no lottery does better, nothing to prove
            return canonical_lottery(
                problem, split, [1.0] * len(split), even_probability(system), 0, started, (), 3
            )
    known = set(columns)
    master = _Master(system.sizes[covered], warm=not first)
    master.add([tuple(np.asarray(c)[covered].tolist()) for c in columns])
    iteration = 0
    upper = 1.0
    while True:
        iteration += 1
        z, lam, duals = master.solve()
        weights = np.zeros(n_types)
        weights[covered] = duals
        by_weight = sorted(range(len(columns)), key=lambda i: -lam[i])
        ranked = by_weight[:starts]
        support = [i for i in by_weight if lam[i] > EPS]
        for k in range(extra):
            pick = support[(iteration * extra + k) % len(support)]
            if pick not in ranked:
                ranked.append(pick)
        elapsed = time.perf_counter() - started
        last = iteration >= params.max_iterations or (
            params.time_limit is not None and elapsed > params.time_limit
        )
        # Certify (exact pricing) every BOUND_EVERY iterations, and as soon as the master
        # reaches the relaxation's value, which is then, as a rule, the optimum.
        exact = last or iteration % BOUND_EVERY == 0 or z >= relaxed - params.tolerance
        new, bound = _price(
            system,
            weights,
            z,
            [columns[i] for i in ranked],
            known,
            exact=exact,
            batch=batch,
            block=block,
        )
        if bound is not None:
            upper = min(upper, bound)
        if on_progress is not None:
            on_progress(Progress(iteration, len(columns), z, upper))
        logger.debug(
            "iteration %d: %d compositions, min in [%.9f, %.9f]", iteration, len(columns), z, upper
        )
        improving = [c for c in new if c not in known and float(np.dot(weights, c)) > z + EPS]
        if upper - z <= params.tolerance or not improving or last:
            if last and upper - z > params.tolerance:
                logger.warning(
                    "stopped before optimality: min probability %.6f, best possible <= %.6f",
                    z,
                    upper,
                )
            break
        columns += improving
        known.update(improving)
        master.add([tuple(np.asarray(c)[covered].tolist()) for c in improving])

    return canonical_lottery(
        problem,
        columns,
        [float(x) for x in lam[: len(columns)]],
        max(upper, z),
        iteration,
        started,
        tuple(sorted(uncoverable)),
        params.method,
    )


def even_probability(system: QuotaSystem) -> float:
    """k/n: the largest possible smallest probability (the probabilities sum to k)."""
    return system.seats / float(system.sizes.sum())


def canonical_lottery(
    problem: LotteryProblem,
    columns: list[tuple[int, ...]],
    weights: list[float],
    upper: float,
    iteration: int,
    started: float,
    uncoverable: tuple[int, ...],
    method: int,
) -> Lottery:
    """The canonical lottery: equal compositions merged, sorted, weights rounded to tickets."""
    merged: dict[tuple[int, ...], float] = {}
    for column, weight in zip(columns, weights, strict=True):
        merged[column] = merged.get(column, 0.0) + weight
    order = sorted(merged)
    tickets = round_to_tickets(np.array([merged[c] for c in order], dtype=np.float64))
    compositions = tuple(Composition(c, n) for c, n in zip(order, tickets, strict=True) if n > 0)
    lottery = Lottery(
        problem=problem,
        compositions=compositions,
        upper_bound=upper,
        iterations=iteration,
        seconds=time.perf_counter() - started,
        uncoverable=uncoverable,
        method=method,
    )
    logger.info(
        "lottery (method %d): min probability %.9f (bound %.9f), %d compositions, %d iterations",
        method,
        float(lottery.min_probability),
        lottery.upper_bound,
        len(compositions),
        iteration,
    )
    return lottery
