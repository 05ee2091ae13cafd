"""Hosted tables (a themed meeting's): the group swaps, the per-round figures, newcomers."""

from __future__ import annotations

from collections import Counter

from tierslien.gatherings.tables import place_newcomers, reassign_groups, round_reports


def _zero(a: int, b: int) -> float:
    return 0.0


def test_reassigning_groups_removes_avoidable_revisits() -> None:
    plan = [[0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]]  # everyone stays: 6 revisits
    better = reassign_groups(plan, 3)
    assert better[0] == plan[0]
    assert all(better[0][i] != better[1][i] for i in range(6))


def test_round_reports_count_repeats_revisits_and_shared_answers() -> None:
    plan = [{1: 1, 2: 1, 3: 2, 4: 2}, {1: 1, 2: 1, 3: 1, 4: 2}]
    answers = {1: {"job": "a"}, 2: {"job": "a"}, 3: {"job": "b"}, 4: {}}
    first, second = round_reports(plan, 2, answers, ["job"])
    assert (first.repeats, first.revisits, first.shared_answers) == (0, 0, 1)
    assert (second.repeats, second.revisits, second.shared_answers) == (1, 3, 1)
    assert (second.smallest, second.largest) == (1, 3)


def test_newcomers_go_where_they_revisit_nobody_and_tables_stay_balanced() -> None:
    plan = [{1: 1, 2: 2}, {1: 2, 2: 1}]
    out = place_newcomers(plan, [3, 4], hosts=2, dissimilarity=_zero).plan
    assert out[0][1] == 1 and out[1][1] == 2  # nobody moved
    for person in (3, 4):
        assert out[0][person] != out[1][person]
    for rotation in out:
        assert sorted(Counter(rotation.values()).values()) == [2, 2]
