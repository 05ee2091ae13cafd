"""What the draw's files reveal: the small-cell rule, the public panel, one's own entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tierslien.gatherings.meetings.seats.disclosure import SMALL_CELL, hidden_keys, hidden_values


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 40), min_size=1))
def test_no_hidden_count_can_be_computed_back_from_the_total(counts: dict[str, int]) -> None:
    hidden = hidden_values(counts)
    total = sum(counts.values())
    rest = sum(counts[v] for v in hidden)  # what total minus the shown counts gives
    assert all(counts[v] >= SMALL_CELL for v in counts if v not in hidden)
    assert rest == 0 or rest >= SMALL_CELL or rest == total
    # Hiding is minimal: never more than one value beyond those below the threshold.
    assert len(hidden - {v for v, c in counts.items() if c < SMALL_CELL}) <= 1


def test_one_small_value_hides_the_smallest_other_too() -> None:
    assert hidden_values({"woman": 1, "man": 24, "other": 0}) == {"woman", "man", "other"}
    assert hidden_values({"woman": 1, "man": 24, "other": 30}) == {"woman", "man"}
    assert hidden_values({"woman": 12, "man": 24}) == set()
    assert hidden_values({"woman": 6, "man": 24, "other": 5}) == {"woman", "other"}


def test_hidden_keys_work_criterion_by_criterion() -> None:
    counts = {("gender", "woman"): 1, ("gender", "man"): 24, ("age", "75+"): 12, ("age", "30"): 13}
    assert hidden_keys(counts) == {("gender", "woman"), ("gender", "man")}
