"""Check-in at the door: the list, the search without JavaScript, one POST per person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants
from tests.gatherings.meetings.day.test_services import add_contributors, confirm, day_meeting
from tierslien.accounts.models import User
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
)

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _the_day(settings: Any) -> None:
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30  # these meetings start in ten days


@pytest.fixture
def door(cast: Cast, applicants: Applicants) -> Meeting:
    """6 confirmed applicants (one is Josiane Martin), 2 others not confirmed, 2 accepted
    contributors and one still invited."""
    meeting = day_meeting(cast, applicants, citizens=0, contributors=2)
    people = applicants(meeting, 8)
    confirm(people[:6])
    Application.objects.filter(pk=people[6].pk).update(status=ApplicationStatus.WAITLISTED)
    User.objects.filter(pk=people[2].user_id).update(display_name="Josiane Martin")
    invited = add_contributors(meeting, 1, start=7)[0]
    Contributor.objects.filter(pk=invited.pk).update(
        status=ContributorStatus.INVITED, name="Invited Person"
    )
    Contributor.objects.filter(meeting=meeting, name="Host 1").update(
        name="Karim Benali", organisation="Les Amis de la Rivière"
    )
    return meeting


def checkin_url(meeting: Meeting) -> str:
    return reverse("meeting_day_checkin", args=[meeting.territory.slug, meeting.pk])


def mark_url(meeting: Meeting) -> str:
    return reverse("meeting_day_checkin_mark", args=[meeting.territory.slug, meeting.pk])


def test_the_list_holds_confirmed_applicants_and_accepted_contributors(
    door: Meeting, client_as: ClientAs
) -> None:
    page = client_as("facilitator").get(checkin_url(door)).content.decode()
    assert page.count("data-application=") == 6
    assert page.count("data-contributor=") == 2
    assert "Invited Person" not in page
    assert "Josiane Martin" in page
    assert "Karim Benali" in page and "Les Amis de la Rivière" in page
    assert page.count('data-action="arrive"') == 8


def test_search_by_name_without_javascript(door: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    page = client.get(checkin_url(door), {"q": "  josi  "}).content.decode()
    assert page.count("data-application=") == 1 and "Josiane Martin" in page
    assert page.count("data-contributor=") == 0
    page = client.get(checkin_url(door), {"q": "rivière"}).content.decode()
    assert page.count("data-application=") == 0 and page.count("data-contributor=") == 1
    page = client.get(checkin_url(door), {"q": "Josiane Martin"}).content.decode()
    assert page.count("data-application=") == 1
    page = client.get(checkin_url(door), {"q": "nobody-here"}).content.decode()
    assert 'data-none="citizens"' in page and 'data-none="contributors"' in page


def test_a_search_too_long_is_refused_and_shows_everyone(
    door: Meeting, client_as: ClientAs
) -> None:
    response = client_as("facilitator").get(checkin_url(door), {"q": "x" * 200})
    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" in page
    assert page.count("data-application=") == 6


def test_arrive_and_undo(door: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    josiane = Application.objects.get(meeting=door, user__display_name="Josiane Martin")
    response = client.post(mark_url(door), {"application": josiane.pk, "arrived": "1", "q": "josi"})
    assert response.status_code == 302
    assert response.url == f"{checkin_url(door)}?q=josi#a{josiane.pk}"
    josiane.refresh_from_db()
    assert josiane.checked_in_at is not None
    page = client.get(checkin_url(door)).content.decode()
    assert f'data-application="{josiane.pk}" data-arrived="1"' in page
    assert 'data-count="citizens"><span data-arrived>1</span> / <span data-expected>6' in page
    client.post(mark_url(door), {"application": josiane.pk, "arrived": "0"})
    josiane.refresh_from_db()
    assert josiane.checked_in_at is None


def test_a_contributor_arrives(door: Meeting, client_as: ClientAs) -> None:
    karim = Contributor.objects.get(meeting=door, name="Karim Benali")
    response = client_as("facilitator").post(
        mark_url(door), {"contributor": karim.pk, "arrived": "1"}
    )
    assert response.url.endswith(f"#c{karim.pk}")
    karim.refresh_from_db()
    assert karim.checked_in_at is not None


def _nobody_arrived() -> None:
    assert not Application.objects.filter(checked_in_at__isnull=False).exists()
    assert not Contributor.objects.filter(checked_in_at__isnull=False).exists()


def test_people_not_expected_cannot_be_checked_in(
    door: Meeting, cast: Cast, applicants: Applicants, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    waiting = Application.objects.filter(meeting=door).exclude(status="confirmed").first()
    invited = Contributor.objects.get(meeting=door, status=ContributorStatus.INVITED)
    assert waiting is not None
    for data in (
        {"application": waiting.pk, "arrived": "1"},
        {"contributor": invited.pk, "arrived": "1"},
        {"application": 999999, "arrived": "1"},
        {"arrived": "1"},
        {"application": waiting.pk},
    ):
        response = client.post(mark_url(door), data, follow=True)
        assert response.status_code == 200
        assert 'class="message error"' in response.content.decode()
    confirmed = Application.objects.filter(meeting=door, status="confirmed").first()
    karim = Contributor.objects.get(meeting=door, name="Karim Benali")
    assert confirmed is not None
    response = client.post(
        mark_url(door),
        {"application": confirmed.pk, "contributor": karim.pk, "arrived": "1"},
        follow=True,
    )
    assert "Choose one person to check in." in response.content.decode()
    _nobody_arrived()


def test_the_door_closes_when_the_meeting_is_over(door: Meeting, client_as: ClientAs) -> None:
    Meeting.objects.filter(pk=door.pk).update(state=MeetingState.HELD)
    client = client_as("facilitator")
    response = client.get(checkin_url(door))
    assert response.status_code == 302  # once held, the door shows no names any more
    confirmed = Application.objects.filter(meeting=door, status="confirmed").first()
    assert confirmed is not None
    response = client.post(mark_url(door), {"application": confirmed.pk, "arrived": "1"})
    assert response.status_code == 302
    _nobody_arrived()
