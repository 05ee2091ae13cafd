"""Reminders the day before, the calendar file, and the two commands."""

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


def test_reminders_go_once_to_confirmed_people(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_reminders() == 3
    assert len(mail.outbox) == 3
    confirmed = set(
        Application.objects.filter(status=S.CONFIRMED).values_list("user__email", flat=True)
    )
    assert {m.to[0] for m in mail.outbox} == confirmed
    assert all(m.attachments[0][2] == "text/calendar" for m in mail.outbox)
    assert all(allocated.theme in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_reminders() == 0
    assert len(mail.outbox) == 3
    assert Application.objects.filter(reminded_at__isnull=False).count() == 3


def test_no_reminder_more_than_a_day_before_or_after_the_start(allocated: Meeting) -> None:
    assert notifications.send_reminders(allocated.starts_at - datetime.timedelta(hours=25)) == 0
    assert notifications.send_reminders(allocated.starts_at + datetime.timedelta(minutes=1)) == 0
    assert not Application.objects.filter(reminded_at__isnull=False).exists()


def test_the_reminder_command(
    allocated: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_meeting_reminders", stdout=out)
    assert out.getvalue().strip() == "3 reminder(s) sent"
    assert len(mail.outbox) == 3


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
