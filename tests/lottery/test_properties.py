"""Property tests (Hypothesis) on tiny random pools and quotas, feasible or not.

Whatever the inputs: every drawn panel meets the quotas, the published
probabilities sum to the number of seats, the verification reruns reproduce the
draw, the minimum probability equals a brute-force optimum over every valid
panel, and infeasible quotas get the least relaxation that works.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.lottery import (
    InfeasibleQuotasError,
    LotteryProblem,
    Quota,
    Quotas,
    diagnose,
    rng_for_seed,
    select,
)
from tierslien.lottery.verify import record, verify

from .brute import brute_force_maximin, valid_panels
from .factories import pool_of

VALUES = {"g": ["w", "m", "x"], "a": ["y", "o"], "z": ["n", "s", "c"]}
PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def problems(draw: st.DrawFn) -> LotteryProblem:
    criteria = tuple(
        draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=3, unique=True))
    )
    n = draw(st.integers(2, 9))
    rows = [tuple(draw(st.sampled_from(VALUES[c])) for c in criteria) for _ in range(n)]
    seats = draw(st.integers(1, n - 1)) if n > 1 else 1
    quota_rows = []
    for criterion in criteria:
        for value in VALUES[criterion]:
            low = draw(st.integers(0, seats))
            high = draw(st.integers(low, seats + 1))
            quota_rows.append(Quota(criterion, value, low, high))
    return LotteryProblem(pool_of(rows, criteria), Quotas(tuple(quota_rows)), seats)


def least_relaxation(problem: LotteryProblem) -> int:
    """Fewest seats of quota relaxation over every panel (brute force)."""
    best = None
    for panel in itertools.combinations(problem.pool.ids, problem.seats):
        counts = problem.panel_counts(panel)
        cost = sum(
            max(0, q.min - counts[q.key]) + max(0, counts[q.key] - q.max)
            for q in problem.quotas.rows
        )
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@PROPERTY_SETTINGS
@given(problems(), st.integers(0, 2**63))
def test_every_panel_meets_the_quotas_and_the_draw_is_verifiable(
    problem: LotteryProblem, seed: int
) -> None:
    feasible = bool(valid_panels(problem))
    if not feasible:
        with pytest.raises(InfeasibleQuotasError):
            select(problem, rng=rng_for_seed(seed))
        return
    result = select(problem, rng=rng_for_seed(seed))
    lottery = result.lottery
    # Quotas hold in the drawn panel, and in every panel the lottery can draw.
    assert problem.quota_violations(result.panel.ids) == []
    rng = rng_for_seed(seed + 1)
    for _ in range(20):
        assert problem.quota_violations(lottery.draw(rng).ids) == []
    # Published probabilities sum to the number of seats (exactly, and once rounded).
    assert sum(lottery.probabilities.values()) == problem.seats
    published = record(result, seed)
    assert sum(published["probabilities"].values()) == pytest.approx(problem.seats, abs=1e-6)
    # Maximin is optimal.
    optimum = brute_force_maximin(problem)
    assert float(lottery.min_selectable_probability) == pytest.approx(optimum, abs=1e-7)
    # The verification reruns the draw and gets the same panel, bit for bit.
    outcome = verify(problem, published)
    assert outcome.ok, outcome.problems
    assert select(problem, rng=rng_for_seed(seed)).panel == result.panel


@PROPERTY_SETTINGS
@given(problems())
def test_infeasible_quotas_get_the_least_relaxation_that_works(problem: LotteryProblem) -> None:
    report = diagnose(problem)
    assert report.feasible == bool(valid_panels(problem))
    if report.feasible:
        return
    assert report.reasons
    assert report.suggested is not None
    assert report.total_relaxation == least_relaxation(problem)
    for before, after in zip(problem.quotas.rows, report.suggested.rows, strict=True):
        assert after.min <= before.min and after.max >= before.max
    relaxed = LotteryProblem(problem.pool, report.suggested, problem.seats)
    assert diagnose(relaxed).feasible
