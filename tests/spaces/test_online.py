"""An online circle's space: the meeting link for members only, never in emails or calendars."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, PARIS, Space
from tierslien.circles.models import Circle
from tierslien.spaces.models import CalendarToken
from tierslien.spaces.services import send_session_reminders

pytestmark = pytest.mark.django_db

LINK = "https://visio.example.net/cercle-1"
MONDAY = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=PARIS)


@pytest.fixture
def online(space: Space) -> Space:
    Circle.objects.filter(pk=space.circle.pk).update(online=True, venue=None, meeting_link=LINK)
    space.circle.refresh_from_db()
    return space


def test_members_see_the_link_others_get_404(online: Space, cast: Cast) -> None:
    member = password_only(cast.participant)
    for name in ("circle_home", "circle_sessions"):
        html = member.get(reverse(name, args=[online.circle.pk])).content.decode()
        assert f'href="{LINK}"' in html and "Médiathèque" not in html
    stranger = password_only(online.stranger)
    assert stranger.get(reverse("circle_home", args=[online.circle.pk])).status_code == 404
    # Without a link yet, the page says it will come (no empty anchor).
    Circle.objects.filter(pk=online.circle.pk).update(meeting_link="")
    html = member.get(reverse("circle_home", args=[online.circle.pk])).content.decode()
    assert 'data-online="1"' in html and "data-meeting-link" not in html


def test_reminders_and_calendar_feed_carry_no_link(
    online: Space, cast: Cast, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_session_reminders(MONDAY + datetime.timedelta(hours=12))
    body = next(m.body for m in mail.outbox if m.to == [cast.participant.email])
    assert LINK not in body and "Médiathèque" not in body
    token = CalendarToken.objects.create(
        circle=online.circle, user=cast.participant, token="secret-token-5678", created_at=NOW
    )
    feed = client.get(reverse("circle_calendar_ics", args=[online.circle.pk, token.token]))
    text = feed.content.decode()
    assert "LOCATION:" in text and LINK not in text and "Médiathèque" not in text
