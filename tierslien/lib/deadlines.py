"""Deadlines people read: on a full hour, never the odd minute of the click that set them.

An invitation published at 09:09 with seven days to answer used to say "answer before
Thursday 09:09". `on_the_hour` moves such a deadline forward to the next full hour of the
wall clock it is shown in (10:00), so it is never earlier than promised.
Pure and typed: no Django (the caller passes the time zone of the people who read it).
"""

from __future__ import annotations

import datetime


def on_the_hour(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    """`moment` rounded up to the next full hour in `tz` (unchanged when already on one)."""
    local = moment.astimezone(tz)
    floor = local.replace(minute=0, second=0, microsecond=0)
    if floor == local:
        return local
    # Through UTC: adding an hour to a wall-clock time is wrong across a DST change.
    return (floor.astimezone(datetime.UTC) + datetime.timedelta(hours=1)).astimezone(tz)
