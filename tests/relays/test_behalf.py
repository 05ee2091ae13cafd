"""Answering a circle invitation or a meeting seat through the relay who registered someone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.circles.conftest import Proposed
from tierslien.accounts.models import User
from tierslien.circles.actions import publish
from tierslien.circles.models import Membership, MembershipStatus, Unplaced
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting
from tierslien.relays.models import AgreedHow, Registered

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def registered_by_rosa(cast: Cast, person: User) -> Registered:
    return Registered.objects.create(
        person=person,
        relay=cast.relay,
        territory=cast.territory,
        agreed_how=AgreedHow.PHONE,
        agreed_at=timezone.now(),
    )


def published(proposed: Proposed, capture: Any) -> None:
    with capture(execute=True):
        publish.publish_season(proposed.season)


def answer(client: Client, cast: Cast, person: User, **fields: object) -> Any:
    url = reverse("relay_behalf", args=[cast.territory.slug, person.pk])
    return client.post(url, {"asked": "on", **fields})


def test_a_decline_through_the_relay_invites_a_replacement_and_is_recorded(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    published(proposed, django_capture_on_commit_callbacks)
    leaving = proposed.registrations[6].user
    registered_by_rosa(cast, leaving)
    seat = Membership.objects.get(user=leaving)
    relay = client_as("relay")
    page = relay.get(reverse("relay_behalf", args=[cast.territory.slug, leaving.pk]))
    assert f'name="seat" value="{seat.pk}"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(relay, cast, leaving, kind="circle", seat=seat.pk, answer="decline")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=leaving).exists()
    gone = Unplaced.objects.get(user=leaving)
    assert (gone.code, gone.answered_by) == (publish.DECLINED, cast.relay)
    newcomer = Membership.objects.get(user=proposed.waiting.user)
    assert newcomer.status == MembershipStatus.INVITED  # the replacement
    assert newcomer.answered_by is None


def test_a_confirmation_through_the_relay_shows_as_such_to_the_facilitator(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    published(proposed, django_capture_on_commit_callbacks)
    coming = proposed.registrations[0].user
    registered_by_rosa(cast, coming)
    seat = Membership.objects.get(user=coming)
    answer(client_as("relay"), cast, coming, kind="circle", seat=seat.pk, answer="confirm")
    seat.refresh_from_db()
    assert (seat.status, seat.answered_by) == (MembershipStatus.CONFIRMED, cast.relay)
    url = reverse("manage_season_circles", args=[cast.territory.slug, proposed.season.pk])
    page = client_as("facilitator").get(url).content.decode()
    assert "Answered through a local contact: " + coming.display_name in page
    assert "Rosa" not in page  # the contact is not named


def test_without_the_persons_request_nothing_is_answered(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    published(proposed, django_capture_on_commit_callbacks)
    person = proposed.registrations[0].user
    registered_by_rosa(cast, person)
    seat = Membership.objects.get(user=person)
    url = reverse("relay_behalf", args=[cast.territory.slug, person.pk])
    response = client_as("relay").post(
        url, {"kind": "circle", "seat": seat.pk, "answer": "decline"}
    )
    assert response.status_code == 400
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.INVITED


def test_a_relay_cannot_answer_for_someone_not_theirs(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    published(proposed, django_capture_on_commit_callbacks)
    person = proposed.registrations[0].user  # registered by nobody
    seat = Membership.objects.get(user=person)
    response = answer(
        client_as("relay"), cast, person, kind="circle", seat=seat.pk, answer="decline"
    )
    assert response.status_code == 404
    # Nor through their own person's page, with someone else's seat.
    response = answer(
        client_as("relay"), cast, cast.registered, kind="circle", seat=seat.pk, answer="decline"
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.INVITED


def test_once_taken_over_the_person_answers_for_themselves(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    published(proposed, django_capture_on_commit_callbacks)
    person = proposed.registrations[0].user
    registered = registered_by_rosa(cast, person)
    Registered.objects.filter(pk=registered.pk).update(taken_over_at=timezone.now())
    seat = Membership.objects.get(user=person)
    answer(client_as("relay"), cast, person, kind="circle", seat=seat.pk, answer="confirm")
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.INVITED


def test_a_meeting_seat_declined_through_the_relay_goes_to_the_waiting_list(
    cast: Cast,
    drawn: Meeting,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application = Application.objects.filter(
        meeting=drawn, status=ApplicationStatus.SELECTED
    ).first()
    assert application is not None
    registered_by_rosa(cast, application.user)
    waiting_before = Application.objects.filter(
        meeting=drawn, status=ApplicationStatus.WAITLISTED
    ).count()
    with django_capture_on_commit_callbacks(execute=True):
        answer(
            client_as("relay"),
            cast,
            application.user,
            kind="meeting",
            seat=application.pk,
            answer="decline",
        )
    application.refresh_from_db()
    assert (application.status, application.answered_by) == (
        ApplicationStatus.DECLINED,
        cast.relay,
    )
    assert (
        Application.objects.filter(meeting=drawn, status=ApplicationStatus.WAITLISTED).count()
        == waiting_before - 1
    )


def test_a_meeting_seat_confirmed_through_the_relay(
    cast: Cast, drawn: Meeting, client_as: ClientAs
) -> None:
    application = Application.objects.filter(
        meeting=drawn, status=ApplicationStatus.SELECTED
    ).first()
    assert application is not None
    registered_by_rosa(cast, application.user)
    answer(
        client_as("relay"),
        cast,
        application.user,
        kind="meeting",
        seat=application.pk,
        answer="confirm",
    )
    application.refresh_from_db()
    assert (application.status, application.answered_by) == (
        ApplicationStatus.CONFIRMED,
        cast.relay,
    )
