from __future__ import annotations

import pytest

from tierslien.lottery import (
    InfeasibleQuotasError,
    LotteryProblem,
    diagnose,
    rng_for_seed,
    select,
)

from .factories import pool_of, quotas, small_problem


def test_feasible_quotas_are_reported_as_such() -> None:
    report = diagnose(small_problem())
    assert report.feasible
    assert report.text() == "The quotas can be met."


def test_too_few_applicants_for_a_minimum_is_named_with_the_shortfall() -> None:
    rows = [("woman",)] * 2 + [("man",)] * 8
    problem = LotteryProblem(
        pool_of(rows, ("gender",)),
        quotas(("gender", "woman", 3, 5), ("gender", "man", 0, 5)),
        seats=5,
    )
    with pytest.raises(InfeasibleQuotasError) as caught:
        select(problem, rng=rng_for_seed(1))
    report = caught.value.report
    assert "gender=woman: minimum 3 but only 2 applicant(s) have this value" in report.reasons
    assert [c.describe() for c in report.changes] == [
        "gender=woman: minimum 3 cannot be met: lower it by 1 to 2"
    ]
    assert report.suggested is not None
    assert [(q.min, q.max) for q in report.suggested.rows] == [(2, 5), (0, 5)]
    assert "lower it by 1 to 2" in str(caught.value)


def test_minimums_adding_up_to_more_than_the_seats_are_named() -> None:
    rows = [("woman",)] * 5 + [("man",)] * 5
    problem = LotteryProblem(
        pool_of(rows, ("gender",)),
        quotas(("gender", "woman", 3, 4), ("gender", "man", 3, 4)),
        seats=4,
    )
    report = diagnose(problem)
    assert not report.feasible
    assert "gender: the minimums add up to 6, more than the 4 seats" in report.reasons
    assert report.total_relaxation == 2


def test_maximums_too_small_are_raised() -> None:
    rows = [("woman",)] * 5 + [("man",)] * 5
    problem = LotteryProblem(
        pool_of(rows, ("gender",)),
        quotas(("gender", "woman", 0, 1), ("gender", "man", 0, 1)),
        seats=4,
    )
    report = diagnose(problem)
    assert not report.feasible
    assert report.total_relaxation == 2
    assert all("raise it by" in change.describe() for change in report.changes)


def test_conflict_between_criteria_is_explained() -> None:
    # Every woman is young: at least 2 women but at most 1 young person cannot both hold.
    rows = [("woman", "young")] * 3 + [("man", "old")] * 3
    problem = LotteryProblem(
        pool_of(rows, ("gender", "age")),
        quotas(
            ("gender", "woman", 2, 3),
            ("gender", "man", 0, 3),
            ("age", "young", 0, 1),
            ("age", "old", 0, 3),
        ),
        seats=3,
    )
    report = diagnose(problem)
    assert not report.feasible
    assert report.total_relaxation == 1
    assert "conflict" in report.reasons[0]
    assert report.suggested is not None
    assert diagnose(LotteryProblem(problem.pool, report.suggested, 3)).feasible
