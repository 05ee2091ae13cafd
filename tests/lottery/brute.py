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


def brute_force_leximin(problem: LotteryProblem, *, tol: float = 1e-9) -> list[float]:
    """The leximin profile (every applicant's probability, sorted) over every valid panel.

    Textbook and solver-dual-free, unlike the library: each level maximises the smallest
    probability z of the applicants not yet fixed (the fixed ones keep theirs), then fixes
    every applicant who cannot exceed z while the others keep z (one LP each), until all
    are fixed. Applicants that no valid panel includes stay at 0."""
    panels = valid_panels(problem)
    ids = problem.pool.ids
    incidence = np.array([[1.0 if i in p else 0.0 for p in panels] for i in ids])
    n_people, n_panels = incidence.shape
    fixed: dict[int, float] = {i: 0.0 for i in range(n_people) if not incidence[i].any()}

    def solve(objective: list[float], floors: dict[int, float], free_z: set[int]) -> float:
        # Variables: panels' weights, then z. Maximise objective @ (weights, z).
        rows, bounds = [], []
        for i in range(n_people):
            if i in floors:  # incidence_i @ w >= floor_i
                rows.append(np.append(-incidence[i], 0.0))
                bounds.append(-floors[i])
            elif i in free_z:  # incidence_i @ w >= z
                rows.append(np.append(-incidence[i], 1.0))
                bounds.append(0.0)
        res = linprog(
            -np.array(objective),
            A_ub=np.array(rows) if rows else None,
            b_ub=np.array(bounds) if rows else None,
            A_eq=np.append(np.ones(n_panels), 0.0).reshape(1, -1),
            b_eq=np.ones(1),
            bounds=[(0, None)] * (n_panels + 1),
            method="highs",
        )
        assert res.status == 0, res.message
        return float(-res.fun)

    while len(fixed) < n_people:
        free = {i for i in range(n_people) if i not in fixed}
        floors = {i: v - tol for i, v in fixed.items()}
        z = solve([0.0] * n_panels + [1.0], floors, free)
        newly = []
        for i in sorted(free):
            others = {**floors, **{j: z - tol for j in free if j != i}}
            best = solve([*incidence[i].tolist(), 0.0], others, set())
            if best <= z + 1e-7:
                newly.append(i)
        assert newly, "some applicant is at the level's value in every optimum"
        for i in newly:
            fixed[i] = z
    return sorted(fixed.values())
