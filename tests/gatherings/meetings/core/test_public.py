"""The public pages: upcoming meetings of a territory and one meeting, no sign-in needed."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.cast import Cast
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting, MeetingState

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
ROLES = ["anonymous", "outsider", "participant", "facilitator", "other_facilitator", "admin"]


def add_contributor(
    meeting: Meeting, k: int, status: str = ContributorStatus.ACCEPTED
) -> Contributor:
    return Contributor.objects.create(
        meeting=meeting,
        name=f"Contributor {k}",
        organisation=f"Org {k}",
        kind="association",
        email=f"secret{k}-{meeting.pk}@example.org",
        token_hash=f"{meeting.pk:08d}{k:056d}",
        status=status,
        invited_at=timezone.now(),
        title=f"Contribution {k}",
        summary=f"Summary {k}",
        format="table",
    )


def list_url(territory_slug: str) -> str:
    return reverse("meeting_public_list", args=[territory_slug])


def detail_url(meeting: Meeting, slug: str | None = None) -> str:
    return reverse("meeting_public", args=[slug or meeting.territory.slug, meeting.pk])


@pytest.mark.parametrize("role", ROLES)
def test_anyone_reads_the_public_pages(
    cast: Cast, meeting: Meeting, client_as: ClientAs, role: str
) -> None:
    add_contributor(meeting, 1)
    client = client_as(role)
    listing = client.get(list_url(cast.territory.slug))
    assert listing.status_code == 200
    assert f'data-meeting="{meeting.pk}"' in listing.content.decode()
    page = client.get(detail_url(meeting))
    assert page.status_code == 200
    assert meeting.theme in unescape(page.content.decode())


def test_unknown_territory_or_meeting_is_404(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    client = client_as("anonymous")
    assert client.get(list_url("nowhere")).status_code == 404
    assert client.get(detail_url(meeting, slug="nowhere")).status_code == 404
    assert (
        client.get(reverse("meeting_public", args=[cast.territory.slug, 999999])).status_code == 404
    )


def test_a_meeting_under_another_territory_is_404(
    cast: Cast, other_meeting: Meeting, client_as: ClientAs
) -> None:
    assert (
        client_as("admin").get(detail_url(other_meeting, slug=cast.territory.slug)).status_code
        == 404
    )
    listing = client_as("anonymous").get(list_url(cast.territory.slug)).content.decode()
    assert f'data-meeting="{other_meeting.pk}"' not in listing


@pytest.mark.parametrize("state", [MeetingState.DRAFT, MeetingState.ARCHIVED])
@pytest.mark.parametrize("role", ["anonymous", "facilitator", "admin"])
def test_drafts_and_archived_meetings_are_404_publicly(
    cast: Cast, client_as: ClientAs, state: str, role: str
) -> None:
    hidden = make_meeting(cast, state=state)
    client = client_as(role)
    assert client.get(detail_url(hidden)).status_code == 404
    assert (
        f'data-meeting="{hidden.pk}"'
        not in client.get(list_url(cast.territory.slug)).content.decode()
    )


def test_the_list_shows_only_upcoming_open_or_allocated_meetings(
    cast: Cast, client_as: ClientAs
) -> None:
    now = timezone.now()
    shown = [
        make_meeting(cast, state=MeetingState.OPEN),
        make_meeting(cast, state=MeetingState.ALLOCATED),
    ]
    hidden = [
        make_meeting(cast, state=MeetingState.HELD),
        make_meeting(
            cast,
            state=MeetingState.ALLOCATED,
            starts_at=now - datetime.timedelta(hours=1),
            registration_opens=now - datetime.timedelta(days=9),
            registration_closes=now - datetime.timedelta(days=2),
        ),
    ]
    page = client_as("anonymous").get(list_url(cast.territory.slug)).content.decode()
    for meeting in shown:
        assert f'data-meeting="{meeting.pk}"' in page
    for meeting in hidden:
        assert f'data-meeting="{meeting.pk}"' not in page
    # a held meeting keeps its own page
    assert client_as("anonymous").get(detail_url(hidden[0])).status_code == 200


def test_an_empty_list_says_so(cast: Cast, client_as: ClientAs) -> None:
    assert (
        "data-empty" in client_as("anonymous").get(list_url(cast.territory.slug)).content.decode()
    )


def test_only_accepted_contributors_appear_and_never_their_address(
    meeting: Meeting, client_as: ClientAs
) -> None:
    accepted = add_contributor(meeting, 1)
    invited = add_contributor(meeting, 2, ContributorStatus.INVITED)
    declined = add_contributor(meeting, 3, ContributorStatus.DECLINED)
    client = client_as("anonymous")
    for page in (
        unescape(client.get(detail_url(meeting)).content.decode()),
        unescape(client.get(list_url(meeting.territory.slug)).content.decode()),
    ):
        assert f'data-contributor="{accepted.pk}"' in page
        assert accepted.name in page and accepted.organisation in page and accepted.title in page
        for other in (invited, declined):
            assert f'data-contributor="{other.pk}"' not in page
            assert other.name not in page
        for person in (accepted, invited, declined):
            assert person.email not in page
            assert person.token_hash not in page
    page = client.get(detail_url(meeting)).content.decode()
    assert accepted.summary in page


def test_the_meeting_page_shows_venue_address_and_seats(
    meeting: Meeting, client_as: ClientAs
) -> None:
    page = unescape(client_as("anonymous").get(detail_url(meeting)).content.decode())
    assert meeting.venue.address in page
    assert meeting.description in page
    assert f"<dd>{meeting.seats}</dd>" in page
    assert reverse("meeting_calendar", args=[meeting.territory.slug]) in page


def test_territory_page_links_to_the_meetings(cast: Cast, client_as: ClientAs) -> None:
    page = client_as("anonymous").get(reverse("territory_detail", args=[cast.territory.slug]))
    assert list_url(cast.territory.slug) in page.content.decode()
    manage = client_as("facilitator").get(reverse("manage_territory", args=[cast.territory.slug]))
    assert reverse("meeting_manage_list", args=[cast.territory.slug]) in manage.content.decode()


def test_public_pages_refuse_post(meeting: Meeting, client_as: ClientAs) -> None:
    client = client_as("participant")
    assert client.post(list_url(meeting.territory.slug)).status_code == 405
    assert client.post(detail_url(meeting)).status_code == 405


# --- Query counts ----------------------------------------------------------------------------


def _queries(client: Client, target: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(target)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["anonymous", "participant"])
def test_the_list_costs_the_same_whatever_the_number_of_meetings(
    cast: Cast, client_as: ClientAs, role: str
) -> None:
    client = client_as(role)
    target = list_url(cast.territory.slug)
    first = make_meeting(cast)
    add_contributor(first, 1)
    small = _queries(client, target)
    for k in range(6):
        extra = make_meeting(cast, theme=f"Thème {k}")
        for j in range(4):
            add_contributor(extra, j)
    assert _queries(client, target) == small


@pytest.mark.parametrize("role", ["anonymous", "participant"])
def test_the_meeting_page_costs_the_same_whatever_the_number_of_contributors(
    meeting: Meeting, client_as: ClientAs, role: str
) -> None:
    client = client_as(role)
    add_contributor(meeting, 1)
    small = _queries(client, detail_url(meeting))
    for k in range(2, 12):
        add_contributor(meeting, k)
    assert _queries(client, detail_url(meeting)) == small


def test_the_management_list_costs_the_same_whatever_the_number_of_meetings(
    cast: Cast, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    target = reverse("meeting_manage_list", args=[cast.territory.slug])
    add_contributor(make_meeting(cast), 1)
    small = _queries(client, target)
    for k in range(5):
        extra = make_meeting(cast, theme=f"Thème {k}", state=MeetingState.DRAFT)
        add_contributor(extra, k)
    assert _queries(client, target) == small


def test_the_management_page_costs_the_same_whatever_the_number_of_contributors(
    draft_meeting: Meeting, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    target = reverse("meeting_manage", args=[draft_meeting.territory.slug, draft_meeting.pk])
    add_contributor(draft_meeting, 1)
    small = _queries(client, target)
    for k in range(2, 10):
        add_contributor(draft_meeting, k, ContributorStatus.INVITED)
    assert _queries(client, target) == small


def test_an_open_meeting_says_its_applications_closed_once_they_did(
    cast: Cast, client_as: ClientAs
) -> None:
    now = timezone.now()
    closed = make_meeting(
        cast,
        registration_opens=now - datetime.timedelta(days=5),
        registration_closes=now - datetime.timedelta(hours=1),
    )
    soon = make_meeting(cast, registration_opens=now + datetime.timedelta(days=1))
    with translation.override("en"):
        assert closed.state_label == "Applications closed"
        assert soon.state_label == "Applications not open yet"
        assert make_meeting(cast).state_label == "Open for applications"
    page = client_as("anonymous").get(list_url(cast.territory.slug)).content.decode()
    assert "Candidatures closes" in page and "Candidatures pas encore ouvertes" in page
