from __future__ import annotations

import pytest
from django.utils import translation

from tierslien.lib.slots import ALL_SLOTS
from tierslien.territories.display import headcount, opening_times_lines, slot_grid, slot_label


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("slots", "lines"),
    [
        ([], []),
        (["tue-evening"], ["Tuesday: evening"]),
        (
            [f"{day}-morning" for day in ("mon", "tue", "wed", "thu", "fri")] + ["sat-afternoon"],
            ["Monday to Friday: morning", "Saturday: afternoon"],
        ),
        (["tue-evening", "thu-evening"], ["Tuesday and Thursday: evening"]),
        (["sat-morning", "sat-afternoon", "sat-evening"], ["Saturday: all day"]),
        (list(ALL_SLOTS), ["Every day: all day"]),
        (
            ["mon-morning", "mon-evening", "wed-afternoon"],
            ["Monday: morning and evening", "Wednesday: afternoon"],
        ),
        (["sun-evening", "mon-evening", "bogus", 3], ["Monday and Sunday: evening"]),
        ("not a list", []),
    ],
)
def test_opening_times_read_as_plain_words(slots: object, lines: list[str]) -> None:
    assert opening_times_lines(slots) == lines


def test_slot_label() -> None:
    assert str(slot_label("tue-evening")) == "Tuesday evening"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (0, "fewer than 11 participants"),
        (1, "fewer than 11 participants"),
        (10, "fewer than 11 participants"),
        (11, "11 participants"),
        (300, "300 participants"),
    ],
)
def test_headcount_hides_small_numbers(count: int, words: str) -> None:
    assert headcount(count) == words


def test_slot_grid_has_seven_rows_of_three() -> None:
    grid = slot_grid(["wed-afternoon"], id_prefix="id_x")
    assert [row.day for row in grid] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert all(len(row.cells) == 3 for row in grid)
    ticked = [cell.slot for row in grid for cell in row.cells if cell.checked]
    assert ticked == ["wed-afternoon"]
    assert grid[0].cells[0].input_id == "id_x-mon-morning"
