"""The season's circles page counts its messages; the facilitator sends failed ones again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.circles.conftest import Proposed
from tierslien.circles import actions
from tierslien.circles.actions import publish
from tierslien.outbox import services as outbox
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def test_counts_and_resend(
    proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        season = publish.publish_season(proposed.season)
    topic = actions.topic(season.pk)
    assert outbox.counts(topic) == outbox.Counts(sent=11)
    failed = list(Message.objects.filter(topic=topic).values_list("pk", flat=True))[:2]
    Message.objects.filter(pk__in=failed).update(state=MessageState.FAILED, attempts=6)
    queued = Message.objects.filter(topic=topic, state=MessageState.SENT).first()
    assert queued is not None
    Message.objects.filter(pk=queued.pk).update(state=MessageState.QUEUED)
    client = client_as("facilitator")
    slug = season.territory.slug
    page = client.get(reverse("manage_season_circles", args=[slug, season.pk])).content.decode()
    assert 'data-outbox="8/1/2"' in page
    resend = reverse("manage_season_resend", args=[slug, season.pk])
    assert resend in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.url == reverse("manage_season_circles", args=[slug, season.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Message.objects.filter(pk__in=failed).values_list("recipient", flat=True)
    )
    assert outbox.counts(topic) == outbox.Counts(sent=10, waiting=1)
    assert client.post(resend).status_code == 302  # nothing failed now: says so
    assert len(mail.outbox) == 2


def test_resend_only_touches_its_own_season(
    proposed: Proposed,
    other_season: Any,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        season = publish.publish_season(proposed.season)
    Message.objects.update(state=MessageState.FAILED)
    slug = season.territory.slug
    other = reverse("manage_season_resend", args=[other_season.territory.slug, other_season.pk])
    assert client_as("facilitator").post(other).status_code in (403, 404)
    assert (
        client_as("facilitator")
        .post(reverse("manage_season_resend", args=[slug, season.pk]))
        .status_code
        == 302
    )
    assert outbox.counts(actions.topic(season.pk)).failed == 0
