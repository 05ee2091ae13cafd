"""Reminders a week, a day and two hours before, the calendar file, and the two commands."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lib import ical

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def allocated(meeting: Meeting, applicants: Applicants) -> Meeting:
    """An allocated meeting starting in 20 hours: 3 confirmed, 1 selected, 1 waitlisted."""
    made = applicants(meeting, 5)
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        state=MeetingState.ALLOCATED,
        starts_at=now + datetime.timedelta(hours=20),
        drawn_at=now,
    )
    for application, status in zip(
        made, [S.CONFIRMED] * 3 + [S.SELECTED, S.WAITLISTED], strict=True
    ):
        Application.objects.filter(pk=application.pk).update(
            status=status, confirm_by=now + datetime.timedelta(hours=10)
        )
    meeting.refresh_from_db()
    return meeting


def test_the_calendar_file_describes_the_meeting(meeting: Meeting) -> None:
    text = notifications.calendar_text(meeting, stamp=timezone.now())
    lines = ical.unfold(text)
    assert f"SUMMARY:{ical.escape_text(meeting.theme)}" in lines
    assert any(line.startswith(f"UID:meeting-{meeting.pk}@") for line in lines)
    assert f"DTSTART:{ical.utc_stamp(meeting.starts_at)}" in lines
    assert f"DTEND:{ical.utc_stamp(meeting.ends_at)}" in lines
    assert any(line.startswith("LOCATION:Médiathèque") for line in lines)


def test_reminders_go_once_to_everyone_holding_a_seat(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_reminders() == 4  # 3 confirmed, 1 selected
    assert len(mail.outbox) == 4
    holding = set(
        Application.objects.filter(status__in=(S.CONFIRMED, S.SELECTED)).values_list(
            "user__email", flat=True
        )
    )
    assert {m.to[0] for m in mail.outbox} == holding
    assert all(m.attachments[0][2] == "text/calendar" for m in mail.outbox)
    assert all(allocated.theme in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_reminders() == 0
    assert len(mail.outbox) == 4
    assert set(Application.objects.values_list("reminder_sent", flat=True)) == {"day", ""}


def test_a_week_a_day_and_two_hours_before_each_once(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    starts = allocated.starts_at
    expected = [
        (datetime.timedelta(days=7, minutes=1), 0, ""),
        (datetime.timedelta(days=7), 4, "In a week"),
        (datetime.timedelta(days=2), 0, ""),
        (datetime.timedelta(hours=24), 4, "Tomorrow"),
        (datetime.timedelta(hours=3), 0, ""),
        (datetime.timedelta(hours=1, minutes=57), 4, "Today"),
        (datetime.timedelta(minutes=10), 0, ""),
        (-datetime.timedelta(minutes=1), 0, ""),
    ]
    for before, count, subject in expected:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.send_reminders(starts - before) == count, before
        assert all(m.subject.startswith(subject) for m in mail.outbox)


def test_the_reminder_has_a_short_text_version(allocated: Meeting) -> None:
    application = Application.objects.filter(status=S.CONFIRMED).select_related("user").first()
    assert application is not None
    application.user.language = "fr"
    text = notifications.render_reminder(allocated, application, "day").text
    assert text.startswith("Tiers Lien : votre rencontre thématique a lieu le ")
    assert len(text) <= 130 and not set(text) & set("êâîôûç’…")


def test_the_reminder_command(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_meeting_reminders", stdout=out)
    assert out.getvalue().strip() == "4 reminder(s) sent"
    assert len(mail.outbox) == 4


def test_the_expiry_command(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    Application.objects.filter(status=S.SELECTED).update(
        confirm_by=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_meeting_seats", stdout=out)
    assert out.getvalue().strip() == "1 seat(s) expired"
    assert Application.objects.filter(status=S.DECLINED).count() == 1
