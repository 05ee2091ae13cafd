"""Sessions: dates and venue, "I'll come / I can't", and the private calendar feed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, Space
from tierslien.lib.ical import unfold
from tierslien.spaces.models import Attendance, CalendarToken

pytestmark = pytest.mark.django_db


def test_sessions_show_dates_venue_and_address(space: Space, cast: Cast) -> None:
    page = password_only(cast.participant).get(reverse("circle_sessions", args=[space.circle.pk]))
    content = page.content.decode()
    assert "Tuesday 6 October 2026, 19:00" in content
    assert "Tuesday 27 October 2026, 19:00" in content
    assert "Médiathèque" in content and "1 place de la Mairie" in content


def test_a_member_says_they_will_come_and_others_see_their_name(space: Space, cast: Cast) -> None:
    target = reverse("circle_sessions", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert client.post(target, {"session": "2", "answer": "coming"}).status_code == 302
    assert client.post(target, {"session": "2", "answer": "not_coming"}).status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.session, attendance.answer) == (2, "not_coming")
    content = password_only(cast.co_member).get(target).content.decode()
    assert "Can't come: Alice" in content


def test_an_unknown_session_or_answer_is_refused(space: Space, cast: Cast) -> None:
    target = reverse("circle_sessions", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert client.post(target, {"session": "9", "answer": "coming"}).status_code == 404
    assert client.post(target, {"session": "1", "answer": "maybe"}).status_code == 302
    assert not Attendance.objects.exists()


def test_a_member_gets_renews_and_revokes_a_calendar_address(space: Space, cast: Cast) -> None:
    token_url = reverse("circle_calendar_token", args=[space.circle.pk])
    client = password_only(cast.participant)
    client.post(token_url, {"action": "issue"})
    first = CalendarToken.objects.get().token
    page = client.get(reverse("circle_sessions", args=[space.circle.pk])).content.decode()
    assert first in page
    client.post(token_url, {"action": "renew"})
    second = CalendarToken.objects.get().token
    assert second != first
    old = reverse("circle_calendar_ics", args=[space.circle.pk, first])
    assert Client().get(old).status_code == 404
    client.post(token_url, {"action": "revoke"})
    assert not CalendarToken.objects.exists()
    revoked = reverse("circle_calendar_ics", args=[space.circle.pk, second])
    assert Client().get(revoked).status_code == 404


def test_the_feed_lists_the_circles_sessions_without_a_session_cookie(
    space: Space, cast: Cast
) -> None:
    password_only(cast.participant).post(reverse("circle_calendar_token", args=[space.circle.pk]))
    token = CalendarToken.objects.get().token
    response = Client().get(reverse("circle_calendar_ics", args=[space.circle.pk, token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    lines = unfold(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 4
    assert "DTSTART:20261006T170000Z" in lines  # 19:00 in Paris, summer time
    assert "DTSTART:20261027T180000Z" in lines  # after the clocks change
    assert "LOCATION:Médiathèque\\, 1 place de la Mairie" in lines


def test_the_feed_stops_when_the_member_leaves(space: Space, cast: Cast) -> None:
    client = password_only(cast.participant)
    client.post(reverse("circle_calendar_token", args=[space.circle.pk]))
    token = CalendarToken.objects.get().token
    client.post(reverse("circle_leave", args=[space.circle.pk]), {"confirm": "on"})
    feed = reverse("circle_calendar_ics", args=[space.circle.pk, token])
    assert Client().get(feed).status_code == 404


def test_past_sessions_keep_their_answers_but_offer_no_buttons(
    space: Space, cast: Cast, time_machine: Any
) -> None:
    Attendance.objects.create(
        circle=space.circle, user=cast.co_member, session=1, answer="coming", updated_at=NOW
    )
    time_machine.move_to(NOW + datetime.timedelta(days=6), tick=False)  # Wednesday 7th
    page = password_only(cast.participant).get(reverse("circle_sessions", args=[space.circle.pk]))
    content = page.content.decode()
    assert 'name="session" value="1"' not in content
    assert 'name="session" value="2"' in content
    assert "Coming: Bob" in content
    home = password_only(cast.participant).get(reverse("circle_home", args=[space.circle.pk]))
    assert "Tuesday 6 October" not in home.content.decode()
