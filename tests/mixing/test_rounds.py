"""Several rounds of the same people: no repeated encounter when one can avoid it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tierslien.mixing import rounds
from tierslien.mixing.rounds import RoundsParams, count_repeats, diversity, solve_rounds

# Iteration budgets make the runs deterministic; the time limit only guards
# against a hang (and leaves room for the first JIT compilation).
BUDGET = 600.0


def check_sizes(assignments: np.ndarray, lo: int, hi: int, n_groups: int) -> None:
    for row in assignments:
        sizes = np.bincount(row, minlength=n_groups)
        assert (sizes >= lo).all() and (sizes <= hi).all()


@pytest.mark.parametrize(("groups", "size", "weeks"), [(3, 3, 4), (4, 4, 5), (6, 6, 3)])
def test_social_golfer_schedules_without_repeats(groups: int, size: int, weeks: int) -> None:
    n = groups * size
    result = solve_rounds(
        np.zeros((n, n)),
        size,
        size,
        groups,
        weeks,
        met_before_penalty=1.0,
        time_limit=BUDGET,
        seed=0,
        max_iterations=200_000,
    )
    assert result.repeats == 0
    assert count_repeats(result.assignments) == 0
    check_sizes(result.assignments, size, size, groups)


def test_beyond_the_repeat_free_limit_repeats_are_minimised_and_counted() -> None:
    # Four people in pairs: three rounds can be repeat-free (the three ways to
    # pair them); a fourth repeats one of them, two pairs meeting again.
    result = solve_rounds(
        np.zeros((4, 4)),
        2,
        2,
        2,
        4,
        met_before_penalty=1.0,
        time_limit=BUDGET,
        seed=0,
        max_iterations=5_000,
    )
    assert result.repeats == 2


def test_discovery_evening_two_rounds_without_repeats_and_well_mixed() -> None:
    rng = np.random.default_rng(5)
    n = 60
    attributes = rng.integers(0, 4, size=(n, 5))
    weights = (attributes[:, None, :] != attributes[None, :, :]).mean(axis=2)
    result = solve_rounds(
        weights,
        4,
        5,
        13,
        2,
        met_before_penalty=100.0,
        time_limit=BUDGET,
        seed=1,
        max_iterations=3_000,
    )
    assert result.repeats == 0
    check_sizes(result.assignments, 4, 5, 13)
    assert result.objective == pytest.approx(diversity(weights, result.assignments))
    # Mixing: better than random seatings of the same size profile.
    random_rows = np.array([rng.permutation(result.assignments[0]) for _ in range(2)])
    assert result.objective > diversity(weights, random_rows)


def test_same_seed_and_iteration_budget_give_the_same_schedule() -> None:
    rng = np.random.default_rng(3)
    weights = rng.random((20, 20))
    weights = weights + weights.T
    runs = [
        solve_rounds(
            weights,
            4,
            6,
            4,
            3,
            met_before_penalty=50.0,
            time_limit=BUDGET,
            seed=9,
            max_iterations=2_000,
        )
        for _ in range(2)
    ]
    assert (runs[0].assignments == runs[1].assignments).all()


def test_respects_allowed_in_every_round() -> None:
    n, n_groups = 12, 3
    allowed = np.ones((n, n_groups), dtype=bool)
    allowed[:3, 2] = False
    result = solve_rounds(
        np.zeros((n, n)),
        4,
        4,
        n_groups,
        3,
        met_before_penalty=1.0,
        allowed=allowed,
        time_limit=BUDGET,
        seed=0,
        max_iterations=20_000,
    )
    assert (result.assignments[:, :3] != 2).all()
    check_sizes(result.assignments, 4, 4, n_groups)


def test_locked_people_stay_in_their_group_and_their_encounters_are_not_repeats() -> None:
    n, n_groups = 20, 5
    fixed = -np.ones(n, dtype=np.int64)
    fixed[[0, 1]] = 2  # two people staying together
    result = solve_rounds(
        np.zeros((n, n)),
        4,
        4,
        n_groups,
        3,
        met_before_penalty=1.0,
        fixed=fixed,
        time_limit=BUDGET,
        seed=0,
        max_iterations=20_000,
    )
    assert (result.assignments[:, :2] == 2).all()
    assert result.repeats == 0  # the pair meets in every round, by request
    assert count_repeats(result.assignments) == 2
    assert count_repeats(result.assignments, fixed) == 0


def test_people_locked_together_do_not_keep_the_greedy_start_repairing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Their meeting in every round is asked for: the repair cannot separate them and
    # used to spend its whole step budget trying (most of a 0.1-s evening of 200).
    n, n_groups = 40, 8
    fixed = -np.ones(n, dtype=np.int64)
    fixed[[0, 1]] = 2
    fixed[[5, 6]] = 4
    taken: list[tuple[int, int]] = []
    repair = rounds._repair_round

    def counted(*args: Any, steps: int, deadline: float) -> int:
        used = repair(*args, steps=steps, deadline=deadline)
        taken.append((used, steps))
        return used

    monkeypatch.setattr(rounds, "_repair_round", counted)
    solve_rounds(
        np.zeros((n, n)),
        4,
        5,
        n_groups,
        3,
        met_before_penalty=1.0,
        fixed=fixed,
        time_limit=BUDGET,
        seed=0,
        max_iterations=0,
    )
    assert len(taken) == 3
    assert all(used < budget for used, budget in taken)


def test_the_first_schedule_is_repeat_free_before_any_search() -> None:
    # Zero iterations: the greedy rounds (and their repair) alone avoid repeats,
    # which is what a process's first search returns while Numba loads.
    rng = np.random.default_rng(2)
    n, n_groups = 200, 40
    answers = rng.integers(0, 5, size=(n, 4))
    weights = (answers[:, None, :] != answers[None, :, :]).mean(axis=2)
    result = solve_rounds(
        weights,
        4,
        5,
        n_groups,
        3,
        met_before_penalty=1000.0,
        time_limit=BUDGET,
        seed=0,
        max_iterations=0,
        params=RoundsParams(cyclic_share=0.0),
    )
    assert result.iterations == 0
    assert result.repeats == 0
    check_sizes(result.assignments, 4, 5, n_groups)
