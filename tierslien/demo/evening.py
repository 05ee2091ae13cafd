"""A discovery evening of the demo town Lienville, about to start (the next 19:00 at least
an hour away): a facilitator can open the check-in and try the tables. Safe to run again."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tierslien.gatherings.evenings.services import create_evening
from tierslien.gatherings.models import Evening, EveningState
from tierslien.territories.models import Territory

VENUE = "Café associatif Le Trait d'Union"
HOUR = 19


def next_evening_start(now: datetime.datetime) -> datetime.datetime:
    """19:00 local time today, or tomorrow when today's is less than an hour away."""
    local = timezone.localtime(now)
    start = local.replace(hour=HOUR, minute=0, second=0, microsecond=0)
    if start - local < datetime.timedelta(hours=1):
        start = (local + datetime.timedelta(days=1)).replace(
            hour=HOUR, minute=0, second=0, microsecond=0
        )
    return start


def ensure_demo_evening(territory: Territory, *, now: datetime.datetime | None = None) -> Evening:
    moment = now or timezone.now()
    coming = (
        Evening.objects.filter(territory=territory, state=EveningState.OPEN, starts_at__gte=moment)
        .order_by("starts_at")
        .first()
    )
    if coming is not None:
        return coming
    venue = territory.venues.filter(name=VENUE).first() or territory.venues.first()
    assert venue is not None, "load the demo venues first"
    return create_evening(
        territory, venue=venue, starts_at=next_evening_start(moment), rounds=3, round_minutes=25
    )
