"""Themed meetings as iCalendar events: the territory's public feed and email attachments."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from tierslien.gatherings.models import Meeting
from tierslien.lib import ical


def site_host() -> str:
    return settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "tierslien"


def meeting_url(meeting: Meeting) -> str:
    path = reverse("meeting_public", args=[meeting.territory.slug, meeting.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def meeting_event(meeting: Meeting) -> ical.Event:
    venue = meeting.venue
    description = meeting.description.strip()
    link = meeting_url(meeting)
    return ical.Event(
        uid=f"meeting-{meeting.pk}@{site_host()}",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.theme,
        location=f"{venue.name}, {venue.address}",
        description=f"{description}\n\n{link}" if description else link,
    )


def calendar_text(meetings: Iterable[Meeting], *, stamp: datetime.datetime) -> str:
    """One VEVENT per meeting (venue and territory must be loaded)."""
    return ical.calendar(
        [meeting_event(m) for m in meetings],
        stamp=stamp,
        product=f"-//{settings.SITE_NAME}//Meetings//FR",
    )
