"""Fixtures borrowed from the circles and meetings tests: a proposed season with a person
waiting, and a drawn themed meeting with a waiting list (pages read in English)."""

from __future__ import annotations

from tests.circles.conftest import (
    _pages_in_english,
    _short_composition,
    crowd,
    make_season,
    proposed,
    season,
)
from tests.gatherings.meetings.conftest import applicants, meeting
from tests.gatherings.meetings.seats.test_waitlist import drawn

__all__ = [
    "_pages_in_english",
    "_short_composition",
    "applicants",
    "crowd",
    "drawn",
    "make_season",
    "meeting",
    "proposed",
    "season",
]
