"""Compiled kernels of the iterated tabu search (Numba, nopython).

The state of one search lives in plain arrays so that a Python driver can run
it in chunks (to watch the clock, which nopython code cannot read) without the
chunking changing the result:

- `a[i]`: group of person i; `size[g]`: members of group g;
- `C[i, g]` = sum of `W[i, j]` over the members j of g, and `CT` its transpose
  (kept both ways so that both loops of the swap scan read memory in order):
  the gain of moving i from a to b is `C[i, b] - C[i, a]`, of swapping i (in a)
  with j (in b) `C[i, b] - C[i, a] + C[j, a] - C[j, b] - 2 W[i, j]`, O(1) each;
- `D[i, j]`: the gain of swapping i and j (-inf when not allowed), with
  `rmax[i]`/`rarg[i]` its row maxima: a move or swap between groups a and b
  only changes the gains of pairs touching a member of a or b, so the pair
  table is refreshed in O(n * (|a| + |b|)) and the best swap is found by
  reading a few rows instead of recomputing all n^2 / 2 gains;
- `tabu[i, g]`: first iteration at which i may enter g again;
- `st` (int64) and `sf` (float64): scalar counters, see the `ST_*`/`SF_*` indices;
- `rng`: a xorshift64 state, so runs are reproducible and thread-independent.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search._jit import jit

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
U8Matrix = npt.NDArray[np.uint8]
U8Array = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float64]
RngState = npt.NDArray[np.uint64]

# st: integer state
ST_ITER = 0  # tabu iterations done so far
ST_NO_IMPROVE = 1  # iterations since the current tabu run last improved
ST_RUNS = 2  # tabu runs finished
ST_STUCK = 3  # 1 when no move is possible at all (nothing left to search)
ST_RUNS_SINCE_BEST = 4  # tabu runs since the global best last improved
ST_FREE = 5  # 1 when everyone is movable and allowed in every group
ST_SIZE = 6
# sf: float state
SF_F = 0  # current objective
SF_RUN_BEST = 1  # best objective of the current tabu run
SF_BEST = 2  # best objective found
SF_BASE = 3  # objective of the solution perturbations start from
SF_EPS = 4  # tolerance under which two objectives are equal
SF_SIZE = 5
# params (int64)
P_DEPTH = 0  # non-improving iterations that end a tabu run
P_TENURE = 1  # fixed part of the tabu tenure
P_TENURE_RAND = 2  # random part of the tabu tenure
P_STRENGTH = 3  # random swaps/moves of a perturbation
P_RESTART = 4  # runs without a new best after which the search restarts from it
P_SIZE = 5


@jit
def rng_next(rng: RngState) -> int:
    x = rng[0]
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    rng[0] = x
    return x  # type: ignore[no-any-return]


@jit
def rng_below(rng: RngState, k: int) -> int:
    """Uniform integer in [0, k)."""
    return np.int64(rng_next(rng) % np.uint64(k))  # type: ignore[return-value]


@jit
def rebuild(W: FloatMatrix, a: IntArray, C: FloatMatrix, CT: FloatMatrix, size: IntArray) -> float:
    """Recompute the gain tables and sizes of `a`; return its objective."""
    n = a.shape[0]
    C[:, :] = 0.0
    size[:] = 0
    for i in range(n):
        size[a[i]] += 1
        for j in range(n):
            C[i, a[j]] += W[i, j]
    CT[:, :] = C.T
    f = 0.0
    for i in range(n):
        f += C[i, a[i]]
    return 0.5 * f


@jit
def objective(W: FloatMatrix, a: IntArray) -> float:
    """Sum over groups of the weights of their pairs, each pair once."""
    n = a.shape[0]
    f = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if a[i] == a[j]:
                f += W[i, j]
    return f


@jit
def _move(
    W: FloatMatrix, a: IntArray, C: FloatMatrix, CT: FloatMatrix, size: IntArray, i: int, g: int
) -> None:
    src = a[i]
    n = a.shape[0]
    for k in range(n):
        w = W[k, i]
        C[k, src] -= w
        C[k, g] += w
    for k in range(n):
        w = W[i, k]
        CT[src, k] -= w
        CT[g, k] += w
    size[src] -= 1
    size[g] += 1
    a[i] = g


@jit
def _perturb(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    lo: IntArray,
    hi: IntArray,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    size: IntArray,
    strength: int,
    rng: RngState,
) -> None:
    """Apply `strength` random feasible swaps or moves (sizes and `allowed` kept).

    Every other call also shifts size between two groups (a "profile kick"):
    with positive weights the good size profiles sit at the bounds, and
    single moves between two of them all lose, so the descent alone never
    changes which groups are the big ones.
    """
    n = a.shape[0]
    n_groups = size.shape[0]
    if rng_below(rng, 2) == 0:
        src = rng_below(rng, n_groups)
        dst = rng_below(rng, n_groups)
        room = min(size[src] - lo[src], hi[dst] - size[dst])
        if src != dst and room > 0:
            want = 1 + rng_below(rng, room)
            shifted = 0
            start = rng_below(rng, n)
            for t in range(n):
                if shifted >= want:
                    break
                i = (start + t) % n
                if a[i] == src and movable[i] != 0 and allowed[i, dst] != 0:
                    _move(W, a, C, CT, size, i, dst)
                    shifted += 1
    done = 0
    attempts = 0
    while done < strength and attempts < 50 * strength + 100:
        attempts += 1
        i = rng_below(rng, n)
        if movable[i] == 0:
            continue
        if rng_below(rng, 2) == 0:
            g = rng_below(rng, n_groups)
            if g != a[i] and allowed[i, g] != 0 and size[a[i]] > lo[a[i]] and size[g] < hi[g]:
                _move(W, a, C, CT, size, i, g)
                done += 1
        else:
            j = rng_below(rng, n)
            ai = a[i]
            aj = a[j]
            if movable[j] != 0 and ai != aj and allowed[i, aj] != 0 and allowed[j, ai] != 0:
                _move(W, a, C, CT, size, i, aj)
                _move(W, a, C, CT, size, j, ai)
                done += 1


@jit
def _fill_row(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    own: FloatArray,
    D: FloatMatrix,
    rmax: FloatArray,
    rarg: IntArray,
    k: int,
    free: bool,
) -> None:
    """Recompute the swap gains of row k and its maximum.

    `free`: everybody is movable and allowed everywhere (no checks needed).
    """
    n = a.shape[0]
    ak = a[k]
    Dk = D[k]
    best = -np.inf
    arg = -1
    if movable[k] != 0:
        ok = own[k]
        Ck = C[k]
        CTk = CT[ak]
        Wk = W[k]
        # Branch-free first (it vectorises), then the rare constraint checks.
        for q in range(n):
            al = a[q]
            d = Ck[al] - ok + CTk[q] - own[q] - 2.0 * Wk[q]
            Dk[q] = d if al != ak else -np.inf
        if not free:
            for q in range(n):
                if movable[q] == 0 or allowed[k, a[q]] == 0 or allowed[q, ak] == 0:
                    Dk[q] = -np.inf
        for q in range(n):
            best = max(best, Dk[q])
        if best > -np.inf:
            for q in range(n):
                if Dk[q] == best:
                    arg = q
                    break
    else:
        Dk[:] = -np.inf
    rmax[k] = best
    rarg[k] = arg


@jit
def _row_max(D: FloatMatrix, rmax: FloatArray, rarg: IntArray, k: int) -> None:
    Dk = D[k]
    best = -np.inf
    for q in range(Dk.shape[0]):
        best = max(best, Dk[q])  # branch-free: vectorises
    arg = -1
    if best > -np.inf:
        for q in range(Dk.shape[0]):
            if Dk[q] == best:
                arg = q
                break
    rmax[k] = best
    rarg[k] = arg


@jit
def _is_free(allowed: U8Matrix, movable: U8Array) -> bool:
    for k in range(movable.shape[0]):
        if movable[k] == 0:
            return False
        for g in range(allowed.shape[1]):
            if allowed[k, g] == 0:
                return False
    return True


@jit
def rebuild_pairs(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    own: FloatArray,
    D: FloatMatrix,
    rmax: FloatArray,
    rarg: IntArray,
) -> None:
    n = a.shape[0]
    free = _is_free(allowed, movable)
    for k in range(n):
        own[k] = C[k, a[k]]
    for k in range(n):
        _fill_row(W, allowed, movable, a, C, CT, own, D, rmax, rarg, k, free)


@jit
def _refresh_pairs(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    own: FloatArray,
    D: FloatMatrix,
    rmax: FloatArray,
    rarg: IntArray,
    flag: U8Array,
    buf: IntArray,
    st: IntArray,
    ga: int,
    gb: int,
) -> None:
    """Update the pair table after a move or swap between groups ga and gb."""
    n = a.shape[0]
    free = st[ST_FREE] != 0
    m = 0
    for k in range(n):
        if a[k] == ga or a[k] == gb:
            buf[m] = k
            m += 1
            flag[k] = 1
            own[k] = C[k, a[k]]
    for t in range(m):
        _fill_row(W, allowed, movable, a, C, CT, own, D, rmax, rarg, buf[t], free)
    for k in range(n):
        if flag[k] != 0:
            continue
        Dk = D[k]
        best = -np.inf
        arg = -1
        for t in range(m):
            q = buf[t]
            v = D[q, k]  # the table is symmetric
            Dk[q] = v
            if v > best:
                best = v
                arg = q
        old = rarg[k]
        if old >= 0 and flag[old] != 0:
            # The old maximum may have dropped: read the whole row again.
            _row_max(D, rmax, rarg, k)
        elif best > rmax[k]:
            rmax[k] = best
            rarg[k] = arg
    for t in range(m):
        flag[buf[t]] = 0


@jit
def _tabu_step(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    lo: IntArray,
    hi: IntArray,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    size: IntArray,
    own: FloatArray,
    D: FloatMatrix,
    rmax: FloatArray,
    rarg: IntArray,
    flag: U8Array,
    buf: IntArray,
    tabu: IntArray,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
) -> bool:
    """Make the best admissible move or swap; False when none exists."""
    n = a.shape[0]
    n_groups = size.shape[0]
    it = st[ST_ITER]
    f = sf[SF_F]
    eps = sf[SF_EPS]
    # A tabu move is still allowed when it beats the best solution found.
    aspiration = sf[SF_BEST] - f + eps
    best = -np.inf
    ties = 0
    bi = -1
    bj = -1  # group for a move, person for a swap
    swap = False
    for i in range(n):
        if movable[i] == 0:
            continue
        ai = a[i]
        if size[ai] <= lo[ai]:
            continue
        oi = own[i]
        for g in range(n_groups):
            if g == ai or size[g] >= hi[g] or allowed[i, g] == 0:
                continue
            d = C[i, g] - oi
            if d < best - eps:
                continue
            if tabu[i, g] > it and d <= aspiration:
                continue
            if d > best + eps:
                best = d
                ties = 1
                bi = i
                bj = g
                swap = False
            else:
                ties += 1
                if rng_below(rng, ties) == 0:
                    bi = i
                    bj = g
                    swap = False
    # Rows in order of their best gain, so that `best` rises early and most
    # rows are skipped on their maximum alone.
    top = 0
    for k in range(n):
        if rmax[k] > rmax[top]:
            top = k
    for step in range(n + 1):
        k = top if step == 0 else step - 1
        if (step > 0 and k == top) or rmax[k] == -np.inf or rmax[k] < best - eps:
            continue
        Dk = D[k]
        ak = a[k]
        for q in range(n):
            d = Dk[q]
            if d < best - eps:
                continue
            al = a[q]
            if (tabu[k, al] > it or tabu[q, ak] > it) and d <= aspiration:
                continue
            if d > best + eps:
                best = d
                ties = 1
                bi = k
                bj = q
                swap = True
            else:
                ties += 1
                if rng_below(rng, ties) == 0:
                    bi = k
                    bj = q
                    swap = True
    if bi < 0:
        return False
    tenure = params[P_TENURE] + rng_below(rng, params[P_TENURE_RAND] + 1)
    ai = a[bi]
    if swap:
        aj = a[bj]
        _move(W, a, C, CT, size, bi, aj)
        _move(W, a, C, CT, size, bj, ai)
        tabu[bi, ai] = it + tenure
        tabu[bj, aj] = it + tenure
        _refresh_pairs(W, allowed, movable, a, C, CT, own, D, rmax, rarg, flag, buf, st, ai, aj)
    else:
        _move(W, a, C, CT, size, bi, bj)
        tabu[bi, ai] = it + tenure
        _refresh_pairs(W, allowed, movable, a, C, CT, own, D, rmax, rarg, flag, buf, st, ai, bj)
    sf[SF_F] = f + best
    return True


@jit
def search_chunk(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    lo: IntArray,
    hi: IntArray,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    size: IntArray,
    own: FloatArray,
    D: FloatMatrix,
    rmax: FloatArray,
    rarg: IntArray,
    flag: U8Array,
    buf: IntArray,
    tabu: IntArray,
    run_best_a: IntArray,
    best_a: IntArray,
    base_a: IntArray,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
    budget: int,
) -> int:
    """Run up to `budget` iterations of iterated tabu search; return how many ran.

    Each tabu run stops after `P_DEPTH` iterations without improving its own
    best; its best becomes the base when it is at least as good as the base,
    and the next run starts from a random perturbation of the base. After
    `P_RESTART` runs without a new global best, the base is reset to the best.
    """
    n = a.shape[0]
    eps = sf[SF_EPS]
    done = 0
    while done < budget:
        if not _tabu_step(
            W,
            allowed,
            movable,
            lo,
            hi,
            a,
            C,
            CT,
            size,
            own,
            D,
            rmax,
            rarg,
            flag,
            buf,
            tabu,
            st,
            sf,
            params,
            rng,
        ):
            # Everything is tabu (tiny instances): forget the tabu list once.
            tabu[:, :] = 0
            if not _tabu_step(
                W,
                allowed,
                movable,
                lo,
                hi,
                a,
                C,
                CT,
                size,
                own,
                D,
                rmax,
                rarg,
                flag,
                buf,
                tabu,
                st,
                sf,
                params,
                rng,
            ):
                st[ST_STUCK] = 1
                break
        done += 1
        st[ST_ITER] += 1
        f = sf[SF_F]
        if f > sf[SF_RUN_BEST] + eps:
            sf[SF_RUN_BEST] = f
            run_best_a[:] = a
            st[ST_NO_IMPROVE] = 0
            if f > sf[SF_BEST] + eps:
                sf[SF_BEST] = f
                best_a[:] = a
                st[ST_RUNS_SINCE_BEST] = -1
        else:
            st[ST_NO_IMPROVE] += 1
        if st[ST_NO_IMPROVE] < params[P_DEPTH]:
            continue
        # End of a tabu run: choose the base, perturb it, start the next run.
        st[ST_RUNS] += 1
        st[ST_RUNS_SINCE_BEST] += 1
        if sf[SF_RUN_BEST] >= sf[SF_BASE] - eps:
            base_a[:] = run_best_a
            sf[SF_BASE] = sf[SF_RUN_BEST]
        if st[ST_RUNS_SINCE_BEST] >= params[P_RESTART]:
            base_a[:] = best_a
            sf[SF_BASE] = sf[SF_BEST]
            st[ST_RUNS_SINCE_BEST] = 0
        a[:] = base_a
        size[:] = 0
        for k in range(n):
            size[a[k]] += 1
        _perturb(W, allowed, movable, lo, hi, a, C, CT, size, params[P_STRENGTH], rng)
        f = rebuild(W, a, C, CT, size)  # also clears rounding drift
        rebuild_pairs(W, allowed, movable, a, C, CT, own, D, rmax, rarg)
        sf[SF_F] = f
        sf[SF_RUN_BEST] = f
        run_best_a[:] = a
        st[ST_NO_IMPROVE] = 0
    return done
