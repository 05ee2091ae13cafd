from __future__ import annotations

import pytest

from tierslien.lottery import LotteryInputError, population_shares, proportional_quotas

from .factories import pool_of


def test_shares_are_counted_per_value() -> None:
    pool = pool_of([("woman",), ("woman",), ("man",), ("other",)], ("gender",))
    assert population_shares(pool) == {"gender": {"man": 0.25, "other": 0.25, "woman": 0.5}}


def test_quotas_are_proportional_give_or_take_the_tolerance() -> None:
    shares = {"gender": {"woman": 0.52, "man": 0.46, "other": 0.02}}
    result = proportional_quotas(shares, 40, tolerance=0.05)
    assert [(q.value, q.min, q.max) for q in result.rows] == [
        ("woman", 18, 23),  # 20.8 -/+ 2
        ("man", 16, 21),  # 18.4 -/+ 2
        ("other", 0, 3),  # 0.8 -/+ 2
    ]


def test_zero_tolerance_gives_floor_and_ceiling() -> None:
    result = proportional_quotas({"age": {"young": 0.5, "old": 0.5}}, 10, tolerance=0)
    assert [(q.min, q.max) for q in result.rows] == [(5, 5), (5, 5)]


def test_tolerance_is_validated() -> None:
    with pytest.raises(LotteryInputError, match="tolerance"):
        proportional_quotas({"age": {"young": 1.0}}, 10, tolerance=2)
