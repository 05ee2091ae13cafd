from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.lottery import (
    RESOLUTION,
    LotteryInputError,
    LotteryProblem,
    Pool,
    diagnose,
    find_lottery,
    population_shares,
    proportional_quotas,
)

from .brute import valid_panels
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


# --- Declining a question never shuts anyone out -----------------------------------------
#
# The statement we hold (docs/meetings.md, "Declining a question"): with the quotas the
# quota page lets a facilitator keep without a warning (the suggested ones, widened by
# `diagnose(..., everyone=True)` whenever someone would be in no valid panel), every
# applicant, and in particular one who declined a question, has a chance above 0, and a
# person who declined is never less likely to be drawn than the least likely person who
# answered everything (the maximin floor). Quotas can still make one answer likelier than
# another, as any answer can; declining just never costs the seat outright.

DECLINED = "undisclosed"
OPTIONS = {"g": ["w", "m", "x"], "a": ["y", "o"]}
DECLINING_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def suggested_problems(draw: st.DrawFn) -> LotteryProblem:
    """A territory's population gives the suggested quotas (any tolerance, 0 included),
    then a small pool applies, some of whom decline some questions."""
    criteria = tuple(draw(st.lists(st.sampled_from(sorted(OPTIONS)), min_size=1, unique=True)))
    answer = {c: st.sampled_from([*OPTIONS[c], DECLINED]) for c in criteria}
    population = draw(st.lists(st.fixed_dictionaries(answer), min_size=1, max_size=30))
    shares = population_shares(
        Pool.from_records([{"id": str(i), **row} for i, row in enumerate(population)])
    )
    for criterion in criteria:
        for value in [*OPTIONS[criterion], DECLINED]:
            shares[criterion].setdefault(value, 0.0)
    n = draw(st.integers(2, 8))
    seats = draw(st.integers(1, min(4, n - 1)))
    tolerance = draw(st.sampled_from([0.0, 0.05, 0.1]))
    rows = [tuple(draw(answer[c]) for c in criteria) for _ in range(n)]
    return LotteryProblem(
        pool_of(rows, criteria), proportional_quotas(shares, seats, tolerance=tolerance), seats
    )


def kept(problem: LotteryProblem) -> LotteryProblem:
    """The quotas a facilitator keeps: as suggested, unless the quota page warns."""
    report = diagnose(problem, everyone=True)
    if report.everyone_drawable or report.suggested is None:
        return problem
    return LotteryProblem(problem.pool, report.suggested, problem.seats)


@DECLINING_SETTINGS
@given(suggested_problems())
def test_the_quota_page_warns_exactly_when_someone_is_in_no_valid_panel(
    problem: LotteryProblem,
) -> None:
    report = diagnose(problem, everyone=True)
    panels = valid_panels(problem)
    in_some_panel = {ident for panel in panels for ident in panel}
    assert report.feasible == bool(panels)
    assert report.everyone_drawable == (in_some_panel == set(problem.pool.ids))
    if not report.everyone_drawable:
        assert report.suggested is not None and report.changes
        widened = valid_panels(LotteryProblem(problem.pool, report.suggested, problem.seats))
        assert {ident for panel in widened for ident in panel} == set(problem.pool.ids)


@DECLINING_SETTINGS
@given(suggested_problems(), st.data())
def test_declining_a_question_never_costs_the_seat_outright(
    problem: LotteryProblem, data: st.DataObject
) -> None:
    who = data.draw(st.integers(0, len(problem.pool) - 1))
    question = data.draw(st.integers(0, len(problem.criteria) - 1))
    values = list(problem.pool.values)
    row = list(values[who])
    row[question] = DECLINED
    values[who] = tuple(row)
    declined = LotteryProblem(
        Pool(problem.pool.criteria, problem.pool.ids, tuple(values)), problem.quotas, problem.seats
    )
    for version in (problem, declined):
        lottery = find_lottery(kept(version))
        chances = lottery.probabilities
        assert all(chance > 0 for chance in chances.values())
        answered = [
            chances[ident]
            for ident, answers in zip(version.pool.ids, version.pool.values, strict=True)
            if DECLINED not in answers
        ]
        for ident, answers in zip(version.pool.ids, version.pool.values, strict=True):
            if DECLINED in answers and answered:
                # (tickets are whole: equal chances may differ by one ticket's rounding)
                assert chances[ident] >= min(answered) - Fraction(problem.seats, RESOLUTION)
