"""Several rounds of the same people: avoid repeated encounters, then mix.

A discovery evening seats the same people at tables twice; a social golfer
schedule plays w weeks. `solve_rounds` searches the whole schedule at once
with a tabu search over moves and swaps inside any round (see
`tierslien.mixing.search.rounds_kernels`), minimising

    penalty * repeats - diversity,

where `repeats` counts, over pairs, the rounds they share beyond the first and
`diversity` sums the weights of the pairs in the same group in every round.
With `met_before_penalty` above any diversity gain, repeats come first
(objective priority 2 before 3 of the grouping spec). Round-by-round greedy is
much weaker: it cannot repair an early round that blocks the later ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.cyclic import cyclic_schedule
from tierslien.mixing.search import rounds_kernels as rk
from tierslien.mixing.search.construct import allowed_matrix, construct, target_sizes
from tierslien.mixing.search.descent import DESCENT_STEPS_PER_PERSON

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IntMatrix = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# progress(elapsed_seconds, repeats_of_best, diversity_of_best)
RoundsProgress = Callable[[float, int, float], None]

PROGRESS_PERIOD = 0.25
CHUNK_SECONDS = 0.02


@dataclass(frozen=True)
class RoundsParams:
    """Knobs of the schedule search; `None` picks a value from the instance size."""

    depth: int | None = None
    tenure: int = 2
    tenure_random: int | None = None
    strength: int = 3
    focus: bool = True
    # Share of the budget (time, or iterations) first spent searching a
    # schedule with a cyclic symmetry (equal groups, no `allowed` only).
    cyclic_share: float = 0.5

    def __post_init__(self) -> None:
        if self.depth is not None and self.depth < 1:
            raise ValueError(f"depth must be >= 1, got {self.depth}")
        if self.tenure < 0 or self.strength < 0:
            raise ValueError("tenure and strength must be >= 0")
        if self.tenure_random is not None and self.tenure_random < 0:
            raise ValueError(f"tenure_random must be >= 0, got {self.tenure_random}")
        if not 0.0 <= self.cyclic_share <= 1.0:
            raise ValueError(f"cyclic_share must be in [0, 1], got {self.cyclic_share}")


@dataclass(frozen=True)
class RoundsResult:
    assignments: IntMatrix  # (rounds, n): group of each person in each round
    repeats: int  # over pairs, the rounds they share beyond the first
    objective: float  # diversity: sum over rounds and groups of the pair weights
    iterations: int
    elapsed: float


def count_repeats(assignments: IntMatrix, fixed: IntArray | None = None) -> int:
    """Over pairs, the number of rounds they share beyond the first (pairs
    locked in the same group by `fixed` excepted)."""
    n = assignments.shape[1]
    meetings = np.zeros((n, n), dtype=np.int64)
    for row in assignments:
        meetings += row[:, None] == row[None, :]
    if fixed is not None:
        locked = fixed >= 0
        meetings[np.outer(locked, locked) & (fixed[:, None] == fixed[None, :])] = 0
    upper = np.triu(meetings, k=1)
    return int(np.maximum(upper - 1, 0).sum())


def diversity(weights: FloatMatrix, assignments: IntMatrix) -> float:
    total = 0.0
    for row in assignments:
        same = row[:, None] == row[None, :]
        total += float(np.triu(np.where(same, weights, 0.0), k=1).sum())
    return total


def _bounds(value: int | IntArray, n_groups: int, name: str) -> IntArray:
    arr = np.asarray(value, dtype=np.int64)
    if arr.ndim == 0:
        arr = np.full(n_groups, int(arr), dtype=np.int64)
    if arr.shape != (n_groups,):
        raise ValueError(f"{name} must be an int or have one entry per group")
    return arr


def _greedy_round(
    W: FloatMatrix,
    sizes: IntArray,
    allowed: BoolArray,
    met: IntMatrix,
    penalty: float,
    rng: np.random.Generator,
    deadline: float,
) -> IntArray | None:
    """Seat people one by one, the one with the fewest tables left where they
    meet nobody met before (nor anyone they weigh against) first, at the table
    where they add the most (diversity minus `penalty` per repeat); None when
    it gets stuck on `allowed`.

    A much better start than a random round: the tabu search then has few
    conflicts left to repair, or none, which matters when the first search
    of a process spends its time loading the compiled kernels.
    """
    n, n_groups = allowed.shape
    row = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n_groups, dtype=np.int64)
    # score[i, g]: i's weights to the members of g minus penalty per person met;
    # clash[i, g]: members of g that i met before or has a negative weight with.
    seen = met > 0
    harm = seen | (W < 0.0)
    np.fill_diagonal(harm, False)
    score = np.zeros((n, n_groups))
    clash = np.zeros((n, n_groups), dtype=np.int64)
    effective = W - penalty * seen
    # good[i]: open tables allowed to i without a clash (kept up to date in O(n)).
    good = allowed.sum(axis=1) * 1.001 + rng.random(n) * 1e-6
    for _ in range(n):
        i = int(np.argmin(good))
        choices = np.flatnonzero(allowed[i] & (count < sizes))
        if choices.size == 0:
            return None
        values = score[i, choices] + rng.random(choices.size) * 1e-9
        g = int(choices[np.argmax(values)])
        row[i] = g
        good[i] = np.inf
        count[g] += 1
        score[:, g] += effective[:, i]
        free_before = allowed[:, g] & (clash[:, g] == 0)
        clash[:, g] += harm[:, i]
        if count[g] >= sizes[g]:
            # The table is full: gone for everyone (clash-free for some, 0.001 for all).
            good -= free_before + allowed[:, g] * 0.001
        else:
            good -= free_before & (clash[:, g] > 0)
    _repair_round(row, harm, clash, allowed, rng, steps=20 * n, deadline=deadline)
    return row


def _repair_round(
    row: IntArray,
    harm: BoolArray,
    clash: IntMatrix,
    allowed: BoolArray,
    rng: np.random.Generator,
    *,
    steps: int,
    deadline: float,
) -> int:
    """Swaps that lower the number of clashing pairs of the round (people met
    before or weighed against) until there are none, `steps` are spent or the
    deadline passes; each step costs O(n). `clash[i, g]` counts the members of
    g that i clashes with. Returns the steps taken."""
    n = row.shape[0]
    people = np.arange(n)
    for step in range(steps):
        if step % 32 == 31 and time.perf_counter() > deadline:
            return step
        own = clash[people, row]
        conflicted = np.flatnonzero(own > 0)
        if conflicted.size == 0:
            return step
        i = int(conflicted[rng.integers(conflicted.size)])
        g = int(row[i])
        delta = (clash[i, row] - harm[i] + clash[:, g] - harm[:, i] - own[i] - own).astype(
            np.float64
        )
        ok = (row != g) & allowed[i, row] & allowed[:, g]
        if not ok.any():
            continue
        delta[~ok] = np.inf
        # Improving or sideways swaps, at random among the best.
        delta += rng.random(n) * 0.5
        j = int(np.argmin(delta))
        if delta[j] > 0.5:
            continue
        h = int(row[j])
        row[i], row[j] = h, g
        clash[:, g] += harm[:, j].astype(np.int64) - harm[:, i]
        clash[:, h] += harm[:, i].astype(np.int64) - harm[:, j]
    return steps


def solve_rounds(
    weights: FloatMatrix,
    min_size: int | IntArray,
    max_size: int | IntArray,
    n_groups: int,
    rounds: int,
    *,
    met_before_penalty: float,
    allowed: BoolArray | None = None,
    fixed: IntArray | None = None,
    time_limit: float,
    seed: int,
    progress: RoundsProgress | None = None,
    max_iterations: int | None = None,
    params: RoundsParams | None = None,
) -> RoundsResult:
    """Group the same n people `rounds` times, first avoiding repeated encounters.

    `allowed` is (n, n_groups) for every round or (rounds, n, n_groups);
    `fixed[i]` >= 0 locks person i in that group in every round (people asking
    to stay together), -1 leaves them free; the encounters of two people locked
    in the same group are not counted as repeats.
    Deterministic for a seed when `max_iterations` bounds the run. Stops early
    when the weights are all zero and no encounter repeats (nothing left to gain).
    """
    started = time.perf_counter()
    if rounds < 1 or n_groups < 1:
        raise ValueError("rounds and n_groups must be >= 1")
    if met_before_penalty < 0:
        raise ValueError("met_before_penalty must be >= 0")
    W = np.array(weights, dtype=np.float64, copy=True)
    n = W.shape[0]
    if W.shape != (n, n) or not np.allclose(W, W.T):
        raise ValueError("weights must be a symmetric square matrix")
    np.fill_diagonal(W, 0.0)
    lo = _bounds(min_size, n_groups, "min_size")
    hi = _bounds(max_size, n_groups, "max_size")
    if allowed is None:
        per_round = np.ones((rounds, n, n_groups), dtype=np.bool_)
    else:
        arr = np.asarray(allowed, dtype=np.bool_)
        per_round = np.broadcast_to(arr, (rounds, n, n_groups)).copy()
    lock = -np.ones(n, dtype=np.int64)
    if fixed is not None:
        lock = np.asarray(fixed, dtype=np.int64).copy()
        if lock.shape != (n,) or (lock >= n_groups).any():
            raise ValueError("fixed must have one group index (or -1) per person")
        for i in np.flatnonzero(lock >= 0).tolist():
            keep = per_round[:, i, lock[i]].copy()
            per_round[:, i, :] = False
            per_round[:, i, lock[i]] = keep
    params = params or RoundsParams()

    rng = np.random.default_rng(seed)
    mean = float(W.sum() / (n * (n - 1))) if n > 1 else 0.0
    a = np.zeros((rounds, n), dtype=np.int64)
    met = np.zeros((n, n), dtype=np.int64)
    # People locked in the same group meet in every round by request: not a clash
    # for the greedy start (its repair cannot separate them and would spend all
    # its steps trying: 0.1-0.15 s of a 0.1-s evening of 200 with 5 such pairs).
    locked = lock >= 0
    asked = np.outer(locked, locked) & (lock[:, None] == lock[None, :])
    for r in range(rounds):
        allowed_r = allowed_matrix(n, n_groups, per_round[r], None)
        row = None
        if n < lo.sum() or n > hi.sum():
            construct(lo, hi, allowed_r, rng)  # raises with the reason
        sizes = target_sizes(lo, hi, n, mean)
        row = _greedy_round(
            W,
            sizes,
            allowed_r,
            met,
            float(met_before_penalty),
            rng,
            # The start never depends on the clock: its repair is bounded by steps.
            math.inf,
        )
        if row is None:
            try:
                row = construct(sizes, sizes, allowed_r, rng)
            except ValueError:
                row = construct(lo, hi, allowed_r, rng)  # raises when infeasible
        a[r] = row
        met += (row[:, None] == row[None, :]) & ~asked
    cyclic_iterations = 0
    if per_round.all():
        sizes = target_sizes(lo, hi, n, mean)
        equal = int(sizes[0])
        cyclic = None
        if (
            rounds > 1
            and n_groups > 1
            and (sizes == equal).all()
            and rounds * (equal - 1) <= n - 1  # else repeats are unavoidable,
            and equal <= n_groups  # as they are from round 2 on with more per group
            and params.cyclic_share > 0.0
            and count_repeats(a, lock) > 0  # the greedy rounds did not avoid them
            and not (W < 0.0).any()  # no pair to keep apart that it would ignore
        ):
            cyclic = cyclic_schedule(
                n_groups,
                equal,
                rounds,
                seed=seed,
                deadline=started + params.cyclic_share * time_limit,
                max_iterations=(
                    None if max_iterations is None else int(params.cyclic_share * max_iterations)
                ),
            )
        if cyclic is not None:
            cyclic_iterations = cyclic.iterations
            if cyclic.repeats < count_repeats(a, lock):  # else keep the (more diverse) greedy
                a = cyclic.assignments.copy()

    penalty = float(met_before_penalty)
    C = np.zeros((rounds, n, n_groups))
    M = np.zeros((n, n), dtype=np.int64)
    size = np.zeros((rounds, n_groups), dtype=np.int64)
    f, repeats = rk.rebuild(W, a, C, M, size, penalty, lock)
    st = np.zeros(rk.ST_SIZE, dtype=np.int64)
    st[rk.ST_REPEATS] = st[rk.ST_BEST_REPEATS] = repeats
    st[rk.ST_ZERO] = int(not W.any())
    sf = np.zeros(rk.SF_SIZE)
    sf[rk.SF_F] = sf[rk.SF_BEST] = f
    sf[rk.SF_EPS] = 1e-11 * max(1.0, float(np.abs(W).max(initial=0.0)), penalty)
    sf[rk.SF_PENALTY] = penalty
    p = np.zeros(rk.P_SIZE, dtype=np.int64)
    p[rk.P_DEPTH] = params.depth if params.depth is not None else max(200, 20 * n)
    p[rk.P_TENURE] = params.tenure
    p[rk.P_TENURE_RAND] = (
        params.tenure_random if params.tenure_random is not None else max(4, n // 2)
    )
    p[rk.P_STRENGTH] = params.strength
    p[rk.P_FOCUS] = int(params.focus)
    tabu = np.zeros((rounds, n, n_groups), dtype=np.int64)
    conflict = np.zeros((rounds, n), dtype=np.int64)
    best_a = a.copy()
    mixed = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)
    state = np.array([mixed[0] | np.uint64(1)], dtype=np.uint64)
    allowed_u8 = per_round.astype(np.uint8)

    deadline = started + time_limit
    budget = 16
    per_iteration = 0.0
    last_report = started

    def chunk(size_of_chunk: int) -> int:
        return int(
            rk.search_chunk(
                W,
                allowed_u8,
                lo,
                hi,
                a,
                C,
                M,
                size,
                tabu,
                conflict,
                best_a,
                st,
                sf,
                p,
                state,
                size_of_chunk,
                lock,
            )
        )

    while n_groups > 1 and not st[rk.ST_STUCK]:
        now = time.perf_counter()
        if now >= deadline:
            break
        if max_iterations is not None:
            left = max_iterations - cyclic_iterations - int(st[rk.ST_ITER])
            if left <= 0:
                break
            budget = min(budget, left)
        if per_iteration > 0.0:
            budget = max(1, min(budget, int((deadline - now) / per_iteration) + 1))
        ran = chunk(budget)
        spent = time.perf_counter() - now
        if ran:
            per_iteration = spent / ran
        if spent < CHUNK_SECONDS / 2:
            budget *= 2
        elif spent > 2 * CHUNK_SECONDS and budget > 1:
            budget //= 2
        if progress is not None and time.perf_counter() - last_report >= PROGRESS_PERIOD:
            last_report = time.perf_counter()
            progress(
                last_report - started,
                int(st[rk.ST_BEST_REPEATS]),
                float(sf[rk.SF_BEST]) + penalty * int(st[rk.ST_BEST_REPEATS]),
            )
    if n_groups > 1:
        # The quality floor: whatever the clock allowed, a local optimum of moves
        # and swaps in any round (bounded by steps, not time), by the compiled
        # steepest ascent: at 0.05 s on an evening of 200, the former NumPy descent
        # took 0.1 s more after the clock.
        a[:, :] = best_a
        f, repeats = rk.rebuild(W, a, C, M, size, penalty, lock)
        st[rk.ST_REPEATS] = repeats
        sf[rk.SF_F] = f
        steepest = p.copy()
        steepest[rk.P_TENURE] = steepest[rk.P_TENURE_RAND] = steepest[rk.P_FOCUS] = 0
        rk.descend(
            W,
            allowed_u8,
            lo,
            hi,
            a,
            C,
            M,
            size,
            np.zeros_like(tabu),
            conflict,
            st,
            sf,
            steepest,
            state,
            DESCENT_STEPS_PER_PERSON * n * rounds + 100,
        )
        best_a = a
    return RoundsResult(
        assignments=best_a.copy(),
        repeats=count_repeats(best_a, lock),
        objective=diversity(W, best_a),
        iterations=int(st[rk.ST_ITER]) + cyclic_iterations,
        elapsed=time.perf_counter() - started,
    )


__all__ = ["RoundsParams", "RoundsResult", "count_repeats", "diversity", "solve_rounds"]
