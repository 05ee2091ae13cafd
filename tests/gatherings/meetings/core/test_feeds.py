"""The iCalendar feed of a territory's upcoming meetings."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.meetings.core.feeds import calendar_text
from tierslien.gatherings.models import Meeting, MeetingState
from tierslien.lib.ical import unfold

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def parse(text: str) -> list[dict[str, str]]:
    """VEVENTs as {property: value} (parameters dropped)."""
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return events


def feed_url(slug: str) -> str:
    return reverse("meeting_calendar", args=[slug])


@pytest.mark.parametrize("role", ["anonymous", "outsider", "facilitator"])
def test_the_feed_lists_upcoming_public_meetings(
    cast: Cast, meeting: Meeting, other_meeting: Meeting, client_as: ClientAs, role: str
) -> None:
    make_meeting(cast, state=MeetingState.DRAFT, theme="Brouillon")
    make_meeting(cast, state=MeetingState.HELD, theme="Passée")
    response = client_as(role).get(feed_url(cast.territory.slug))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    events = parse(text)
    assert [e["SUMMARY"] for e in events] == [meeting.theme.replace(",", "\\,")]
    event = events[0]
    assert event["UID"].startswith(f"meeting-{meeting.pk}@")
    start = meeting.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    end = meeting.ends_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert (event["DTSTART"], event["DTEND"]) == (start, end)
    assert meeting.venue.address in event["LOCATION"]
    assert f"/meetings/{meeting.pk}/" in event["DESCRIPTION"]


def test_unknown_territory_is_404(client_as: ClientAs, cast: Cast) -> None:
    assert client_as("anonymous").get(feed_url("nowhere")).status_code == 404


def test_the_feed_refuses_post(cast: Cast, client_as: ClientAs) -> None:
    assert client_as("anonymous").post(feed_url(cast.territory.slug)).status_code == 405


def test_text_is_escaped_and_lines_folded(cast: Cast) -> None:
    meeting = make_meeting(
        cast, theme="Eau; air, terre — " + "très long " * 12, description="Ligne 1\nLigne 2"
    )
    text = calendar_text([meeting], stamp=meeting.starts_at)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = parse(text)[0]
    assert event["SUMMARY"].startswith("Eau\\; air\\, terre")
    assert event["DESCRIPTION"].startswith("Ligne 1\\nLigne 2\\n\\n")


def test_an_empty_feed_is_still_a_calendar(cast: Cast, client_as: ClientAs) -> None:
    text = client_as("anonymous").get(feed_url(cast.territory.slug)).content.decode()
    assert parse(text) == []
    assert "BEGIN:VCALENDAR" in text
