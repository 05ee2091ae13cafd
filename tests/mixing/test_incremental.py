from __future__ import annotations

from tests.mixing.factories import FAST, problem_dict
from tierslien.mixing import Problem, is_valid, place_late, replace_declined, solve


def _groups(result: object) -> list[set[str]]:
    return [set(g.members) for g in result.solution.rounds[0].groups]  # type: ignore[attr-defined]


def test_late_registrations_join_without_moving_others() -> None:
    sizes = {"min": 3, "max": 5}
    first = solve(
        Problem.from_dict(problem_dict(12, group_size=sizes)), time_limit=5, seed=0, params=FAST
    )
    bigger = Problem.from_dict(problem_dict(14, group_size=sizes))
    late = place_late(bigger, first.solution, time_limit=5, seed=0, params=FAST)
    assert is_valid(bigger, late.solution)
    assert late.report.placed == 14
    before = _groups(first)
    after = _groups(late)
    for old in before:
        assert any(old <= new for new in after)  # nobody already placed has moved


def test_replace_someone_who_declined() -> None:
    problem = Problem.from_dict(problem_dict(13))
    first = solve(problem, time_limit=5, seed=0, params=FAST)
    placed = [m for g in first.solution.rounds[0].groups for m in g.members]
    gone = placed[0]
    again = replace_declined(problem, first.solution, [gone], time_limit=5, seed=0, params=FAST)
    assert gone not in {m for g in again.solution.rounds[0].groups for m in g.members}
    assert is_valid(again.problem, again.solution)
    assert again.report.placed == 12
    # Everyone else stays with their group, except at most one person borrowed
    # to bring the depleted group back to the minimum size.
    kept = sum(max(len((old - {gone}) & new) for new in _groups(again)) for old in _groups(first))
    assert kept >= 11


def test_late_registrations_move_few_when_groups_are_full() -> None:
    first = solve(Problem.from_dict(problem_dict(12)), time_limit=5, seed=0, params=FAST)
    bigger = Problem.from_dict(problem_dict(14))  # groups of 3-4: the three groups of 4 are full
    late = place_late(bigger, first.solution, time_limit=5, seed=0, params=FAST)
    assert is_valid(bigger, late.solution)
    assert late.report.placed == 14
    kept = sum(max(len(old & new) for new in _groups(late)) for old in _groups(first))
    assert kept >= 10  # at most two people moved to make room for a fourth group
