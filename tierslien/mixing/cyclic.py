"""Repeat-free schedules searched under a cyclic symmetry.

Social golfer schedules (g groups of s people, w rounds, nobody meeting twice)
are combinatorial designs, and designs are classically found by imposing an
automorphism: here a shift of order m that moves the players along k orbits
of m and fixes f = n - k m of them. A schedule is then fixed by ceil(w / m)
*base rounds*, each developed into m rounds by the shift (the last one
truncated to w). The search space shrinks m-fold and every swap in a base
round repairs m rounds at once, which is what makes complete or nearly
complete designs (7-3-10) reachable by local search. Not every
instance has such a solution: `cyclic_schedule` tries a few orders m and gives
up after its budget; the general search (`rounds.solve_rounds`) goes on from
the best schedule found.

A general method: nothing is stored per instance, only the orbit structure is
chosen from (n, g, s, w).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.search import cyclic_kernels as ck
from tierslien.mixing.twins import twin_schedule

IntArray = npt.NDArray[np.int64]
IntMatrix = npt.NDArray[np.int64]

CHUNK = 64


@dataclass(frozen=True)
class CyclicResult:
    assignments: IntMatrix  # (rounds, n): group of each person in each round
    repeats: int
    iterations: int
    order: int  # m, the order of the shift (2: the exchange of twins, `twins`)


def orders(n: int, n_groups: int, size: int, rounds: int) -> list[int]:
    """Orders of the shift worth trying, most symmetric first: m = rounds and
    its divisors, then rounds + 1 (one base round, truncated), each with at most
    one fixed player per group (two fixed players sharing a group would meet in
    every developed round)."""
    if rounds < 2 or size < 2:
        return []
    out: list[int] = []
    for m in [rounds, *(d for d in range(rounds - 1, 1, -1) if rounds % d == 0), rounds + 1]:
        if m >= 2 and n % m <= n_groups and m not in out and n // m >= 1:
            out.append(m)
    return out[:3]


def shift_table(n: int, m: int) -> IntMatrix:
    """S[t, p] = sigma^t(p): orbits (c, x) -> c * m + x; the last n mod m players fixed."""
    k = n // m
    S = np.empty((m, n), dtype=np.int64)
    p = np.arange(n, dtype=np.int64)
    for t in range(m):
        moved = (p // m) * m + (p % m + t) % m
        S[t] = np.where(p < k * m, moved, p)
    return S


def _random_base(n: int, n_groups: int, size: int, q: int, rng: np.random.Generator) -> IntMatrix:
    B = np.empty((q, n), dtype=np.int64)
    for j in range(q):
        B[j, rng.permutation(n)] = np.repeat(np.arange(n_groups, dtype=np.int64), size)
    return B


def _members(B: IntMatrix, n_groups: int, size: int) -> npt.NDArray[np.int64]:
    q, n = B.shape
    mem = np.empty((q, n_groups, size), dtype=np.int64)
    for j in range(q):
        order = np.argsort(B[j], kind="stable")
        mem[j] = order.reshape(n_groups, size)
    return mem


def develop(B: IntMatrix, S: IntMatrix, rounds: int) -> IntMatrix:
    """The full schedule: round j m + t holds sigma^t(base round j)."""
    m = S.shape[0]
    q, n = B.shape
    a = np.empty((rounds, n), dtype=np.int64)
    for r in range(rounds):
        j, t = divmod(r, m)
        a[r, S[t]] = B[j]
    return a


def _place_fixed(B: IntMatrix, n: int, m: int) -> None:
    """Fixed players start in different groups (they would meet every round)."""
    fixed = list(range((n // m) * m, n))
    for j in range(B.shape[0]):
        for h, p in enumerate(fixed):
            g = B[j, p]
            if g == h:
                continue
            movable = np.flatnonzero((B[j] == h) & (np.arange(n) < (n // m) * m))
            if movable.size:
                other = int(movable[0])
                B[j, p], B[j, other] = h, g


class _Search:
    """One tabu search on the base rounds of the shift of order m (state in arrays)."""

    def __init__(self, n_groups: int, size: int, rounds: int, m: int, seed: int) -> None:
        n = n_groups * size
        q = math.ceil(rounds / m)
        self.m = m
        self.rounds = rounds
        self.L = np.array([min(m, rounds - j * m) for j in range(q)], dtype=np.int64)
        self.S = shift_table(n, m)
        rng = np.random.default_rng(seed)
        self.B = _random_base(n, n_groups, size, q, rng)
        _place_fixed(self.B, n, m)
        self.mem = _members(self.B, n_groups, size)
        self.M = np.zeros((n, n), dtype=np.int64)
        self.st = np.zeros(ck.ST_SIZE, dtype=np.int64)
        self.st[ck.ST_REPEATS] = self.st[ck.ST_BEST] = ck.rebuild(self.S, self.L, self.mem, self.M)
        self.params = np.zeros(ck.P_SIZE, dtype=np.int64)
        self.params[ck.P_DEPTH] = 100
        self.params[ck.P_TENURE] = 3
        self.params[ck.P_TENURE_RAND] = 8
        self.params[ck.P_STRENGTH] = 2
        self.params[ck.P_FOCUS] = 1
        self.tabu = np.zeros((q, n, n_groups), dtype=np.int64)
        self.conflict = np.zeros((q, n), dtype=np.int64)
        self.best_B = self.B.copy()
        mixed = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)
        self.state = np.array([mixed[0] | np.uint64(1)], dtype=np.uint64)

    @property
    def repeats(self) -> int:
        return int(self.st[ck.ST_BEST])

    @property
    def iterations(self) -> int:
        return int(self.st[ck.ST_ITER])

    def run(self, budget: int) -> None:
        ck.search_chunk(
            self.S,
            self.L,
            self.B,
            self.mem,
            self.M,
            self.tabu,
            self.conflict,
            self.best_B,
            self.st,
            self.params,
            self.state,
            budget,
        )

    def result(self) -> IntMatrix:
        return develop(self.best_B, self.S, self.rounds)


def cyclic_schedule(
    n_groups: int,
    size: int,
    rounds: int,
    *,
    seed: int,
    deadline: float | None,
    max_iterations: int | None,
) -> CyclicResult | None:
    """The schedule with the fewest repeats found under the shifts of `orders`,
    stopping at the first without repeats; None when no order applies. A
    schedule of twins (`tierslien.mixing.twins`) is tried first.

    One search per order, run in turns of `CHUNK` iterations until `deadline`
    or `max_iterations` in all (which makes the result deterministic): the
    order that admits a solution finds it while the others wait their turn."""
    n = n_groups * size
    # First the construction from twins (an affine quotient and GF(2) signs),
    # which applies to few shapes but solves them at once (8-4-10 among them).
    # An iteration budget asks for determinism: no clock then.
    clock = deadline if max_iterations is None else None
    twins = twin_schedule(n_groups, size, rounds, seed=seed, deadline=clock)
    if twins is not None:
        return CyclicResult(twins, 0, 0, 2)
    candidates = orders(n, n_groups, size, rounds)
    if not candidates:
        return None
    searches = [
        _Search(n_groups, size, rounds, m, seed * 7919 + k) for k, m in enumerate(candidates)
    ]
    total = 0
    while min(s.repeats for s in searches) > 0:
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if max_iterations is not None and total >= max_iterations:
            break
        for search in searches:
            budget = CHUNK
            if max_iterations is not None:
                budget = min(budget, max_iterations - total)
            if budget <= 0:
                break
            before = search.iterations
            search.run(budget)
            total += search.iterations - before
            if search.repeats == 0:
                break
    best = min(searches, key=lambda s: s.repeats)
    return CyclicResult(best.result(), best.repeats, total, best.m)


__all__ = ["CyclicResult", "cyclic_schedule", "develop", "orders", "shift_table"]
