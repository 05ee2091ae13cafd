"""Schedules searched under a cyclic symmetry (social golfers)."""

from __future__ import annotations

import numpy as np
import pytest

from tierslien.mixing.cyclic import cyclic_schedule, develop, orders, shift_table
from tierslien.mixing.rounds import count_repeats, solve_rounds

BUDGET = 600.0  # guards against a hang only: iteration budgets decide


def test_shift_table_moves_orbits_and_keeps_the_rest() -> None:
    S = shift_table(7, 3)  # orbits {0,1,2}, {3,4,5}; player 6 fixed
    assert S[0].tolist() == list(range(7))
    assert S[1].tolist() == [1, 2, 0, 4, 5, 3, 6]
    assert S[2].tolist() == [2, 0, 1, 5, 3, 4, 6]


def test_develop_gives_partitions_of_equal_groups() -> None:
    S = shift_table(9, 4)
    base = np.array([[0, 0, 0, 1, 1, 1, 2, 2, 2], [2, 1, 0, 2, 1, 0, 2, 1, 0]])
    a = develop(base, S, 6)
    assert a.shape == (6, 9)
    for row in a:
        assert np.bincount(row, minlength=3).tolist() == [3, 3, 3]
    assert (a[0] == base[0]).all() and (a[4] == base[1]).all()


def test_orders_allow_at_most_one_fixed_player_per_group() -> None:
    assert orders(21, 7, 3, 10)[0] == 10
    for m in orders(32, 8, 4, 10):
        assert 32 % m <= 8
    assert orders(4, 2, 2, 1) == []


@pytest.mark.parametrize(("groups", "size", "weeks"), [(5, 3, 7), (7, 3, 10), (5, 5, 6)])
def test_finds_complete_designs(groups: int, size: int, weeks: int) -> None:
    found = cyclic_schedule(groups, size, weeks, seed=1, deadline=None, max_iterations=400_000)
    assert found is not None
    assert found.repeats == 0
    assert count_repeats(found.assignments) == 0
    for row in found.assignments:
        assert np.bincount(row, minlength=groups).tolist() == [size] * groups


def test_is_deterministic_for_an_iteration_budget() -> None:
    runs = [
        cyclic_schedule(8, 4, 10, seed=3, deadline=None, max_iterations=3_000) for _ in range(2)
    ]
    assert runs[0] is not None and runs[1] is not None
    assert (runs[0].assignments == runs[1].assignments).all()
    assert runs[0].repeats == count_repeats(runs[0].assignments)


def test_schedule_search_uses_it_for_kirkman_21() -> None:
    # 7-3-10 is a complete design (everyone meets everyone exactly once).
    n = 21
    result = solve_rounds(
        np.zeros((n, n)),
        3,
        3,
        7,
        10,
        met_before_penalty=1.0,
        time_limit=BUDGET,
        seed=1,
        max_iterations=800_000,
    )
    assert result.repeats == 0
