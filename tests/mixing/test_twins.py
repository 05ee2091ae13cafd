"""Schedules of twins: an affine quotient with signs solved over GF(2)."""

from __future__ import annotations

import numpy as np
import pytest

from tierslien.mixing.rounds import count_repeats, solve_rounds
from tierslien.mixing.twins import solve_gf2, subspaces, twin_schedule


def _valid(a: np.ndarray, groups: int, size: int) -> bool:
    return all(np.bincount(row, minlength=groups).tolist() == [size] * groups for row in a)


def test_gf2_solution_satisfies_the_system() -> None:
    rows = [(0b011, 1), (0b110, 0), (0b101, 1)]
    x = solve_gf2(rows, 3)
    assert x is not None
    for mask, rhs in rows:
        assert sum(x[i] for i in range(3) if mask >> i & 1) % 2 == rhs


def test_gf2_reports_an_inconsistent_system() -> None:
    assert solve_gf2([(0b011, 1), (0b110, 0), (0b101, 0)], 3) is None


def test_planes_of_a_four_dimensional_binary_space() -> None:
    planes = subspaces(4, 2)
    assert len(planes) == 35
    assert all(len(p) == 3 and p[0] ^ p[1] == p[2] for p in planes)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_solves_the_original_golfer_problem(seed: int) -> None:
    a = twin_schedule(8, 4, 10, seed=seed)
    assert a is not None
    assert a.shape == (10, 32)
    assert _valid(a, 8, 4)
    assert count_repeats(a) == 0


@pytest.mark.parametrize(
    ("groups", "size", "weeks"), [(8, 4, 9), (4, 4, 4), (16, 4, 20), (8, 8, 4)]
)
def test_other_shapes_are_repeat_free_and_valid(groups: int, size: int, weeks: int) -> None:
    for seed in (2, 3):
        a = twin_schedule(groups, size, weeks, seed=seed)
        if a is not None:
            assert _valid(a, groups, size)
            assert count_repeats(a) == 0
    assert twin_schedule(groups, size, weeks, seed=3) is not None


@pytest.mark.parametrize(
    ("groups", "size", "weeks"),
    [(5, 3, 7), (7, 4, 5), (6, 6, 3), (4, 4, 5), (16, 4, 21), (8, 4, 1)],
)
def test_declines_shapes_it_does_not_fit(groups: int, size: int, weeks: int) -> None:
    assert twin_schedule(groups, size, weeks, seed=1) is None


def test_same_seed_same_schedule() -> None:
    a = twin_schedule(8, 4, 10, seed=5)
    b = twin_schedule(8, 4, 10, seed=5)
    assert a is not None and b is not None
    assert (a == b).all()


def test_rounds_engine_solves_8_4_10_deterministically() -> None:
    n = 32
    runs = [
        solve_rounds(
            np.zeros((n, n)),
            4,
            4,
            8,
            10,
            met_before_penalty=1.0,
            time_limit=600.0,
            seed=7,
            max_iterations=1000,
        )
        for _ in range(2)
    ]
    assert runs[0].repeats == 0
    assert _valid(runs[0].assignments, 8, 4)
    assert (runs[0].assignments == runs[1].assignments).all()


def test_a_passed_deadline_stops_the_search() -> None:
    assert twin_schedule(8, 4, 10, seed=1, deadline=0.0) is None
