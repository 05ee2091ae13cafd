"""A final local search on hosted tables: swap two people between tables in one round.

Lexicographic, like the plan's promises: fewer revisits first, then fewer repeated
encounters, then more different people at the same table (the engine's score, the
summed dissimilarity of people sitting together). Every swap keeps the table sizes,
and hosts are not among the people, so they stay. Each candidate swap is scored by
its exact change (no recount), for one person against everyone at once (NumPy).
No Django.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

MAX_PASSES = 50  # over every round and person; a local optimum usually comes much sooner


@dataclass(frozen=True)
class Quality:
    """How good a hosted plan is, in the order it is compared (smaller is better)."""

    revisits: int
    repeats: int
    diversity: float  # summed dissimilarity at the same tables (larger is better)

    def key(self) -> tuple[int, int, float]:
        return self.revisits, self.repeats, -self.diversity


def _met(rows: np.ndarray) -> np.ndarray:
    """How many rounds each two people sit at the same table (0 on the diagonal)."""
    met = np.zeros((rows.shape[1], rows.shape[1]), dtype=np.int64)
    for row in rows:
        met += row[:, None] == row[None, :]
    np.fill_diagonal(met, 0)
    return met


def _visits(rows: np.ndarray, tables: int) -> np.ndarray:
    visits = np.zeros((rows.shape[1], tables), dtype=np.int64)
    for row in rows:
        visits[np.arange(rows.shape[1]), row] += 1
    return visits


def quality(weights: np.ndarray, rows: list[list[int]], tables: int) -> Quality:
    """Revisits, repeats and diversity of a plan (per round, each person's table from 0)."""
    if not rows or not rows[0]:
        return Quality(0, 0, 0.0)
    a = np.asarray(rows, dtype=np.int64)
    w = np.array(weights, dtype=np.float64)
    np.fill_diagonal(w, 0.0)
    met = _met(a)
    visits = _visits(a, tables)
    diversity = sum(float(w[row[:, None] == row[None, :]].sum()) / 2 for row in a)
    return Quality(
        revisits=int(np.maximum(visits - 1, 0).sum()),
        repeats=int(np.triu(np.maximum(met - 1, 0), 1).sum()),
        diversity=diversity,
    )


def improve_by_swaps(
    weights: np.ndarray,
    rows: list[list[int]],
    tables: int,
    *,
    seed: int = 0,
    deadline: float | None = None,
) -> list[list[int]]:
    """Swap pairs of people between tables, round by round, while a swap lowers
    (revisits, repeats, -diversity) lexicographically; never worse than `rows`."""
    a = np.asarray(rows, dtype=np.int64).copy()
    if a.size == 0 or tables < 2:
        return [list(map(int, row)) for row in a]
    n = a.shape[1]
    rng = np.random.default_rng(seed)
    w = np.array(weights, dtype=np.float64)
    np.fill_diagonal(w, 0.0)
    # Lexicographic weights: one repeat outweighs any change of diversity a swap can make
    # (at most 4 x the largest table x the largest dissimilarity), one revisit any repeats.
    largest = int(max(np.bincount(row, minlength=tables).max() for row in a))
    repeat_weight = 4.0 * largest * max(float(np.abs(w).max(initial=0.0)), 1e-9) + 1.0
    revisit_weight = repeat_weight * (4 * largest + 1)
    met = _met(a)
    visits = _visits(a, tables)
    people = np.arange(n)
    for _ in range(MAX_PASSES):
        improved = False
        for r in rng.permutation(a.shape[0]).tolist():
            row = a[r]
            onehot = np.zeros((n, tables))
            onehot[people, row] = 1.0
            once = (met >= 1).astype(np.float64) @ onehot  # per person, table: met already
            twice = (met >= 2).astype(np.float64) @ onehot  # ... met in another round too
            diverse = w @ onehot  # summed dissimilarity to each table
            for i in rng.permutation(n).tolist():
                if deadline is not None and time.perf_counter() > deadline:
                    return [list(map(int, x)) for x in a]
                t = row[i]
                others = row  # the table of each candidate j
                m1i = (met[i] >= 1).astype(np.float64)
                d_repeats = (
                    -twice[i, t] + once[i, others] - m1i - twice[people, others] + once[:, t] - m1i
                )
                d_revisits = (
                    (visits[i, others] >= 1).astype(np.float64)
                    + (visits[:, t] >= 1)
                    - (visits[people, others] >= 2)
                    - float(visits[i, t] >= 2)
                )
                d_diversity = (
                    diverse[i, others] - w[i] - diverse[i, t] + diverse[:, t] - w[:, i]
                ) - diverse[people, others]
                cost = revisit_weight * d_revisits + repeat_weight * d_repeats - d_diversity
                cost[others == t] = np.inf
                j = int(np.argmin(cost))
                if not cost[j] < -1e-9:
                    continue
                u = int(row[j])
                # Apply the swap, then bring the counts up to date for this round.
                for person, old, new in ((i, t, u), (j, u, t)):
                    stay_old = np.flatnonzero(row == old)
                    met[person, stay_old] -= 1
                    met[stay_old, person] -= 1
                    visits[person, old] -= 1
                    visits[person, new] += 1
                    row[person] = new
                    stay_new = np.flatnonzero(row == new)
                    met[person, stay_new] += 1
                    met[stay_new, person] += 1
                    met[person, person] = 0
                onehot[:] = 0.0
                onehot[people, row] = 1.0
                once = (met >= 1).astype(np.float64) @ onehot
                twice = (met >= 2).astype(np.float64) @ onehot
                diverse = w @ onehot
                improved = True
        if not improved:
            break
    return [list(map(int, row)) for row in a]
