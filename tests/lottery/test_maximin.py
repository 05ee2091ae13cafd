from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tierslien.lottery import (
    RESOLUTION,
    LotteryProblem,
    MaximinParams,
    Progress,
    find_lottery,
    rng_for_seed,
    uniform_below,
)
from tierslien.lottery.maximin import round_to_tickets

from .brute import brute_force_maximin
from .factories import pool_of, quotas, small_problem


def test_small_problem_reaches_the_brute_force_optimum() -> None:
    problem = small_problem()
    lottery = find_lottery(problem)
    assert float(lottery.min_probability) == pytest.approx(brute_force_maximin(problem), abs=1e-7)
    assert float(lottery.min_probability) <= lottery.upper_bound + 1e-9


def test_published_instance_shape_gives_everyone_k_over_n() -> None:
    # Same shape as Flanigan et al.'s example_small_20: 1 conservative woman, 99 liberal
    # women, 100 conservative men; leximin (hence maximin) is 20/200 for everyone.
    rows = [("female", "conservative")] + [("female", "liberal")] * 99
    rows += [("male", "conservative")] * 100
    problem = LotteryProblem(
        pool_of(rows, ("gender", "leaning")),
        quotas(
            ("gender", "female", 9, 20),
            ("gender", "male", 9, 20),
            ("leaning", "liberal", 9, 20),
            ("leaning", "conservative", 9, 20),
        ),
        seats=20,
    )
    lottery = find_lottery(problem)
    assert lottery.min_probability == Fraction(1, 10)
    assert set(lottery.probabilities.values()) == {Fraction(1, 10)}


def test_types_no_panel_can_include_get_zero_and_are_reported() -> None:
    rows = [("woman",)] * 3 + [("man",)] * 3 + [("other",)]
    problem = LotteryProblem(
        pool_of(rows, ("gender",)),
        quotas(("gender", "woman", 1, 2), ("gender", "man", 1, 2), ("gender", "other", 0, 0)),
        seats=3,
    )
    lottery = find_lottery(problem)
    assert lottery.probabilities["a006"] == 0
    assert [problem.type_list[t].categories for t in lottery.uncoverable] == [("other",)]
    assert min(p for p in lottery.probabilities.values() if p > 0) == Fraction(1, 2)


def test_probabilities_are_exact_and_sum_to_the_seats() -> None:
    lottery = find_lottery(small_problem())
    assert sum(lottery.probabilities.values()) == 4
    assert sum(c.tickets for c in lottery.compositions) == RESOLUTION
    assert [c.counts for c in lottery.compositions] == sorted(
        c.counts for c in lottery.compositions
    )


def test_draw_frequencies_match_the_published_probabilities() -> None:
    problem = small_problem()
    lottery = find_lottery(problem)
    rng = rng_for_seed(7)
    draws = 3000
    hits = dict.fromkeys(problem.pool.ids, 0)
    for _ in range(draws):
        panel = lottery.draw(rng)
        assert problem.quota_violations(panel.ids) == []
        for ident in panel.ids:
            hits[ident] += 1
    for ident, probability in lottery.probabilities.items():
        assert hits[ident] / draws == pytest.approx(float(probability), abs=0.04)


def test_progress_reports_a_shrinking_gap() -> None:
    seen: list[Progress] = []
    find_lottery(small_problem(), on_progress=seen.append)
    assert seen
    assert all(p.lower <= p.upper + 1e-9 for p in seen)
    assert seen[-1].upper - seen[-1].lower <= 1e-7


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        MaximinParams(tolerance=0.5)
    with pytest.raises(ValueError, match="max_iterations"):
        MaximinParams(max_iterations=0)
    with pytest.raises(ValueError, match="time_limit"):
        MaximinParams(time_limit=0)


def test_tickets_add_up_and_follow_the_weights() -> None:
    tickets = round_to_tickets(np.array([1 / 3, 1 / 3, 1 / 3]))
    assert sum(tickets) == RESOLUTION
    assert tickets == [333_333_334, 333_333_333, 333_333_333]
    assert round_to_tickets(np.array([0.0, 2.0, -1e-17])) == [0, RESOLUTION, 0]


def test_uniform_below_stays_in_range_and_is_reproducible() -> None:
    first = [uniform_below(rng_for_seed(3), 7) for _ in range(1)]
    rng = rng_for_seed(3)
    values = [uniform_below(rng, 7) for _ in range(500)]
    assert values[0] == first[0]
    assert set(values) == set(range(7))
    with pytest.raises(ValueError):
        uniform_below(rng, 0)


def test_the_draw_protocol_is_pinned() -> None:
    # The published protocol (docs/lottery.md): PCG64(SeedSequence(seed)), raw 64-bit
    # outputs, rejection sampling. A change here would break every published draw.
    rng = rng_for_seed(20261126)
    assert [uniform_below(rng, 10**9) for _ in range(3)] == PINNED


PINNED = [574281664, 656449385, 919396956]
