from __future__ import annotations

import pytest

from tierslien.lottery import LotteryInputError, LotteryProblem, Pool, Quota, Quotas

from .factories import pool_of, quotas, small_problem


def test_quota_with_maximum_below_minimum_is_refused() -> None:
    with pytest.raises(LotteryInputError, match="gender=woman: maximum 1 is below minimum 2"):
        Quota("gender", "woman", 2, 1)


def test_negative_minimum_is_refused() -> None:
    with pytest.raises(LotteryInputError, match="minimum -1 is negative"):
        Quota("gender", "woman", -1, 1)


def test_repeated_quota_is_refused() -> None:
    with pytest.raises(LotteryInputError, match="gender=woman is given more than once"):
        quotas(("gender", "woman", 0, 1), ("gender", "woman", 0, 2))


def test_repeated_id_names_both_applicants() -> None:
    with pytest.raises(LotteryInputError, match="applicant 2: id 'x' already used by applicant 1"):
        Pool(("gender",), ("x", "x"), (("woman",), ("man",)))


def test_value_without_quota_names_the_applicant() -> None:
    pool = pool_of([("woman",), ("other",)], ("gender",))
    with pytest.raises(LotteryInputError, match="applicant 'a001': value 'other' of criterion"):
        LotteryProblem(pool, quotas(("gender", "woman", 0, 1)), seats=1)


def test_quota_on_unknown_criterion_is_refused() -> None:
    pool = pool_of([("woman",), ("man",)], ("gender",))
    with pytest.raises(LotteryInputError, match="quota criterion 'age' is not a column"):
        LotteryProblem(pool, quotas(("age", "65+", 0, 1)), seats=1)


def test_more_seats_than_applicants_needs_no_lottery() -> None:
    pool = pool_of([("woman",), ("man",)], ("gender",))
    with pytest.raises(LotteryInputError, match="no lottery is needed"):
        LotteryProblem(pool, quotas(("gender", "woman", 0, 3), ("gender", "man", 0, 3)), seats=3)


def test_applicants_are_grouped_into_types_sorted() -> None:
    problem = small_problem()
    assert [t.categories for t in problem.type_list] == sorted(
        t.categories for t in problem.type_list
    )
    assert sum(t.size for t in problem.type_list) == len(problem.pool)
    women_65 = next(t for t in problem.type_list if t.categories == ("woman", "65+"))
    assert women_65.members == ("a001",)


def test_quota_violations_are_spelled_out() -> None:
    problem = small_problem()
    assert problem.quota_violations(["a002", "a003", "a004", "a005"]) == [
        "gender=woman: 0 < minimum 2",
        "age=65+: 0 < minimum 1",
    ]
    assert problem.quota_violations(["a000", "a001", "a002", "a003"]) == []


def test_criteria_not_in_quotas_are_not_constrained() -> None:
    pool = Pool(("gender", "shoe"), ("a", "b"), (("woman", "40"), ("man", "42")))
    problem = LotteryProblem(
        pool, Quotas((Quota("gender", "woman", 0, 1), Quota("gender", "man", 0, 1))), seats=1
    )
    assert problem.criteria == ("gender",)
