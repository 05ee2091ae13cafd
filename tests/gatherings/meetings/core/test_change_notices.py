"""Applicants still in the running hear when a meeting is cancelled or moves."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.gatherings.meetings.conftest import Applicants
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.core import services
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.outbox.models import Message
from tierslien.territories.models import Venue

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def people(meeting: Meeting, applicants: Applicants) -> dict[str, Application]:
    """Six applications: applied (in French), selected, confirmed, waitlisted, declined,
    withdrawn."""
    made = applicants(meeting, 6)
    statuses = [S.APPLIED, S.SELECTED, S.CONFIRMED, S.WAITLISTED, S.DECLINED, S.WITHDRAWN]
    for application, status in zip(made, statuses, strict=True):
        Application.objects.filter(pk=application.pk).update(status=status)
    User.objects.filter(pk=made[0].user_id).update(language="fr")
    return {status: application for application, status in zip(made, statuses, strict=True)}


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def _still_in(people: dict[str, Application]) -> set[str]:
    return {people[s].user.email for s in (S.APPLIED, S.SELECTED, S.CONFIRMED, S.WAITLISTED)}


def test_a_new_date_is_sent_to_everyone_still_in_the_running(
    meeting: Meeting, people: dict[str, Application], django_capture_on_commit_callbacks: Callable
) -> None:
    before = meeting.starts_at
    later = before + datetime.timedelta(days=1, hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(meeting, starts_at=later)
    assert _recipients() == _still_in(people)
    assert Message.objects.filter(topic=notifications.topic(meeting.pk)).count() == 4
    by_address = {m.to[0]: m for m in mail.outbox}
    french = by_address[people[S.APPLIED].user.email]
    assert french.subject.startswith("Nouvelle date ou nouveau lieu")
    assert "Auparavant :" in french.body
    english = by_address[people[S.WAITLISTED].user.email]
    assert english.subject == f"New date or place: {meeting.theme}"
    assert "Médiathèque" in english.body
    assert not english.attachments  # no seat: no calendar entry
    seat = by_address[people[S.CONFIRMED].user.email]
    assert seat.attachments[0][0] == f"meeting-{meeting.pk}.ics"


def test_a_new_venue_is_sent_too(meeting: Meeting, people: dict[str, Application]) -> None:
    venue = Venue.objects.create(
        territory=meeting.territory,
        sector=meeting.venue.sector,
        name="Salle Jean Moulin",
        address="2 rue de la Paix",
        latitude=meeting.venue.latitude,
        longitude=meeting.venue.longitude,
    )
    services.update_meeting(meeting, venue=venue)
    messages = Message.objects.filter(topic=notifications.topic(meeting.pk))
    assert messages.count() == 4
    assert all("Salle Jean Moulin" in m.body for m in messages)


def test_other_changes_tell_nobody(meeting: Meeting, people: dict[str, Application]) -> None:
    services.update_meeting(meeting, theme="Another theme", starts_at=meeting.starts_at)
    assert not Message.objects.exists()


def test_a_change_rolled_back_queues_nothing(
    meeting: Meeting, people: dict[str, Application]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_meeting(meeting, starts_at=meeting.starts_at + datetime.timedelta(hours=1))
        raise RuntimeError
    assert not Message.objects.exists()


@pytest.mark.parametrize("state", [MeetingState.OPEN, MeetingState.ALLOCATED])
def test_a_meeting_abandoned_tells_everyone_still_in_the_running(
    meeting: Meeting,
    people: dict[str, Application],
    django_capture_on_commit_callbacks: Callable,
    state: str,
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(state=state)
    with django_capture_on_commit_callbacks(execute=True):
        services.archive_meeting(meeting)
    assert _recipients() == _still_in(people)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[people[S.APPLIED].user.email].subject == f"Annulée : {meeting.theme}"
    english = by_address[people[S.SELECTED].user.email]
    assert english.subject == f"Cancelled: {meeting.theme}"
    assert "will not take place" in english.body
    assert not Application.objects.filter(meeting=meeting).exists()


@pytest.mark.parametrize("state", [MeetingState.HELD, MeetingState.ALLOCATED])
def test_archiving_a_meeting_after_its_day_tells_nobody(
    meeting: Meeting, people: dict[str, Application], state: str
) -> None:
    past = timezone.now() - datetime.timedelta(days=31)
    Meeting.objects.filter(pk=meeting.pk).update(state=state, starts_at=past)
    assert services.archive_meetings(timezone.now()) == 1  # the daily command's service
    assert not Application.objects.filter(meeting=meeting).exists()
    assert not Message.objects.exists()
