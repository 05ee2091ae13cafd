"""The day-before reminder: every member, in their language, once per session."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from tests.cast import Cast
from tests.spaces.conftest import PARIS, Space
from tierslien.spaces.models import ReminderSent
from tierslien.spaces.services import send_session_reminders

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=PARIS)  # the first session is Tuesday 6th


def test_each_member_gets_one_reminder_the_day_before(
    space: Space, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    cast.co_member.language = "fr"
    cast.co_member.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_reminders(MONDAY) == 2  # two circles meet on Tuesday
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {
        cast.participant.email,
        cast.co_member.email,
        space.stranger.email,
    }
    english = by_address[cast.participant.email]
    assert "Tuesday 6 October" in english.subject
    assert "Tuesday 6 October 2026, from 19:00 to 20:30" in english.body
    assert "Médiathèque" in english.body and "1 place de la Mairie" in english.body
    assert f"/circles/{space.circle.pk}/" in english.body
    assert "mardi 6 octobre" in by_address[cast.co_member.email].subject

    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_reminders(MONDAY + datetime.timedelta(hours=6)) == 0
    assert len(mail.outbox) == 3
    assert ReminderSent.objects.filter(circle=space.circle).count() == 1


def test_no_reminder_when_no_session_is_tomorrow(
    space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_reminders(MONDAY - datetime.timedelta(days=2)) == 0
    assert mail.outbox == []


def test_no_reminder_for_an_unpublished_or_closed_season(
    space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    for state in ("proposed", "purged"):
        space.season.state = state
        space.season.save(update_fields=["state"])
        with django_capture_on_commit_callbacks(execute=True):
            assert send_session_reminders(MONDAY) == 0
    assert mail.outbox == []


def test_the_daily_command_sends_the_reminders(
    space: Space, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(MONDAY, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_session_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 3
