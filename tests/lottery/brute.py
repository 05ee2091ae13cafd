"""Brute-force maximin over every valid panel of a tiny pool: the reference for optimality."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]

from tierslien.lottery import LotteryProblem


def valid_panels(problem: LotteryProblem) -> list[tuple[str, ...]]:
    return [
        panel
        for panel in itertools.combinations(problem.pool.ids, problem.seats)
        if not problem.quota_violations(panel)
    ]


def brute_force_maximin(problem: LotteryProblem) -> float:
    """max z s.t. some distribution over valid panels gives everyone coverable >= z."""
    panels = valid_panels(problem)
    ids = problem.pool.ids
    incidence = np.array([[1.0 if i in p else 0.0 for p in panels] for i in ids])
    coverable = incidence.sum(axis=1) > 0
    incidence = incidence[coverable]
    n_panels = len(panels)
    cost = np.zeros(n_panels + 1)
    cost[-1] = -1.0
    a_ub = np.hstack([-incidence, np.ones((incidence.shape[0], 1))])
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(incidence.shape[0]),
        A_eq=np.hstack([np.ones((1, n_panels)), np.zeros((1, 1))]),
        b_eq=np.ones(1),
        bounds=[(0, None)] * (n_panels + 1),
        method="highs",
    )
    return float(res.x[-1])
