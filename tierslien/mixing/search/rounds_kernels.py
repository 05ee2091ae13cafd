"""Compiled kernels of the multi-round tabu search (see `tierslien.mixing.rounds`).

The whole schedule is searched at once. The objective is the diversity of all
rounds minus `penalty` per repeated encounter (a pair meeting in m > 1 rounds
counts m - 1). Seen from round r, pair (i, k) is worth
`W[i, k] - penalty * [i and k meet in another round]`, so a move or swap
inside round r is an ordinary grouping move on those effective weights, and
the gain tables `C[r, i, g]` (sum of the effective weights of i to the members
of g in round r) give every gain in O(1). A move in round r changes the
meeting counts `M` of the mover's old and new group mates, which flips
effective weights in other rounds: those updates are O(rounds * group size).

State is in arrays, as for `kernels.py`, so a Python driver can run it in
chunks; `st`/`sf` use the indices below.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search._jit import jit
from tierslien.mixing.search.kernels import rng_below

FloatMatrix = npt.NDArray[np.float64]
Float3 = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IntMatrix = npt.NDArray[np.int64]
Int3 = npt.NDArray[np.int64]
U8Array3 = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float64]
RngState = npt.NDArray[np.uint64]

ST_ITER = 0
ST_NO_IMPROVE = 1
ST_REPEATS = 2  # current number of repeated encounters
ST_BEST_REPEATS = 3
ST_STUCK = 4
ST_ZERO = 5  # 1 when all weights are zero: a repeat-free schedule is optimal
ST_SIZE = 6
SF_F = 0  # current objective (diversity - penalty * repeats)
SF_BEST = 1
SF_EPS = 2
SF_PENALTY = 3
SF_SIZE = 4
P_DEPTH = 0
P_TENURE = 1
P_TENURE_RAND = 2
P_STRENGTH = 3
P_FOCUS = 4  # 1: while encounters repeat, only move people involved in a repeat
P_SIZE = 5


@jit
def rebuild(
    W: FloatMatrix,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    penalty: float,
    fixed: IntArray,
) -> tuple[float, int]:
    """Recompute meetings, gain tables and sizes; return (objective, repeats).

    Two people locked in the same group (`fixed`) meet in every round by
    necessity: their encounters are not counted (nothing can change them)."""
    n_rounds, n = a.shape
    M[:, :] = 0
    size[:, :] = 0
    for r in range(n_rounds):
        for i in range(n):
            size[r, a[r, i]] += 1
            for k in range(i + 1, n):
                if fixed[i] >= 0 and fixed[i] == fixed[k]:
                    continue
                if a[r, i] == a[r, k]:
                    M[i, k] += 1
                    M[k, i] += 1
    C[:, :, :] = 0.0
    diversity = 0.0
    repeats = 0
    for i in range(n):
        for k in range(n):
            if k == i:
                continue
            if k > i:
                repeats += max(0, M[i, k] - 1)
            for r in range(n_rounds):
                same = 1 if a[r, i] == a[r, k] else 0
                w = W[i, k]
                if M[i, k] - same >= 1:
                    w -= penalty
                C[r, i, a[r, k]] += w
                if k > i and same:
                    diversity += W[i, k]
    return diversity - penalty * repeats, repeats


@jit
def _move(
    W: FloatMatrix,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    penalty: float,
    r: int,
    i: int,
    g: int,
) -> int:
    """Move i to group g in round r, keeping C and M exact; return the change in
    the number of repeated encounters (kept by the caller instead of recounting
    all n^2 pairs after every step)."""
    n_rounds, n = a.shape
    src = a[r, i]
    # 1. Round r: i leaves src and joins g (effective weights seen from r do
    #    not depend on round r itself).
    for k in range(n):
        if k == i:
            continue
        same = 1 if a[r, k] == src else 0
        w = W[i, k]
        if M[i, k] - same >= 1:
            w -= penalty
        C[r, k, src] -= w
        C[r, k, g] += w
    # 2. Meetings change with the old and new mates, which flips effective
    #    weights of the pair in the other rounds.
    repeats = 0
    for k in range(n):
        if k == i:
            continue
        if a[r, k] == src:
            delta = -1
        elif a[r, k] == g:
            delta = 1
        else:
            continue
        before = M[i, k]
        after = before + delta
        M[i, k] = after
        M[k, i] = after
        repeats += max(after - 1, 0) - max(before - 1, 0)
        for q in range(n_rounds):
            if q == r:
                continue
            same = 1 if a[q, i] == a[q, k] else 0
            was = before - same >= 1
            now = after - same >= 1
            if was != now:
                change = -penalty if now else penalty
                C[q, i, a[q, k]] += change
                C[q, k, a[q, i]] += change
    size[r, src] -= 1
    size[r, g] += 1
    a[r, i] = g
    return repeats


@jit
def _conflicted(a: IntMatrix, M: IntMatrix, r: int, i: int) -> bool:
    """Whether i meets, in round r, someone met in another round too."""
    n = a.shape[1]
    g = a[r, i]
    for k in range(n):  # noqa: SIM110 (nopython code: no generators)
        if k != i and a[r, k] == g and M[i, k] >= 2:
            return True
    return False


@jit
def _step(
    W: FloatMatrix,
    allowed: U8Array3,
    lo: IntArray,
    hi: IntArray,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    tabu: Int3,
    conflict: IntMatrix,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
    min_gain: float,
) -> bool:
    """Make the best admissible move or swap of any round; False if none exists,
    or if the best gains no more than `min_gain` (-inf for the tabu search).

    While encounters repeat, only moves of people involved in a repeat are
    considered (Dotú and Van Hentenryck's conflict focus for social golfers).
    """
    n_rounds, n = a.shape
    n_groups = lo.shape[0]
    it = st[ST_ITER]
    f = sf[SF_F]
    eps = sf[SF_EPS]
    penalty = sf[SF_PENALTY]
    aspiration = sf[SF_BEST] - f + eps
    focus = st[ST_REPEATS] > 0 and params[P_FOCUS] != 0
    for r in range(n_rounds):
        for i in range(n):
            conflict[r, i] = 1 if (not focus or _conflicted(a, M, r, i)) else 0
    best = -np.inf
    ties = 0
    br = -1
    bi = -1
    bj = -1
    swap = False
    for r in range(n_rounds):
        for i in range(n):
            ai = a[r, i]
            own_i = C[r, i, ai]
            if conflict[r, i] != 0 and size[r, ai] > lo[ai]:
                for g in range(n_groups):
                    if g == ai or size[r, g] >= hi[g] or allowed[r, i, g] == 0:
                        continue
                    d = C[r, i, g] - own_i
                    if d < best - eps or (tabu[r, i, g] > it and d <= aspiration):
                        continue
                    if d > best + eps:
                        best = d
                        ties = 1
                    else:
                        ties += 1
                        if rng_below(rng, ties) != 0:
                            continue
                    br = r
                    bi = i
                    bj = g
                    swap = False
            for j in range(i + 1, n):
                aj = a[r, j]
                if aj == ai or (conflict[r, i] == 0 and conflict[r, j] == 0):
                    continue
                w = W[i, j]
                if M[i, j] >= 1:
                    w -= penalty
                d = C[r, i, aj] - own_i + C[r, j, ai] - C[r, j, aj] - 2.0 * w
                if d < best - eps:
                    continue
                if allowed[r, i, aj] == 0 or allowed[r, j, ai] == 0:
                    continue
                if (tabu[r, i, aj] > it or tabu[r, j, ai] > it) and d <= aspiration:
                    continue
                if d > best + eps:
                    best = d
                    ties = 1
                else:
                    ties += 1
                    if rng_below(rng, ties) != 0:
                        continue
                br = r
                bi = i
                bj = j
                swap = True
    if br < 0 or best <= min_gain:
        return False
    tenure = params[P_TENURE] + rng_below(rng, params[P_TENURE_RAND] + 1)
    ai = a[br, bi]
    if swap:
        aj = a[br, bj]
        st[ST_REPEATS] += _move(W, a, C, M, size, penalty, br, bi, aj)
        st[ST_REPEATS] += _move(W, a, C, M, size, penalty, br, bj, ai)
        tabu[br, bi, ai] = it + tenure
        tabu[br, bj, aj] = it + tenure
    else:
        st[ST_REPEATS] += _move(W, a, C, M, size, penalty, br, bi, bj)
        tabu[br, bi, ai] = it + tenure
    sf[SF_F] = f + best
    return True


@jit
def _perturb(
    W: FloatMatrix,
    allowed: U8Array3,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    penalty: float,
    strength: int,
    rng: RngState,
) -> None:
    """Random feasible swaps in random rounds (sizes and `allowed` kept)."""
    n_rounds, n = a.shape
    done = 0
    attempts = 0
    while done < strength and attempts < 100 * strength + 100:
        attempts += 1
        r = rng_below(rng, n_rounds)
        i = rng_below(rng, n)
        j = rng_below(rng, n)
        ai = a[r, i]
        aj = a[r, j]
        if ai != aj and allowed[r, i, aj] != 0 and allowed[r, j, ai] != 0:
            _move(W, a, C, M, size, penalty, r, i, aj)
            _move(W, a, C, M, size, penalty, r, j, ai)
            done += 1


@jit
def search_chunk(
    W: FloatMatrix,
    allowed: U8Array3,
    lo: IntArray,
    hi: IntArray,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    tabu: Int3,
    conflict: IntMatrix,
    best_a: IntMatrix,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
    budget: int,
    fixed: IntArray,
) -> int:
    """Up to `budget` tabu iterations; after `P_DEPTH` without a new best, the
    search goes back to the best schedule and perturbs it."""
    eps = sf[SF_EPS]
    penalty = sf[SF_PENALTY]
    done = 0
    while done < budget:
        if st[ST_ZERO] != 0 and st[ST_BEST_REPEATS] == 0:
            st[ST_STUCK] = 1  # optimal: nothing left to gain
            break
        if not _step(
            W, allowed, lo, hi, a, C, M, size, tabu, conflict, st, sf, params, rng, -np.inf
        ):
            # Everything is tabu (tiny instances): forget the tabu list once.
            tabu[:, :, :] = 0
            if not _step(
                W, allowed, lo, hi, a, C, M, size, tabu, conflict, st, sf, params, rng, -np.inf
            ):
                st[ST_STUCK] = 1
                break
        done += 1
        st[ST_ITER] += 1
        if sf[SF_F] > sf[SF_BEST] + eps:
            sf[SF_BEST] = sf[SF_F]
            best_a[:, :] = a
            st[ST_BEST_REPEATS] = st[ST_REPEATS]
            st[ST_NO_IMPROVE] = 0
        else:
            st[ST_NO_IMPROVE] += 1
        if st[ST_NO_IMPROVE] >= params[P_DEPTH]:
            a[:, :] = best_a
            rebuild(W, a, C, M, size, penalty, fixed)
            _perturb(W, allowed, a, C, M, size, penalty, params[P_STRENGTH], rng)
            f, repeats = rebuild(W, a, C, M, size, penalty, fixed)
            sf[SF_F] = f
            st[ST_REPEATS] = repeats
            st[ST_NO_IMPROVE] = 0
    return done


@jit
def descend(
    W: FloatMatrix,
    allowed: U8Array3,
    lo: IntArray,
    hi: IntArray,
    a: IntMatrix,
    C: Float3,
    M: IntMatrix,
    size: IntMatrix,
    tabu: Int3,
    conflict: IntMatrix,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
    max_steps: int,
) -> int:
    """Steepest ascent from `a`: the best move or swap of any round while it gains
    more than `SF_EPS`, at most `max_steps` of them; returns the steps made.

    The caller passes a zero `tabu`, zero tenures and no conflict focus, so every
    move and swap of every round is considered: the schedule it leaves is a local
    optimum of `diversity - penalty * repeats` (what `rounds._descend_rounds` did
    in NumPy, round by round, in several times the time)."""
    steps = 0
    while steps < max_steps:
        if not _step(
            W, allowed, lo, hi, a, C, M, size, tabu, conflict, st, sf, params, rng, sf[SF_EPS]
        ):
            break
        steps += 1
    return steps
