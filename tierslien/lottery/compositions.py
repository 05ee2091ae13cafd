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

    def improve(self, weights: NDArray[np.float64], start: tuple[int, ...]) -> tuple[int, ...]:
        """Local search from a valid composition: move one seat from one type to another
        while that raises `weights @ counts` and keeps the quotas (best move first)."""
        counts = np.array(start, dtype=np.int64)
        per_quota = self.matrix @ counts
        room = counts < self.sizes.astype(np.int64)
        for _ in range(4 * self.seats):
            taken = np.flatnonzero(counts > 0)  # at most `seats` types can give a seat
            can_drop = per_quota[self.rows[taken]] > self.lo[self.rows[taken]]
            can_add = per_quota[self.rows] < self.hi[self.rows]
            allowed = np.broadcast_to(room[None, :], (taken.size, self.n_types)).copy()
            for j in range(self.rows.shape[1]):
                same = self.rows[taken, j][:, None] == self.rows[None, :, j]
                allowed &= same | (can_drop[:, j, None] & can_add[None, :, j])
            scores = np.where(allowed, weights[None, :] - weights[taken][:, None], -np.inf)
            flat = int(np.argmax(scores))
            i, b = divmod(flat, self.n_types)
            if not scores[i, b] > 1e-12:
                break
            a = int(taken[i])
            counts[a] -= 1
            counts[b] += 1
            room[a] = True
            room[b] = counts[b] < self.sizes[b]
            per_quota += self.matrix[:, b] - self.matrix[:, a]
        return tuple(int(x) for x in counts)

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
