"""When no panel can meet the quotas: which quotas, by how much, and the nearest quotas that work.

`diagnose` first names the plain causes (too few applicants for a minimum,
minimums of one criterion adding up to more than the seats, maximums to
fewer), then solves a small integer program that relaxes the quotas as little
as possible (fewest seats of relaxation in total, summed over all minimums
lowered and maximums raised). Its solution is a real panel composition, so the
suggested quotas are always feasible.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
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
    # With `diagnose(..., everyone=True)`: applicants no valid panel includes (chance 0).
    undrawable: int = 0

    @property
    def everyone_drawable(self) -> bool:
        """Some panel meets the quotas and every applicant is in one of them."""
        return self.feasible and not self.undrawable

    @property
    def total_relaxation(self) -> int:
        return sum(
            (c.min_before - c.min_after) + (c.max_after - c.max_before) for c in self.changes
        )

    def text(self) -> str:
        if self.everyone_drawable:
            return "The quotas can be met."
        if self.feasible:
            lines = ["The quotas can be met, but not with every applicant in some panel."]
            nearest = "Nearest quotas under which everyone can be drawn"
        else:
            lines = ["The quotas cannot all be met."]
            nearest = "Nearest feasible quotas"
        lines += [f"- {reason}" for reason in self.reasons]
        if self.changes:
            lines.append(f"{nearest} ({self.total_relaxation} seat(s) of relaxation in total):")
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


def _least_relaxation(
    system: QuotaSystem, include: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """The bounds relaxed as little as possible (fewest seats in total, minimums lowered plus
    maximums raised) so that some panel meets them, and, with `include`, has a member of
    that type. None when no relaxation works (fewer applicants than seats)."""
    n_quotas, n_types = system.matrix.shape
    # Variables: counts per type (integer), then lowering of each minimum, raising of each maximum.
    eye = np.eye(n_quotas)
    zeros = np.zeros((n_quotas, n_quotas))
    lower_rows = np.hstack([system.matrix, eye, zeros])  # A c + d >= lo
    upper_rows = np.hstack([system.matrix, zeros, -eye])  # A c - e <= hi
    size_row = np.hstack([np.ones(n_types), np.zeros(2 * n_quotas)])
    cost = np.hstack([np.zeros(n_types), np.ones(2 * n_quotas)])
    least = np.zeros(n_types + 2 * n_quotas)
    if include is not None:
        least[include] = 1.0
    res = milp(
        c=cost,
        constraints=[
            LinearConstraint(lower_rows, system.lo, np.inf),
            LinearConstraint(upper_rows, -np.inf, system.hi),
            LinearConstraint(size_row.reshape(1, -1), system.seats, system.seats),
        ],
        integrality=np.hstack([np.ones(n_types), np.ones(2 * n_quotas)]),
        bounds=Bounds(
            least,
            np.hstack([system.sizes, system.lo, np.full(n_quotas, float(system.seats))]),
        ),
        options={"mip_rel_gap": 0.0},
    )
    if res.x is None:
        return None
    lower = np.rint(res.x[n_types : n_types + n_quotas])
    raise_ = np.rint(res.x[n_types + n_quotas :])
    return system.lo - lower, system.hi + raise_


def undrawable_types(system: QuotaSystem) -> list[int]:
    """The types that no panel meeting the quotas includes (their members' chance is 0),
    given that some panel meets them. Each solve targets the first type not yet seen in a
    panel and favours the others, as `maximin.initial_columns` does."""
    uncovered = set(range(system.n_types))
    missing: list[int] = []
    while uncovered:
        target = min(uncovered)
        weights = np.zeros(system.n_types)
        for t in uncovered:
            weights[t] = 1.0 / system.sizes[t]
        # Any panel with the target outweighs every panel without it (at most `seats`).
        weights[target] = system.seats + 1.0
        found = system.best(weights, gap=1e-4)
        if found is None:
            return list(range(system.n_types))
        counts = found[0]
        if counts[target] == 0:
            missing.append(target)
            uncovered.discard(target)
        uncovered -= {t for t in uncovered if counts[t] > 0}
    return missing


def _open_to_everyone(system: QuotaSystem) -> QuotaSystem:
    """Widen feasible bounds, one undrawable type at a time and each time as little as
    possible, until every applicant is in some valid panel (widening never removes one)."""
    while missing := undrawable_types(system):
        bounds = _least_relaxation(system, include=missing[0])
        if bounds is None:  # cannot happen while seats <= applicants
            break
        system = dataclasses.replace(system, lo=bounds[0], hi=bounds[1])
    return system


def diagnose(problem: LotteryProblem, *, everyone: bool = False) -> FeasibilityReport:
    """Check the quotas; when they cannot be met, propose the least relaxation that works.

    With `everyone`, quotas that can be met but leave some applicant with no chance at all
    (no valid panel includes them) are reported too (`undrawable`), with the nearest quotas
    under which everyone can be drawn."""
    system = QuotaSystem.of(problem)
    feasible = system.best(np.zeros(system.n_types), gap=1e-4) is not None
    undrawable = 0
    if feasible:
        if not everyone:
            return FeasibilityReport(feasible=True)
        missing = undrawable_types(system)
        if not missing:
            return FeasibilityReport(feasible=True)
        undrawable = int(sum(system.sizes[t] for t in missing))
        relaxed: QuotaSystem | None = system
        reasons: list[str] = [
            f"{undrawable} applicant(s) are in no panel that meets the quotas: "
            "their chance would be 0"
        ]
    else:
        reasons = plain_reasons(problem)
        bounds = _least_relaxation(system)
        relaxed = (
            None if bounds is None else dataclasses.replace(system, lo=bounds[0], hi=bounds[1])
        )
        if not reasons:
            reasons.append(
                "each criterion alone can be satisfied, but the quotas of different criteria "
                "conflict given who applied"
            )
    if relaxed is None:  # cannot happen while seats <= applicants; kept as a clear message
        return FeasibilityReport(feasible=False, reasons=(*reasons, "no relaxation found"))
    if everyone:
        relaxed = _open_to_everyone(relaxed)
    changes: list[QuotaChange] = []
    suggested: list[Quota] = []
    for i, quota in enumerate(problem.quotas.rows):
        new_min = int(relaxed.lo[i])
        new_max = quota.max if relaxed.hi[i] <= system.hi[i] else int(relaxed.hi[i])
        if new_min != quota.min or new_max != quota.max:
            changes.append(
                QuotaChange(quota.criterion, quota.value, quota.min, quota.max, new_min, new_max)
            )
        suggested.append(Quota(quota.criterion, quota.value, new_min, new_max))
    return FeasibilityReport(
        feasible=feasible,
        reasons=tuple(reasons),
        changes=tuple(changes),
        suggested=Quotas(tuple(suggested)),
        undrawable=undrawable,
    )
