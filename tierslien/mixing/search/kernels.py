"""Compiled kernels of the iterated tabu search (Numba, nopython).

The state of one search lives in plain arrays so that a Python driver can run
it in chunks (to watch the clock, which nopython code cannot read) without the
chunking changing the result:

- `a[i]`: group of person i; `size[g]`: members of group g;
- `C[i, g]` = sum of `W[i, j]` over the members j of g, and `CT` its transpose
  (kept both ways so that both loops of the swap scan read memory in order):
  the gain of moving i from a to b is `C[i, b] - C[i, a]`, of swapping i (in a)
  with j (in b) `C[i, b] - C[i, a] + C[j, a] - C[j, b] - 2 W[i, j]`, O(1) each;
- `mem[g, :size[g]]`: the members of g (`pos[i]`: where i sits in its list);
- `S[g, h]`: the best gain of a swap between groups g and h (-inf when none
  is allowed). A move or swap between groups a and b changes `C` only in
  columns a and b and `own` only for members of a and b, so only the pairs
  (a, h) and (b, h) change: they are recomputed by reading the rows of a's
  and b's members once, O(n * (|a| + |b|)), in memory order. The best swap
  is then found by reading the few group pairs whose `S` can beat the best
  move, best first. When everyone is free and no weight is negative
  (`ST_BOUNDS`), those pairs get a cheap upper bound instead, O(n + (|a| +
  |b|) G), from `A[g, h]` (the best gain of moving one member of g to h), and
  a pair's exact value replaces its bound when the scan reads it, so every
  swap that could win is still read (docs/mixing.md: 1.25-1.5x fewer seconds
  per iteration after perturbations, 9 % more iterations in the memetic runs);
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
IntMatrix = npt.NDArray[np.int64]
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
ST_BOUNDS = 6  # 1: after a step, `S` holds bounds for the two groups' pairs (see `_bound_pairs`)
ST_SIZE = 7
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
P_ONE_RUN = 5  # 1: a chunk returns at the end of a tabu run, its best in `base_a`
P_SIZE = 6


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
def _move_member(
    W: FloatMatrix,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    size: IntArray,
    mem: IntMatrix,
    pos: IntArray,
    i: int,
    g: int,
) -> None:
    """`_move`, keeping the member lists `mem` (and `pos`) in step."""
    src = a[i]
    last = mem[src, size[src] - 1]
    mem[src, pos[i]] = last
    pos[last] = pos[i]
    mem[g, size[g]] = i
    pos[i] = size[g]
    _move(W, a, C, CT, size, i, g)


@jit
def _group_swaps(
    W: FloatMatrix,
    allowed: U8Matrix,
    movable: U8Array,
    a: IntArray,
    C: FloatMatrix,
    CT: FloatMatrix,
    size: IntArray,
    own: FloatArray,
    S: FloatMatrix,
    mem: IntMatrix,
    tmp: FloatArray,
    g: int,
    free: bool,
) -> None:
    """Recompute `S[g, h]` (= `S[h, g]`), the best swap gain between g and every h.

    Reads the rows of g's members once, in memory order: O(|g| n).
    """
    n = a.shape[0]
    n_groups = size.shape[0]
    top_of = tmp[:n_groups]  # best swap gain with each group
    vec = tmp[n_groups : n_groups + n]  # per person of other groups, the part of the gain not on k
    row = tmp[n_groups + n :]  # vec minus k's weights: the part of the gain not on k's side
    top_of[:] = -np.inf
    CTg = CT[g]
    if free:
        # Group by group: each inner loop is a branch-free max over h's members,
        # gathering from one row computed in memory order (vectorised) per k.
        for q in range(n):
            vec[q] = CTg[q] - own[q]
        for t in range(size[g]):
            k = mem[g, t]
            ok = own[k]
            Ck = C[k]
            Wk = W[k]
            for q in range(n):
                row[q] = vec[q] - 2.0 * Wk[q]
            for h in range(n_groups):
                if h == g:
                    continue
                top = -np.inf
                for u in range(size[h]):
                    top = max(top, row[mem[h, u]])
                d = Ck[h] - ok + top
                if d > top_of[h]:
                    top_of[h] = d
    else:
        for t in range(size[g]):
            k = mem[g, t]
            if movable[k] == 0:
                continue
            ok = own[k]
            Ck = C[k]
            Wk = W[k]
            for q in range(n):
                h = a[q]
                if h == g or movable[q] == 0 or allowed[k, h] == 0 or allowed[q, g] == 0:
                    continue
                d = Ck[h] - ok + CTg[q] - own[q] - 2.0 * Wk[q]
                if d > top_of[h]:
                    top_of[h] = d
    for h in range(n_groups):
        v = top_of[h] if h != g else -np.inf
        S[g, h] = v
        S[h, g] = v


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
    size: IntArray,
    own: FloatArray,
    S: FloatMatrix,
    A: FloatMatrix,
    mem: IntMatrix,
    pos: IntArray,
    tmp: FloatArray,
) -> None:
    """Recompute the member lists, `own`, the swap table `S` and `A` of `a` (sizes known)."""
    n = a.shape[0]
    n_groups = size.shape[0]
    free = _is_free(allowed, movable)
    fill = np.zeros(n_groups, dtype=np.int64)
    for k in range(n):
        g = a[k]
        mem[g, fill[g]] = k
        pos[k] = fill[g]
        fill[g] += 1
        own[k] = C[k, g]
    for g in range(n_groups):
        _group_swaps(W, allowed, movable, a, C, CT, size, own, S, mem, tmp, g, free)
    A[:, :] = -np.inf
    for k in range(n):
        g = a[k]
        ok = own[k]
        Ck = C[k]
        Ag = A[g]
        for h in range(n_groups):
            Ag[h] = max(Ag[h], Ck[h] - ok)


@jit
def _bound_pairs(
    a: IntArray,
    C: FloatMatrix,
    size: IntArray,
    own: FloatArray,
    S: FloatMatrix,
    A: FloatMatrix,
    mem: IntMatrix,
    g1: int,
    g2: int,
) -> None:
    """After a step between g1 and g2: `A` again, and bounds in `S` for their pairs.

    `A[g, h]` is the best gain of moving one member of g to h (max of C[k, h] - own[k]).
    A swap's gain is k's move gain plus q's minus 2 W[k, q], so with W >= 0
    A[g, h] + A[h, g] bounds the best swap between g and h from above: O(n + |g| G)
    instead of the exact O(|g| n) of `_group_swaps`. The scan of `_tabu_step` reads
    the pairs best bound first and replaces a pair's bound by its exact value when it
    reads it, so every swap that could beat the best move is still read (equal gains
    may be met in another order).
    """
    n = a.shape[0]
    n_groups = size.shape[0]
    for g in (g1, g2):
        Ag = A[g]
        Ag[:] = -np.inf
        for t in range(size[g]):
            k = mem[g, t]
            ok = own[k]
            Ck = C[k]
            for h in range(n_groups):
                Ag[h] = max(Ag[h], Ck[h] - ok)
    for x in range(n_groups):
        A[x, g1] = -np.inf
        A[x, g2] = -np.inf
    for k in range(n):
        x = a[k]
        ok = own[k]
        A[x, g1] = max(A[x, g1], C[k, g1] - ok)
        A[x, g2] = max(A[x, g2], C[k, g2] - ok)
    for g in (g1, g2):
        for h in range(n_groups):
            v = A[g, h] + A[h, g] if h != g and size[g] > 0 and size[h] > 0 else -np.inf
            S[g, h] = v
            S[h, g] = v


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
    S: FloatMatrix,
    A: FloatMatrix,
    mem: IntMatrix,
    pos: IntArray,
    tmp: FloatArray,
    cand: IntArray,
    tabu: IntArray,
    st: IntArray,
    sf: FloatArray,
    params: IntArray,
    rng: RngState,
) -> bool:
    """Make the best admissible move or swap; False when none exists."""
    n = a.shape[0]
    n_groups = size.shape[0]
    free = st[ST_FREE] != 0
    bounds = st[ST_BOUNDS] != 0
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
    # Moves: from a group above its minimum to one below its maximum (with
    # sizes at their bounds, as the best profiles have, few of either).
    n_open = 0
    for g in range(n_groups):
        if size[g] < hi[g]:
            cand[n_open] = g
            n_open += 1
    if bounds and n_open > 0:
        # `A[x, g]` is the best gain of moving one member of x to g: only the pairs of
        # groups whose best reaches `best` are read member by member, the best pair
        # first (it usually sets `best` for the rest).
        first_x = -1
        first_g = -1
        top_a = -np.inf
        for x in range(n_groups):
            if size[x] <= lo[x]:
                continue
            for t in range(n_open):
                g = cand[t]
                if g != x and A[x, g] > top_a:
                    top_a = A[x, g]
                    first_x = x
                    first_g = g
        # Round -1 reads the best pair alone; rounds 0.. every other pair in order.
        for r in range(-1, n_groups):
            x = first_x if r < 0 else r
            if x < 0 or size[x] <= lo[x]:
                continue
            for t in range(n_open if r >= 0 else 1):
                g = cand[t] if r >= 0 else first_g
                if g == x or A[x, g] < best - eps or (r >= 0 and x == first_x and g == first_g):
                    continue
                for u in range(size[x]):
                    i = mem[x, u]
                    d = C[i, g] - own[i]
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
    for i in range(n if n_open > 0 and not bounds else 0):
        if movable[i] == 0:
            continue
        ai = a[i]
        if size[ai] <= lo[ai]:
            continue
        oi = own[i]
        Ci = C[i]
        for t in range(n_open):
            g = cand[t]
            if g == ai or allowed[i, g] == 0:
                continue
            d = Ci[g] - oi
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
    # Swaps: only group pairs whose best swap reaches `best` can hold a better
    # one. Read them in decreasing order of that best and stop at the first
    # that cannot reach `best`: the best pair is often blocked by the tabu
    # list, and reading the next pairs first lifts `best` at once.
    m = 0
    for g in range(n_groups):
        for h in range(g + 1, n_groups):
            if S[g, h] > -np.inf and S[g, h] >= best - eps:
                cand[m] = g * n_groups + h
                m += 1
    while m > 0:
        top = -1
        top_value = -np.inf
        t = 0
        while t < m:
            c = cand[t]
            v = S[c // n_groups, c % n_groups]
            if v < best - eps:
                m -= 1
                cand[t] = cand[m]
                continue
            if top < 0 or v > top_value:
                top = t
                top_value = v
            t += 1
        if top < 0:
            break
        c = cand[top]
        m -= 1
        cand[top] = cand[m]
        g = c // n_groups
        h = c % n_groups
        exact = -np.inf
        for u in range(size[g]):
            k = mem[g, u]
            if movable[k] == 0:
                continue
            mk = C[k, h] - own[k]
            Wk = W[k]
            tk = tabu[k, h] > it
            for v in range(size[h]):
                q = mem[h, v]
                if not free and (movable[q] == 0 or allowed[k, h] == 0 or allowed[q, g] == 0):
                    continue
                d = mk + C[q, g] - own[q] - 2.0 * Wk[q]
                exact = max(exact, d)
                if d < best - eps:
                    continue
                if (tk or tabu[q, g] > it) and d <= aspiration:
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
        if bounds:
            S[g, h] = exact
            S[h, g] = exact
    if bi < 0:
        return False
    tenure = params[P_TENURE] + rng_below(rng, params[P_TENURE_RAND] + 1)
    ai = a[bi]
    if swap:
        aj = a[bj]
        _move_member(W, a, C, CT, size, mem, pos, bi, aj)
        _move_member(W, a, C, CT, size, mem, pos, bj, ai)
        tabu[bi, ai] = it + tenure
        tabu[bj, aj] = it + tenure
        gb = aj
    else:
        _move_member(W, a, C, CT, size, mem, pos, bi, bj)
        tabu[bi, ai] = it + tenure
        gb = bj
    # Only the members of the two groups changed `own`; only the pairs of
    # groups touching them changed their best swap.
    for u in range(size[ai]):
        k = mem[ai, u]
        own[k] = C[k, ai]
    for u in range(size[gb]):
        k = mem[gb, u]
        own[k] = C[k, gb]
    if bounds:
        _bound_pairs(a, C, size, own, S, A, mem, ai, gb)
    else:
        _group_swaps(W, allowed, movable, a, C, CT, size, own, S, mem, tmp, ai, free)
        _group_swaps(W, allowed, movable, a, C, CT, size, own, S, mem, tmp, gb, free)
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
    S: FloatMatrix,
    A: FloatMatrix,
    mem: IntMatrix,
    pos: IntArray,
    tmp: FloatArray,
    cand: IntArray,
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
        moved = _tabu_step(
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
            S,
            A,
            mem,
            pos,
            tmp,
            cand,
            tabu,
            st,
            sf,
            params,
            rng,
        )
        if not moved:
            # Everything is tabu (tiny instances): forget the tabu list once.
            tabu[:, :] = 0
            moved = _tabu_step(
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
                S,
                A,
                mem,
                pos,
                tmp,
                cand,
                tabu,
                st,
                sf,
                params,
                rng,
            )
            if not moved:
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
        if params[P_ONE_RUN] != 0:
            break  # the caller (the pool of `tabu.py`) chooses the next start
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
        rebuild_pairs(W, allowed, movable, a, C, CT, size, own, S, A, mem, pos, tmp)
        sf[SF_F] = f
        sf[SF_RUN_BEST] = f
        run_best_a[:] = a
        st[ST_NO_IMPROVE] = 0
    return done
