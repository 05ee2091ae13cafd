"""A draw whose worker died is noticed and run again, or failed in plain words; its
messages are counted on the facilitator's page and failed ones can be sent again."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.seats import draw, notifications, seed
from tierslien.gatherings.models import Meeting, MeetingState
from tierslien.lib import jobs
from tierslien.outbox import services as outbox
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _queued(meeting: Meeting, applicants: Applicants) -> Meeting:
    applicants(meeting, 20)
    seed.publish_seed(meeting, now=meeting.registration_closes + datetime.timedelta(minutes=1))
    return draw.start_draw(meeting)  # on_commit dropped: the worker never ran it


def _died(meeting: Meeting, minutes: float = 10) -> None:
    silent = timezone.now() - datetime.timedelta(minutes=minutes)
    Meeting.objects.filter(pk=meeting.pk).update(draw_job="running", draw_heartbeat_at=silent)


def test_a_killed_draw_is_run_again_and_finishes(
    meeting: Meeting, applicants: Applicants, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = _queued(meeting, applicants)
    _died(meeting)
    with django_capture_on_commit_callbacks(execute=True):
        assert draw.recover_stalled_jobs() == [(meeting.pk, "retried")]
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    assert meeting.draw_retries == 1


def test_a_draw_that_keeps_dying_fails_in_plain_words(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs, settings: Any
) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    meeting = _queued(meeting, applicants)
    outcomes = []
    for _ in range(2):
        _died(meeting)
        outcomes += [outcome for _pk, outcome in draw.recover_stalled_jobs()]
    assert outcomes == ["retried", "failed"]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.draw_job, meeting.draw_error) == (
        MeetingState.OPEN,
        "failed",
        jobs.STALLED,
    )
    target = reverse("meeting_draw_progress", args=[meeting.territory.slug, meeting.pk])
    page = client_as("facilitator").get(target)
    with translation.override(page.headers["Content-Language"]):
        words = str(draw.STALLED_MESSAGE)
    assert words.split(":")[0] in page.content.decode().replace("&#x27;", "'")
    assert jobs.STALLED not in page.content.decode().split('data-draw-job="failed"')[1]
    # Starting it again is one click, at once.
    again = draw.start_draw(meeting)
    assert again.draw_job == "queued"


def test_opening_the_seats_page_notices_a_dead_worker(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    meeting = _queued(meeting, applicants)
    _died(meeting)
    target = reverse("meeting_seats_manage", args=[meeting.territory.slug, meeting.pk])
    assert client_as("facilitator").get(target).status_code == 200
    meeting.refresh_from_db()
    assert (meeting.draw_job, meeting.draw_retries) == ("queued", 1)


def test_a_running_draw_refuses_a_second_start_without_talking_of_the_seed(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    meeting = _queued(meeting, applicants)
    client = client_as("facilitator")
    response = client.post(
        reverse("meeting_draw_start", args=[meeting.territory.slug, meeting.pk]), follow=True
    )
    notes = [str(m) for m in response.context["messages"]]
    assert len(notes) == 1 and "seed" not in notes[0].lower() and "graine" not in notes[0].lower()
    meeting.refresh_from_db()
    assert meeting.draw_retries == 0 and meeting.draw_job == "queued"


def test_the_meeting_page_counts_messages_and_resends_failures(
    meeting: Meeting,
    applicants: Applicants,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    applicants(meeting, 20)
    seed.publish_seed(meeting, now=meeting.registration_closes + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    topic = notifications.topic(meeting.pk)
    sent = outbox.counts(topic).sent
    assert sent == 20 == len(mail.outbox)  # everyone hears: selected or waitlisted
    failed = list(Message.objects.filter(topic=topic).order_by("pk").values_list("pk", flat=True))[
        :3
    ]
    Message.objects.filter(pk__in=failed).update(state=MessageState.FAILED)
    client = client_as("facilitator")
    page = client.get(reverse("meeting_seats_manage", args=[meeting.territory.slug, meeting.pk]))
    assert f'data-outbox="{sent - len(failed)}/0/{len(failed)}"' in page.content.decode()
    mail.outbox.clear()
    resend = reverse("meeting_messages_resend", args=[meeting.territory.slug, meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == 302
    assert len(mail.outbox) == len(failed)
    assert outbox.counts(topic) == outbox.Counts(sent=sent)
    assert client.post(resend).status_code == 302  # nothing left: says so
