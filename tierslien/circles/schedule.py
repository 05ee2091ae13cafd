"""When a circle meets: dates and times computed from its season and weekly slot.

Nothing here is stored: a circle's sessions follow from the season's first week,
rhythm and number of sessions, and from the circle's slot ("tue-evening").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from tierslien.circles.models import Rhythm, Season, monday_of
from tierslien.lib.slots import DAYS, split

# When each part of the day starts, for calendars and reminders.
PART_START = {
    "morning": datetime.time(10, 0),
    "afternoon": datetime.time(14, 30),
    "evening": datetime.time(19, 0),
}


@dataclass(frozen=True)
class SessionTime:
    number: int  # 1-based
    starts_at: datetime.datetime  # aware, in the site's time zone
    ends_at: datetime.datetime

    @property
    def date(self) -> datetime.date:
        return self.starts_at.date()


def session_times(season: Season, slot: str) -> list[SessionTime]:
    """Every session of a circle meeting at `slot`, in order ([] for an unknown slot)."""
    try:
        day, part = split(slot)
        weekday = DAYS.index(day)
        start_time = PART_START[part]
    except (ValueError, KeyError):
        return []
    zone = ZoneInfo(settings.TIME_ZONE)
    step = 14 if season.rhythm == Rhythm.FORTNIGHTLY else 7
    first_day = monday_of(season.first_week) + datetime.timedelta(days=weekday)
    length = datetime.timedelta(minutes=season.session_minutes)
    times = []
    for index in range(season.sessions):
        day_date = first_day + datetime.timedelta(days=index * step)
        starts = datetime.datetime.combine(day_date, start_time, tzinfo=zone)
        times.append(SessionTime(number=index + 1, starts_at=starts, ends_at=starts + length))
    return times


def last_session_end(season: Season, slot: str) -> datetime.datetime | None:
    times = session_times(season, slot)
    return times[-1].ends_at if times else None
