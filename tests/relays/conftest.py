"""Fixtures borrowed from the circles and meetings tests: a proposed season with a person
waiting, and a drawn themed meeting with a waiting list (pages read in English)."""

from __future__ import annotations

import pytest

from tests.cast import Cast
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


@pytest.fixture(autouse=True)
def _relay_reads_english(request: pytest.FixtureRequest) -> None:
    """The relays' pages are read in English here, so tests check the source wording."""
    if "cast" in request.fixturenames:
        cast: Cast = request.getfixturevalue("cast")
        for user in (cast.relay, cast.facilitator):
            user.language = "en"
            user.save(update_fields=["language"])
