"""Compiled kernels of the search for schedules with a cyclic symmetry (see
`tierslien.mixing.cyclic`).

The players are k orbits of m points, (c, x) with x in Z_m, plus f fixed
points; the shift sigma maps (c, x) to (c, x + 1) and keeps the fixed points.
A schedule is given by q *base weeks*; base week j develops into the weeks
sigma^t(base week j), t = 0 .. L[j] - 1. A swap of two players in a base week
is thus L[j] swaps of the full schedule at once, and the search space is m
times smaller: a tabu search on the base weeks (Dotú and Van Hentenryck's
swaps of players in conflict) minimises the repeats of the developed schedule.

`S[t, p]` is sigma^t(p); `M` counts the meetings of each pair over the
developed weeks; `mem[j, g, :]` lists the members of group g of base week j
and `B[j, p]` is p's group there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search._jit import jit
from tierslien.mixing.search.kernels import rng_below

IntArray = npt.NDArray[np.int64]
IntMatrix = npt.NDArray[np.int64]
Int3 = npt.NDArray[np.int64]
RngState = npt.NDArray[np.uint64]

ST_ITER = 0
ST_REPEATS = 1  # repeats of the current developed schedule
ST_BEST = 2
ST_NO_IMPROVE = 3
ST_SIZE = 4
P_DEPTH = 0  # iterations without a new best before a perturbation
P_TENURE = 1
P_TENURE_RAND = 2
P_STRENGTH = 3  # random swaps of a perturbation
P_FOCUS = 4  # 1: only swaps involving a player in conflict
P_SIZE = 5


@jit
def rebuild(S: IntMatrix, L: IntArray, mem: Int3, M: IntMatrix) -> int:
    """Recompute the meeting counts of the developed schedule; return its repeats."""
    q, g, s = mem.shape
    M[:, :] = 0
    for j in range(q):
        for t in range(L[j]):
            for h in range(g):
                for a in range(s):
                    pa = S[t, mem[j, h, a]]
                    for b in range(a + 1, s):
                        pb = S[t, mem[j, h, b]]
                        M[pa, pb] += 1
                        M[pb, pa] += 1
    repeats = 0
    n = M.shape[0]
    for i in range(n):
        for k in range(i + 1, n):
            if M[i, k] > 1:
                repeats += M[i, k] - 1
    return repeats


@jit
def _add(M: IntMatrix, a: int, b: int, delta: int) -> int:
    """Change the meetings of (a, b) by +-1; return the change of repeats."""
    before = M[a, b]
    M[a, b] = before + delta
    M[b, a] = before + delta
    if delta > 0:
        return 1 if before >= 1 else 0
    return -1 if before >= 2 else 0


@jit
def _swap_ops(
    S: IntMatrix, L: IntArray, mem: Int3, M: IntMatrix, j: int, x: int, y: int, gx: int, gy: int
) -> int:
    """Apply to `M` the swap of x (in gx) and y (in gy) in base week j; return
    the change of repeats. `mem` is not touched (call it again with x and y
    exchanged to undo)."""
    s = mem.shape[2]
    change = 0
    for t in range(L[j]):
        sx = S[t, x]
        sy = S[t, y]
        for a in range(s):
            u = mem[j, gx, a]
            if u != x:
                su = S[t, u]
                change += _add(M, sx, su, -1)
                change += _add(M, sy, su, 1)
            v = mem[j, gy, a]
            if v != y:
                sv = S[t, v]
                change += _add(M, sy, sv, -1)
                change += _add(M, sx, sv, 1)
    return change


@jit
def _swap_delta(
    S: IntMatrix, L: IntArray, mem: Int3, M: IntMatrix, j: int, x: int, y: int, gx: int, gy: int
) -> int:
    """The change of repeats if x and y swapped in base week j (M is restored)."""
    s = mem.shape[2]
    change = _swap_ops(S, L, mem, M, j, x, y, gx, gy)
    for t in range(L[j]):
        sx = S[t, x]
        sy = S[t, y]
        for a in range(s):
            u = mem[j, gx, a]
            if u != x:
                su = S[t, u]
                _add(M, sx, su, 1)
                _add(M, sy, su, -1)
            v = mem[j, gy, a]
            if v != y:
                sv = S[t, v]
                _add(M, sy, sv, 1)
                _add(M, sx, sv, -1)
    return change


@jit
def _apply_swap(
    S: IntMatrix,
    L: IntArray,
    B: IntMatrix,
    mem: Int3,
    M: IntMatrix,
    j: int,
    x: int,
    y: int,
) -> int:
    gx = B[j, x]
    gy = B[j, y]
    change = _swap_ops(S, L, mem, M, j, x, y, gx, gy)
    s = mem.shape[2]
    for a in range(s):
        if mem[j, gx, a] == x:
            mem[j, gx, a] = y
        if mem[j, gy, a] == y:
            mem[j, gy, a] = x
    B[j, x] = gy
    B[j, y] = gx
    return change


@jit
def _in_conflict(
    S: IntMatrix, L: IntArray, B: IntMatrix, mem: Int3, M: IntMatrix, j: int, x: int
) -> bool:
    s = mem.shape[2]
    gx = B[j, x]
    for t in range(L[j]):
        sx = S[t, x]
        for a in range(s):
            u = mem[j, gx, a]
            if u != x and M[sx, S[t, u]] >= 2:
                return True
    return False


@jit
def search_chunk(
    S: IntMatrix,
    L: IntArray,
    B: IntMatrix,
    mem: Int3,
    M: IntMatrix,
    tabu: Int3,
    conflict: IntMatrix,
    best_B: IntMatrix,
    st: IntArray,
    params: IntArray,
    rng: RngState,
    budget: int,
) -> int:
    """Up to `budget` tabu iterations on the base weeks; stops at 0 repeats.

    Each iteration makes the best swap of two players of different groups of a
    base week, one of them in conflict (meets someone they meet in another
    week), not undoing a recent swap unless it reaches a new best; after
    `P_DEPTH` iterations without a new best, the search goes back to the best
    base weeks and makes `P_STRENGTH` random swaps."""
    q, n = B.shape
    done = 0
    while done < budget and st[ST_BEST] > 0:
        it = st[ST_ITER]
        for j in range(q):
            for x in range(n):
                focus = params[P_FOCUS] != 0
                conflict[j, x] = 1 if (not focus or _in_conflict(S, L, B, mem, M, j, x)) else 0
        best = 1 << 40
        ties = 0
        bj = -1
        bx = -1
        by = -1
        cur = st[ST_REPEATS]
        for j in range(q):
            for x in range(n):
                gx = B[j, x]
                cx = conflict[j, x]
                for y in range(x + 1, n):
                    gy = B[j, y]
                    if gy == gx or (cx == 0 and conflict[j, y] == 0):
                        continue
                    d = _swap_delta(S, L, mem, M, j, x, y, gx, gy)
                    if d > best:
                        continue
                    if (tabu[j, x, gy] > it or tabu[j, y, gx] > it) and cur + d >= st[ST_BEST]:
                        continue
                    if d < best:
                        best = d
                        ties = 1
                    else:
                        ties += 1
                        if rng_below(rng, ties) != 0:
                            continue
                    bj = j
                    bx = x
                    by = y
        if bj < 0:
            # Everything tabu: forget the tabu list.
            tabu[:, :, :] = 0
        else:
            gx = B[bj, bx]
            gy = B[bj, by]
            st[ST_REPEATS] = cur + _apply_swap(S, L, B, mem, M, bj, bx, by)
            tenure = params[P_TENURE] + rng_below(rng, params[P_TENURE_RAND] + 1)
            tabu[bj, bx, gx] = it + tenure
            tabu[bj, by, gy] = it + tenure
        st[ST_ITER] += 1
        done += 1
        if st[ST_REPEATS] < st[ST_BEST]:
            st[ST_BEST] = st[ST_REPEATS]
            best_B[:, :] = B
            st[ST_NO_IMPROVE] = 0
        else:
            st[ST_NO_IMPROVE] += 1
        if st[ST_NO_IMPROVE] >= params[P_DEPTH]:
            _restore(best_B, B, mem)
            rebuild(S, L, mem, M)
            swaps = 0
            attempts = 0
            while swaps < params[P_STRENGTH] and attempts < 1000:
                attempts += 1
                j = rng_below(rng, q)
                x = rng_below(rng, n)
                y = rng_below(rng, n)
                if B[j, x] != B[j, y]:
                    _apply_swap(S, L, B, mem, M, j, x, y)
                    swaps += 1
            st[ST_REPEATS] = rebuild(S, L, mem, M)
            st[ST_NO_IMPROVE] = 0
    return done


@jit
def _restore(best_B: IntMatrix, B: IntMatrix, mem: Int3) -> None:
    q, n = B.shape
    g = mem.shape[1]
    fill = np.zeros(g, dtype=np.int64)
    for j in range(q):
        fill[:] = 0
        for p in range(n):
            h = best_B[j, p]
            B[j, p] = h
            mem[j, h, fill[h]] = p
            fill[h] += 1
