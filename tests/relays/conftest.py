"""Fixtures borrowed from the circles and meetings tests: a proposed season with a person
waiting, and a drawn themed meeting with a waiting list."""

from __future__ import annotations

from tests.circles.conftest import crowd, make_season, proposed, season
from tests.gatherings.meetings.conftest import applicants, meeting
from tests.gatherings.meetings.seats.test_waitlist import drawn

__all__ = ["applicants", "crowd", "drawn", "make_season", "meeting", "proposed", "season"]
