"""When reminders go: a week, a day and two hours before, each once, the latest one due.

The periodic jobs run every few minutes. At each run, for an event not yet started, the
reminders whose moment has passed are "due"; only the one closest to the event is sent
(and recorded). After an outage that swallowed the day-before moment, people get the
two-hour reminder, not three messages at once; a reminder already recorded never goes
again, and one whose moment came while the job was down is never skipped in favour of
nothing: the latest due one always goes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Final

WEEK: Final = "week"
DAY: Final = "day"
HOURS: Final = "hours"

BEFORE: Final = {
    WEEK: datetime.timedelta(days=7),
    DAY: datetime.timedelta(days=1),
    HOURS: datetime.timedelta(hours=2),
}
# Longest first: a later kind in this order supersedes an earlier one.
ORDER: Final = (WEEK, DAY, HOURS)


def latest_due(
    starts_at: datetime.datetime, now: datetime.datetime, kinds: Sequence[str] = ORDER
) -> str | None:
    """The reminder to send now for an event at `starts_at` (None: none is due)."""
    if now >= starts_at:
        return None
    due = [kind for kind in kinds if starts_at - BEFORE[kind] <= now]
    return max(due, key=ORDER.index) if due else None


def supersedes(kind: str, sent: str) -> bool:
    """`kind` comes after `sent` (the last one sent, "" for none)."""
    return not sent or ORDER.index(kind) > ORDER.index(sent)
