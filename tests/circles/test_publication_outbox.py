"""Publication through the outbox, against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.circles.conftest import Proposed
from tests.smtp import SmtpServer, free_port
from tierslien.circles import actions
from tierslien.circles.actions import publish
from tierslien.circles.models import Membership
from tierslien.outbox import services as outbox
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db


def _members(proposed: Proposed) -> list[str]:
    return sorted(
        Membership.objects.filter(circle__season=proposed.season).values_list(
            "user__email", flat=True
        )
    )


def test_every_invitation_arrives_exactly_once(
    proposed: Proposed, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_season(proposed.season)
    assert smtp_server.recipients() == _members(proposed)
    assert outbox.deliver_due().sent == 0  # the sweep finds nothing left to send
    assert smtp_server.recipients() == _members(proposed)
    for received in smtp_server.received:
        names = [part.get_filename() for part in received.walk() if part.get_filename()]
        assert len(names) == 1 and names[0].endswith(".ics")
    topic = actions.topic(proposed.season.pk)
    assert outbox.counts(topic) == outbox.Counts(sent=len(_members(proposed)))


def test_a_worker_killed_after_the_commit_loses_no_invitation(
    proposed: Proposed, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    # The delivery task never runs (the worker died after the commit)...
    with django_capture_on_commit_callbacks(execute=False):
        publish.publish_season(proposed.season)
    assert smtp_server.received == []
    assert Message.objects.filter(state=MessageState.QUEUED).count() == len(_members(proposed))
    # ...the periodic sweep sends every invitation, once.
    assert outbox.deliver_due().sent == len(_members(proposed))
    assert smtp_server.recipients() == _members(proposed)


def test_a_slow_or_dead_mail_server_never_fails_the_publication(
    proposed: Proposed, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.fail_with(data="451 4.3.0 Try again later")
    with django_capture_on_commit_callbacks(execute=True):
        season = publish.publish_season(proposed.season)
    assert season.state == "published"
    counts = outbox.counts(actions.topic(season.pk))
    assert counts == outbox.Counts(waiting=len(_members(proposed)))


def test_the_publish_request_never_talks_to_the_mail_server(
    proposed: Proposed, client_as: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The production shape: tasks go to a queue (here a dummy one), not run in the request;
    # and no mail server listens: publishing answers at once all the same.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 1},
        }
    }
    season = proposed.season
    target = reverse("manage_season_publish", args=[season.territory.slug, season.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("facilitator").post(target)
    assert response.status_code == 302
    season.refresh_from_db()
    assert season.state == "published"
    counts = outbox.counts(actions.topic(season.pk))
    assert counts == outbox.Counts(waiting=len(_members(proposed)))
