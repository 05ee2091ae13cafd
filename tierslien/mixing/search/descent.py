"""The quality floor: a steepest descent to a local optimum, bounded by moves, not time.

Whatever the clock did to the tabu search (a starved process may get only a
few iterations before its deadline), `descend` finishes the job: from any
feasible assignment it applies the best improving move (one person to another
group) or swap (two people of different groups) until none improves by more
than a tolerance. Each step strictly increases the objective, so the descent
terminates; `max_steps` (scaled by n by the caller) is only a safety cap.

Cost per step: O(n * G) for moves and O(n * b) for swaps, as the best swap of
each pair of groups `S[g, h]` is kept and only the rows of the two groups
that changed are recomputed (the other pairs' gains do not depend on them).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

NEG = -np.inf
DESCENT_STEPS_PER_PERSON = 50  # safety cap on steps; a descent ends far sooner


def tolerance(weights: FloatMatrix) -> float:
    """Gains below this are rounding noise (weights include large penalties)."""
    scale = float(np.abs(weights).max()) if weights.size else 0.0
    return 1e-10 * max(1.0, scale)


def descend(
    weights: FloatMatrix,
    lo: IntArray,
    hi: IntArray,
    allowed: BoolMatrix,
    assignment: IntArray,
    *,
    max_steps: int,
) -> tuple[IntArray, int]:
    """A local optimum (no improving move or swap) reached from `assignment`.

    `weights` symmetric with a zero diagonal; `assignment` feasible. Returns the
    new assignment and the number of steps made."""
    a = np.asarray(assignment, dtype=np.int64).copy()
    n, n_groups = weights.shape[0], lo.shape[0]
    if n < 2 or n_groups < 2:
        return a, 0
    eps = tolerance(weights)
    onehot = np.zeros((n, n_groups))
    onehot[np.arange(n), a] = 1.0
    C = weights @ onehot  # C[i, g]: i's weights towards g's members
    sizes = np.bincount(a, minlength=n_groups).astype(np.int64)
    rows = np.arange(n)
    S = _all_swaps(weights, C, a, allowed, n_groups)
    steps = 0
    changed: tuple[int, int] | None = None
    while steps < max_steps:
        D = C - C[rows, a][:, None]  # D[i, h]: gain of moving i to h
        if changed is not None:
            for g in changed:  # only the pairs of groups a step touched change
                _fill_row(S, weights, D, a, allowed, g)
        can_leave = sizes[a] > lo[a]
        room = sizes < hi
        move = np.where(allowed & room[None, :] & can_leave[:, None], D, NEG)
        move[rows, a] = NEG
        k = int(np.argmax(move))
        best_move = float(move.flat[k])
        pair = int(np.argmax(S))
        best_swap = float(S.flat[pair])
        if max(best_move, best_swap) <= eps:
            break
        if best_move >= best_swap:
            i, h = divmod(k, n_groups)
            g = int(a[i])
            _shift(C, weights, i, g, h)
            a[i] = h
            sizes[g] -= 1
            sizes[h] += 1
        else:
            g, h = divmod(pair, n_groups)
            i, j = _swap_pair(weights, D, a, allowed, g, h)
            _shift(C, weights, i, g, h)
            _shift(C, weights, j, h, g)
            a[i], a[j] = h, g
        changed = (g, h)
        steps += 1
    return a, steps


def is_local_optimum(
    weights: FloatMatrix, lo: IntArray, hi: IntArray, allowed: BoolMatrix, assignment: IntArray
) -> bool:
    """No single move or swap improves by more than `tolerance` (a brute-force check)."""
    a = np.asarray(assignment, dtype=np.int64)
    n, n_groups = weights.shape[0], lo.shape[0]
    if n < 2 or n_groups < 2:
        return True
    eps = tolerance(weights)
    onehot = np.zeros((n, n_groups))
    onehot[np.arange(n), a] = 1.0
    C = weights @ onehot
    sizes = np.bincount(a, minlength=n_groups)
    for i in range(n):
        g = int(a[i])
        for h in range(n_groups):
            if h == g or not allowed[i, h]:
                continue
            if sizes[g] > lo[g] and sizes[h] < hi[h] and C[i, h] - C[i, g] > eps:
                return False
            for j in np.flatnonzero(a == h).tolist():
                if not allowed[j, g]:
                    continue
                gain = C[i, h] - C[i, g] + C[j, g] - C[j, h] - 2.0 * weights[i, j]
                if gain > eps:
                    return False
    return True


def _shift(C: FloatMatrix, weights: FloatMatrix, i: int, g: int, h: int) -> None:
    C[:, g] -= weights[:, i]
    C[:, h] += weights[:, i]


def _swap_gains(
    weights: FloatMatrix, D: FloatMatrix, a: IntArray, allowed: BoolMatrix, people: IntArray
) -> FloatMatrix:
    """Gains of swapping each of `people` (rows) with everyone (columns); -inf if invalid."""
    P = D[people][:, a]  # i's gain moving to j's group
    Q = D[:, a[people]].T  # j's gain moving to i's group
    gains = P + Q - 2.0 * weights[people]
    ok = allowed[people][:, a] & allowed[:, a[people]].T & (a[people][:, None] != a[None, :])
    return np.where(ok, gains, NEG)


def _all_swaps(
    weights: FloatMatrix, C: FloatMatrix, a: IntArray, allowed: BoolMatrix, n_groups: int
) -> FloatMatrix:
    S = np.full((n_groups, n_groups), NEG)
    D = C - C[np.arange(len(a)), a][:, None]
    for g in range(n_groups):
        _fill_row(S, weights, D, a, allowed, g)
    return S


def _fill_row(
    S: FloatMatrix, weights: FloatMatrix, D: FloatMatrix, a: IntArray, allowed: BoolMatrix, g: int
) -> None:
    people = np.flatnonzero(a == g)
    row = np.full(S.shape[0], NEG)
    if people.size:
        best = _swap_gains(weights, D, a, allowed, people).max(axis=0)
        np.maximum.at(row, a, best)
    row[g] = NEG
    S[g, :] = row
    S[:, g] = row


def _swap_pair(
    weights: FloatMatrix, D: FloatMatrix, a: IntArray, allowed: BoolMatrix, g: int, h: int
) -> tuple[int, int]:
    first = np.flatnonzero(a == g)
    second = np.flatnonzero(a == h)
    gains = _swap_gains(weights, D, a, allowed, first)[:, second]
    k = int(np.argmax(gains))
    i, j = divmod(k, second.size)
    return int(first[i]), int(second[j])
