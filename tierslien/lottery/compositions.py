"""Panels seen through applicant types: a *composition* is a number of seats per type.

Applicants who share every constrained category are interchangeable: a panel
meets the quotas if and only if its composition does. So the integer programs
of the lottery have one variable per type (a few dozen, a few hundred at most)
instead of one binary per applicant (thousands), which is why it is fast.

The integer programs are solved with HiGHS, through SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import (  # type: ignore[import-untyped, unused-ignore]
    Bounds,
    LinearConstraint,
    milp,
)
from scipy.sparse import csr_array  # type: ignore[import-untyped, unused-ignore]

from tierslien.lottery.model import LotteryProblem

BATCH = 32  # best moves tried, in order, per scan of the local search
BLOCK = 12  # giving and receiving types a scan looks at first


@dataclass(frozen=True, eq=False)
class QuotaSystem:
    """The quotas as linear constraints on compositions: lo <= A @ counts <= hi, sum = seats."""

    matrix: NDArray[np.float64]  # quotas x types, 1 where the type has the quota's value
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    sizes: NDArray[np.float64]  # applicants per type
    seats: int
    rows: NDArray[np.int64]  # types x criteria: the quota row of each type's value

    @classmethod
    def of(cls, problem: LotteryProblem) -> QuotaSystem:
        rows = problem.quotas.rows
        types = problem.type_list
        matrix = np.zeros((len(rows), len(types)))
        for i, quota in enumerate(rows):
            j = problem.criteria.index(quota.criterion)
            for t, kind in enumerate(types):
                if kind.categories[j] == quota.value:
                    matrix[i, t] = 1.0
        index = {q.key: i for i, q in enumerate(rows)}
        type_rows = np.array(
            [
                [index[(c, kind.categories[j])] for j, c in enumerate(problem.criteria)]
                for kind in types
            ],
            dtype=np.int64,
        ).reshape(len(types), len(problem.criteria))
        return cls(
            rows=type_rows,
            matrix=matrix,
            lo=np.array([q.min for q in rows], dtype=np.float64),
            hi=np.array([min(q.max, problem.seats) for q in rows], dtype=np.float64),
            sizes=np.array([kind.size for kind in types], dtype=np.float64),
            seats=problem.seats,
        )

    @property
    def n_types(self) -> int:
        return int(self.sizes.shape[0])

    @cached_property
    def constraint(self) -> Any:
        """Quotas and panel size as one SciPy constraint (built once, reused by every solve)."""
        matrix = np.vstack([self.matrix, np.ones((1, self.n_types))])
        return LinearConstraint(
            csr_array(matrix),
            np.append(self.lo, float(self.seats)),
            np.append(self.hi, float(self.seats)),
        )

    def best(
        self, weights: NDArray[np.float64], *, gap: float = 1e-9
    ) -> tuple[tuple[int, ...], float] | None:
        """The feasible composition maximising `weights @ counts`, with a proven upper bound.

        Returns None when no composition meets the quotas.
        """
        res = milp(
            c=-weights,
            constraints=self.constraint,
            integrality=np.ones(self.n_types),
            bounds=Bounds(np.zeros(self.n_types), self.sizes),
            options={"mip_rel_gap": gap, "presolve": True},
        )
        if res.x is None:
            return None
        counts = tuple(int(round(x)) for x in res.x)
        bound = getattr(res, "mip_dual_bound", None)
        upper = -float(bound) if bound is not None and np.isfinite(bound) else -float(res.fun)
        return counts, max(upper, float(np.dot(weights, counts)))

    def improve(
        self,
        weights: NDArray[np.float64],
        start: tuple[int, ...],
        *,
        batch: int = BATCH,
        block: int = BLOCK,
    ) -> tuple[int, ...]:
        """Local search from a valid composition: move seats from one type to another
        while that raises `weights @ counts` and keeps the quotas, until no move does.

        Each scan lists the valid improving moves, best first (ties by type order), and
        applies up to BATCH of them in that order, each if still valid. A scan first looks
        only at the BLOCK lightest giving types and BLOCK heaviest receiving types; only when
        that finds nothing does it look at every pair (so the result is a local optimum).
        Only moves that raise the objective by more than 1e-12 are looked at. `batch=1,
        block=0` is the search of the first method (the single best move per scan)."""
        counts = np.array(start, dtype=np.int64)
        quota_counts = [int(x) for x in self.matrix @ counts]  # seats per quota row
        capacity = self.sizes.astype(np.int64)
        rows, lo, hi = self._type_rows, self._lo, self._hi
        for _ in range(4 * self.seats):
            per_quota = np.array(quota_counts, dtype=np.float64)
            taken = np.flatnonzero(counts > 0)  # at most `seats` types can give a seat
            lightest = float(weights[taken].min())
            receivers = np.flatnonzero((counts < capacity) & (weights > lightest + 1e-12))
            if receivers.size == 0:
                break
            taken = taken[weights[taken] < float(weights[receivers].max()) - 1e-12]
            moves: list[tuple[int, int]] = []
            if block and (taken.size > block or receivers.size > block):
                givers = np.sort(taken[np.argsort(weights[taken], kind="stable")[:block]])
                takers = np.sort(receivers[np.argsort(-weights[receivers], kind="stable")[:block]])
                moves = self._moves(weights, per_quota, givers, takers, batch)
            if not moves:
                moves = self._moves(weights, per_quota, taken, receivers, batch)
            if not moves:
                break
            for a, b in moves:  # the best first, each if still valid
                if counts[a] == 0 or counts[b] >= capacity[b]:
                    continue
                if any(
                    ra != rb and (quota_counts[ra] <= lo[ra] or quota_counts[rb] >= hi[rb])
                    for ra, rb in zip(rows[a], rows[b], strict=True)
                ):
                    continue
                counts[a] -= 1
                counts[b] += 1
                for ra, rb in zip(rows[a], rows[b], strict=True):
                    quota_counts[ra] -= 1
                    quota_counts[rb] += 1
        return tuple(int(x) for x in counts)

    @cached_property
    def _type_rows(self) -> list[list[int]]:
        return [[int(r) for r in row] for row in self.rows]

    @cached_property
    def _lo(self) -> list[float]:
        return [float(x) for x in self.lo]

    @cached_property
    def _hi(self) -> list[float]:
        return [float(x) for x in self.hi]

    def _moves(
        self,
        weights: NDArray[np.float64],
        per_quota: NDArray[np.float64],
        taken: NDArray[np.int64],
        receivers: NDArray[np.int64],
        batch: int,
    ) -> list[tuple[int, int]]:
        """The `batch` best valid moves of a seat from `taken` to `receivers` that raise the
        objective, best first (ties: giving type, then receiving type, in type order)."""
        give_rows = self.rows[taken]  # giving types x criteria
        take_rows = self.rows[receivers]
        can_drop = per_quota[give_rows] > self.lo[give_rows]
        can_add = per_quota[take_rows] < self.hi[take_rows]
        allowed = np.ones((taken.size, receivers.size), dtype=bool)
        for j in range(self.rows.shape[1]):
            same = give_rows[:, j, None] == take_rows[None, :, j]
            allowed &= same | (can_drop[:, j, None] & can_add[None, :, j])
        scores = np.where(allowed, weights[receivers][None, :] - weights[taken][:, None], -np.inf)
        flat_scores = scores.ravel()
        good = np.flatnonzero(flat_scores > 1e-12)
        order = good[np.lexsort((good, -flat_scores[good]))][:batch]
        return [
            (int(taken[i]), int(receivers[r]))
            for i, r in (divmod(flat, receivers.size) for flat in order.tolist())
        ]

    def meets(self, counts: tuple[int, ...]) -> bool:
        vector = np.array(counts, dtype=np.float64)
        per_quota = self.matrix @ vector
        return bool(
            sum(counts) == self.seats
            and np.all(vector >= 0)
            and np.all(vector <= self.sizes)
            and np.all(per_quota >= self.lo)
            and np.all(per_quota <= self.hi)
        )
