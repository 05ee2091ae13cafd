"""The pure late-arrival placement."""

from __future__ import annotations

from tierslien.gatherings.tables import place_newcomers, repeats


def _zero(a: str, b: str) -> float:
    return 0.0


def test_newcomers_who_cannot_form_a_table_join_the_smallest() -> None:
    plan = [{"a": 1, "b": 1, "c": 1, "d": 1}]
    result = place_newcomers(
        plan, ["x"], min_size=4, max_size=4, dissimilarity=_zero, together=set(), apart=set()
    )
    assert result.plan[0]["x"] == 1
    assert result.oversized == 1
    assert result.moved == frozenset()


def test_a_new_table_takes_one_person_from_each_full_table() -> None:
    first = {f"p{k}": 1 + k // 5 for k in range(15)}
    second = {f"p{k}": 1 + k % 3 for k in range(15)}
    result = place_newcomers(
        [first, second],
        ["x", "y"],
        min_size=4,
        max_size=5,
        dissimilarity=_zero,
        together=set(),
        apart=set(),
    )
    for assignment in result.plan:
        sizes = sorted(
            sum(1 for t in assignment.values() if t == table) for table in set(assignment.values())
        )
        assert sizes == [4, 4, 4, 5]
    one, two = result.plan
    assert not (one["x"] == one["y"] and two["x"] == two["y"])
    assert result.oversized == 0


def test_apart_pairs_are_respected_and_together_partners_joined() -> None:
    plan = [{"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 2}]
    result = place_newcomers(
        plan,
        ["y", "x"],
        min_size=3,
        max_size=5,
        dissimilarity=_zero,
        together={frozenset(("y", "a"))},
        apart={frozenset(("x", "a"))},
    )
    assert result.plan[0]["y"] == 1
    assert result.plan[0]["x"] == 2
    assert result.moved == frozenset()


def test_repeats_ignores_pairs_that_asked_to_stay_together() -> None:
    plan = [{"a": 1, "b": 1, "c": 2}, {"a": 1, "b": 1, "c": 1}]
    assert repeats(plan) == 1
    assert repeats(plan, ignore={frozenset(("a", "b"))}) == 0
