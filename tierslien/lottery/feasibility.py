"""When no panel can meet the quotas: which quotas, by how much, and the nearest quotas that work.

`diagnose` first names the plain causes (too few applicants for a minimum,
minimums of one criterion adding up to more than the seats, maximums to
fewer), then solves a small integer program that relaxes the quotas as little
as possible (fewest seats of relaxation in total, summed over all minimums
lowered and maximums raised). Its solution is a real panel composition, so the
suggested quotas are always feasible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import (  # type: ignore[import-untyped, unused-ignore]
    Bounds,
    LinearConstraint,
    milp,
)

from tierslien.lottery.compositions import QuotaSystem
from tierslien.lottery.model import LotteryInputError, LotteryProblem, Quota, Quotas


@dataclass(frozen=True)
class QuotaChange:
    """One quota to relax: its bounds before and after."""

    criterion: str
    value: str
    min_before: int
    max_before: int
    min_after: int
    max_after: int

    def describe(self) -> str:
        parts = []
        if self.min_after < self.min_before:
            parts.append(
                f"minimum {self.min_before} cannot be met: lower it by "
                f"{self.min_before - self.min_after} to {self.min_after}"
            )
        if self.max_after > self.max_before:
            parts.append(
                f"maximum {self.max_before} cannot be met: raise it by "
                f"{self.max_after - self.max_before} to {self.max_after}"
            )
        return f"{self.criterion}={self.value}: " + "; ".join(parts)


@dataclass(frozen=True)
class FeasibilityReport:
    """Whether some panel meets the quotas; if not, why, and the nearest quotas that work."""

    feasible: bool
    reasons: tuple[str, ...] = ()
    changes: tuple[QuotaChange, ...] = ()
    suggested: Quotas | None = None

    @property
    def total_relaxation(self) -> int:
        return sum(
            (c.min_before - c.min_after) + (c.max_after - c.max_before) for c in self.changes
        )

    def text(self) -> str:
        if self.feasible:
            return "The quotas can be met."
        lines = ["The quotas cannot all be met."]
        lines += [f"- {reason}" for reason in self.reasons]
        if self.changes:
            lines.append(
                f"Nearest feasible quotas ({self.total_relaxation} seat(s) of relaxation in total):"
            )
            lines += [f"- {change.describe()}" for change in self.changes]
        return "\n".join(lines)


class InfeasibleQuotasError(LotteryInputError):
    """No panel meets the quotas; `report` says which quotas and proposes the nearest feasible."""

    def __init__(self, report: FeasibilityReport) -> None:
        super().__init__(report.text())
        self.report = report


def plain_reasons(problem: LotteryProblem) -> list[str]:
    """Causes visible without optimisation, one sentence each."""
    reasons: list[str] = []
    seats = problem.seats
    for criterion in problem.criteria:
        rows = [q for q in problem.quotas.rows if q.criterion == criterion]
        available = {q.value: problem.pool.count(criterion, q.value) for q in rows}
        for q in rows:
            if available[q.value] < q.min:
                reasons.append(
                    f"{criterion}={q.value}: minimum {q.min} but only {available[q.value]} "
                    f"applicant(s) have this value"
                )
            if q.min > seats:
                reasons.append(f"{criterion}={q.value}: minimum {q.min} exceeds the {seats} seats")
        total_min = sum(q.min for q in rows)
        if total_min > seats:
            reasons.append(
                f"{criterion}: the minimums add up to {total_min}, more than the {seats} seats"
            )
        reachable = sum(min(q.max, available[q.value]) for q in rows)
        if reachable < seats:
            reasons.append(
                f"{criterion}: at most {reachable} seats can be filled within the maximums "
                f"(and the applicants available), fewer than the {seats} seats"
            )
    return reasons


def diagnose(problem: LotteryProblem) -> FeasibilityReport:
    """Check the quotas; when they cannot be met, propose the least relaxation that works."""
    system = QuotaSystem.of(problem)
    if system.best(np.zeros(system.n_types), gap=1e-4) is not None:
        return FeasibilityReport(feasible=True)
    n_quotas, n_types = system.matrix.shape
    # Variables: counts per type (integer), then lowering of each minimum, raising of each maximum.
    eye = np.eye(n_quotas)
    zeros = np.zeros((n_quotas, n_quotas))
    lower_rows = np.hstack([system.matrix, eye, zeros])  # A c + d >= lo
    upper_rows = np.hstack([system.matrix, zeros, -eye])  # A c - e <= hi
    size_row = np.hstack([np.ones(n_types), np.zeros(2 * n_quotas)])
    cost = np.hstack([np.zeros(n_types), np.ones(2 * n_quotas)])
    res = milp(
        c=cost,
        constraints=[
            LinearConstraint(lower_rows, system.lo, np.inf),
            LinearConstraint(upper_rows, -np.inf, system.hi),
            LinearConstraint(size_row.reshape(1, -1), system.seats, system.seats),
        ],
        integrality=np.hstack([np.ones(n_types), np.ones(2 * n_quotas)]),
        bounds=Bounds(
            np.zeros(n_types + 2 * n_quotas),
            np.hstack([system.sizes, system.lo, np.full(n_quotas, float(system.seats))]),
        ),
        options={"mip_rel_gap": 0.0},
    )
    reasons = plain_reasons(problem)
    if res.x is None:  # cannot happen while seats <= applicants; kept as a clear message
        return FeasibilityReport(feasible=False, reasons=(*reasons, "no relaxation found"))
    lower = np.rint(res.x[n_types : n_types + n_quotas]).astype(int)
    raise_ = np.rint(res.x[n_types + n_quotas :]).astype(int)
    changes: list[QuotaChange] = []
    suggested: list[Quota] = []
    for i, quota in enumerate(problem.quotas.rows):
        new_min = quota.min - int(lower[i])
        new_max = max(quota.max, int(system.hi[i]) + int(raise_[i]))
        if lower[i] or raise_[i]:
            changes.append(
                QuotaChange(quota.criterion, quota.value, quota.min, quota.max, new_min, new_max)
            )
        suggested.append(Quota(quota.criterion, quota.value, new_min, new_max))
    if not reasons:
        reasons.append(
            "each criterion alone can be satisfied, but the quotas of different criteria "
            "conflict given who applied"
        )
    return FeasibilityReport(
        feasible=False,
        reasons=tuple(reasons),
        changes=tuple(changes),
        suggested=Quotas(tuple(suggested)),
    )
