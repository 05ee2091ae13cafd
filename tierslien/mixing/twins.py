"""Repeat-free schedules built from twins: an affine design and a sign system.

When (s - 1) w = n - 2, nobody can meet all the others: every player has one
*twin* never met, as in 8-4-10 (32 players, 10 weeks of 8 groups of 4, each
meets 30 of the 31 others). Known solutions of 8-4-10 keep the twins together
in this way: each week maps onto itself when every player is exchanged with
their twin, the groups going two by two. Such a schedule has a *quotient*: the
n/2 pairs of twins, in g/2 blocks of s per week, every two pairs of twins
together at most twice; and *signs*: in week r, twin `sign[r, o]` of pair o
sits in the first group of its block, the other twin in the second.

Two players of pairs p and q then meet in a week where p and q share a block
exactly when their twin indices differ by sign[r, p] + sign[r, q] (mod 2). So
the schedule has no repeat when (i) no two pairs of twins share a block more
than twice and (ii) for two pairs sharing a block in weeks r1 and r2,

    sign[r1, p] + sign[r1, q] + sign[r2, p] + sign[r2, q] = 1  (mod 2),

a linear system over GF(2), solved by elimination.

The quotient here is affine: when s = 2^t and n/2 = 2^k, the pairs of twins
are the points of GF(2)^k and week r the cosets of a t-dimensional subspace
V_r; p and q share a block in week r when p + q lies in V_r. Condition (i)
asks every non-zero vector to lie in at most two of the w subspaces, which a
depth-first search (in an order drawn from the seed) chooses; each choice
that passes (i) is then tried on (ii). Any three points of GF(2)^k span a
unique plane, so when t = 2 two blocks share at most two pairs of twins, which
is what makes (ii) often solvable. Nothing is stored per instance: the method
applies to every (g, s, w) of that shape and returns None otherwise.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]

MAX_POINTS = 256  # pairs of twins (2^k) above which the subspaces are not listed
MAX_SUBSPACES = 20_000
MAX_BASES = 2_000_000  # candidate bases listed to find the subspaces
MAX_NODES = 1_000_000  # subspaces examined by the search (about a second)
MAX_WORK = 5_000_000  # steps of the sign systems tried (about a second)


def _log2(x: int) -> int | None:
    if x < 1 or x & (x - 1):
        return None
    return x.bit_length() - 1


def subspaces(k: int, t: int) -> list[tuple[int, ...]]:
    """The t-dimensional subspaces of GF(2)^k, each as its sorted non-zero vectors."""
    found: set[tuple[int, ...]] = set()
    for basis in itertools.combinations(range(1, 2**k), t):
        span = {0}
        for v in basis:
            span |= {u ^ v for u in span}
        if len(span) == 2**t:
            found.add(tuple(sorted(span - {0})))
            if len(found) > MAX_SUBSPACES:
                break
    return sorted(found)


def solve_gf2(rows: list[tuple[int, int]], n_vars: int) -> list[int] | None:
    """A solution of the system (bit mask of the variables, right-hand side),
    or None when it is inconsistent (Gaussian elimination on Python integers)."""
    pivots: dict[int, tuple[int, int]] = {}
    for mask, rhs in rows:
        while mask:
            h = mask.bit_length() - 1
            if h not in pivots:
                pivots[h] = (mask, rhs)
                break
            pm, pr = pivots[h]
            mask ^= pm
            rhs ^= pr
        else:
            if rhs:
                return None
    x = [0] * n_vars
    for h in sorted(pivots):  # a pivot row only involves variables below its pivot
        mask, rhs = pivots[h]
        rest = mask & ~(1 << h)
        while rest:
            low = rest & -rest
            rhs ^= x[low.bit_length() - 1]
            rest ^= low
        x[h] = rhs
    return x


def _quotient(k: int, spaces: list[tuple[int, ...]]) -> IntMatrix:
    """Block of each point of GF(2)^k in each week (cosets of the subspaces)."""
    N = 2**k
    q = np.empty((len(spaces), N), dtype=np.int64)
    for r, V in enumerate(spaces):
        coset = np.full(N, -1, dtype=np.int64)
        nxt = 0
        for p in range(N):
            if coset[p] < 0:
                coset[p] = nxt
                for v in V:
                    coset[p ^ v] = nxt
                nxt += 1
        q[r] = coset
    return q


def _signs(quotient: IntMatrix) -> list[int] | None:
    w, N = quotient.shape
    weeks_of: dict[tuple[int, int], list[int]] = {}
    for r in range(w):
        for p in range(N):
            for o in range(p + 1, N):
                if quotient[r, p] == quotient[r, o]:
                    weeks_of.setdefault((p, o), []).append(r)
    rows = []
    for (p, o), rs in weeks_of.items():
        if len(rs) == 2:
            r1, r2 = rs
            mask = (1 << (r1 * N + p)) ^ (1 << (r1 * N + o)) ^ (1 << (r2 * N + p))
            rows.append((mask ^ (1 << (r2 * N + o)), 1))
    return solve_gf2(rows, w * N)


def twin_schedule(
    n_groups: int,
    size: int,
    rounds: int,
    *,
    seed: int,
    max_tries: int = 500,
    deadline: float | None = None,
) -> IntMatrix | None:
    """A repeat-free (rounds, n) schedule of twins with an affine quotient, or
    None when the shape does not apply, when `max_tries` choices of subspaces
    (deterministic for the seed) all fail or when `deadline` (a
    `time.perf_counter()` value; None for a deterministic run) passes."""
    t = _log2(size)
    k = _log2(n_groups * size // 2) if n_groups % 2 == 0 else None
    if t is None or k is None or t < 1 or k <= t or 2**k > MAX_POINTS or rounds < 2:
        return None
    if rounds * (size - 1) > 2 * (2**k - 1):  # some vector would lie in 3 subspaces
        return None
    if math.comb(2**k - 1, t) > MAX_BASES:
        return None
    # A leaf costs about w N^2 steps in Python: bound the tries by the work too.
    max_tries = min(max_tries, max(1, MAX_WORK // (rounds * 4**k)))
    spaces = subspaces(k, t)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(spaces)).tolist()
    cover = [0] * 2**k
    chosen: list[int] = []
    tries = 0
    nodes = 0

    def leaf() -> IntMatrix | None:
        quotient = _quotient(k, [spaces[i] for i in chosen])
        signs = _signs(quotient)
        if signs is None:
            return None
        N = 2**k
        a = np.empty((rounds, 2 * N), dtype=np.int64)
        for r in range(rounds):
            s = np.array(signs[r * N : (r + 1) * N], dtype=np.int64)
            o = np.arange(N)
            a[r, o + s * N] = 2 * quotient[r]
            a[r, o + (1 - s) * N] = 2 * quotient[r] + 1
        return a

    def dfs(start: int) -> IntMatrix | None:
        nonlocal tries, nodes
        if len(chosen) == rounds:
            tries += 1
            return leaf()
        for pos in range(start, len(order)):
            if tries >= max_tries or nodes >= MAX_NODES:
                return None
            if deadline is not None and time.perf_counter() >= deadline:
                return None
            nodes += 1
            V = spaces[order[pos]]
            if any(cover[v] >= 2 for v in V):
                continue
            for v in V:
                cover[v] += 1
            chosen.append(order[pos])
            found = dfs(pos + 1)
            chosen.pop()
            for v in V:
                cover[v] -= 1
            if found is not None:
                return found
        return None

    return dfs(0)


__all__ = ["solve_gf2", "subspaces", "twin_schedule"]
