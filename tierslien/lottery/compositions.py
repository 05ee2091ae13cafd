"""Panels seen through applicant types: a *composition* is a number of seats per type.

Applicants who share every constrained category are interchangeable: a panel
meets the quotas if and only if its composition does. So the integer programs
of the lottery have one variable per type (a few dozen, a few hundred at most)
instead of one binary per applicant (thousands), which is why it is fast.

The integer programs are solved with HiGHS, through SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import (  # type: ignore[import-untyped, unused-ignore]
    Bounds,
    LinearConstraint,
    milp,
)

from tierslien.lottery.model import LotteryProblem


@dataclass(frozen=True)
class QuotaSystem:
    """The quotas as linear constraints on compositions: lo <= A @ counts <= hi, sum = seats."""

    matrix: NDArray[np.float64]  # quotas x types, 1 where the type has the quota's value
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    sizes: NDArray[np.float64]  # applicants per type
    seats: int

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
        return cls(
            matrix=matrix,
            lo=np.array([q.min for q in rows], dtype=np.float64),
            hi=np.array([min(q.max, problem.seats) for q in rows], dtype=np.float64),
            sizes=np.array([kind.size for kind in types], dtype=np.float64),
            seats=problem.seats,
        )

    @property
    def n_types(self) -> int:
        return int(self.sizes.shape[0])

    def constraints(self) -> list[Any]:
        ones = np.ones((1, self.n_types))
        return [
            LinearConstraint(self.matrix, self.lo, self.hi),
            LinearConstraint(ones, self.seats, self.seats),
        ]

    def best(
        self, weights: NDArray[np.float64], *, gap: float = 1e-9
    ) -> tuple[tuple[int, ...], float] | None:
        """The feasible composition maximising `weights @ counts`, with a proven upper bound.

        Returns None when no composition meets the quotas.
        """
        res = milp(
            c=-weights,
            constraints=self.constraints(),
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
