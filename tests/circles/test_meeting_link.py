"""An online circle's meeting link: set by the facilitator, seen only in the circle's space."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast
from tests.circles.conftest import MakeSeason, Proposed
from tests.ritual import assert_sent_to_login, password_only
from tierslien.circles import actions
from tierslien.circles.actions import publish
from tierslien.circles.forms import MeetingLinkForm
from tierslien.circles.models import Circle, Season, SeasonState
from tierslien.spaces.models import PactAcceptance

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
LINK = "https://visio.example.net/cercle-2"


@pytest.fixture
def online(proposed: Proposed, django_capture_on_commit_callbacks: Any) -> Proposed:
    """The proposal, its second circle online, published."""
    Circle.objects.filter(pk=proposed.second.pk).update(online=True, venue=None)
    proposed.second.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_season(proposed.season)
    proposed.season.refresh_from_db()
    return proposed


def _url(season: Season, circle: Circle, slug: str | None = None) -> str:
    return reverse("manage_circle_link", args=[slug or season.territory.slug, season.pk, circle.pk])


def _data(circle: Circle, link: str) -> dict[str, str]:
    return {f"link{circle.pk}-link": link}


def _link(circle: Circle) -> str:
    return Circle.objects.get(pk=circle.pk).meeting_link


def test_the_invitation_says_online_and_carries_no_venue(online: Proposed) -> None:
    member = online.registrations[6].user
    message = next(m for m in mail.outbox if m.to == [member.email])
    assert "Médiathèque" not in message.body
    calendar = message.attachments[0][1]
    assert "LOCATION" in calendar and "Médiathèque" not in calendar


def test_permission_ritual(
    cast: Cast,
    online: Proposed,
    make_season: MakeSeason,
    other_season: Season,
    client_as: ClientAs,
) -> None:
    season, circle = online.season, online.second
    target = _url(season, circle)
    data = _data(circle, LINK)
    anonymous = client_as("anonymous").post(target, data)
    assert_sent_to_login(anonymous)
    assert client_as("facilitator").get(target).status_code == 405
    assert client_as("admin").post(_url(season, circle, "nowhere"), data).status_code == 404
    spring = make_season(name="Spring")
    assert client_as("facilitator").post(_url(spring, circle), data).status_code == 404
    elsewhere = reverse("manage_circle_link", args=[cast.territory.slug, other_season.pk, 1])
    assert client_as("facilitator").post(elsewhere, data).status_code == 404
    for role in ("participant", "outsider", "other_facilitator"):
        assert client_as(role).post(target, data).status_code == 403
    assert _link(circle) == ""
    response = client_as("facilitator").post(target, data)
    assert response.status_code == 302
    assert _link(circle) == LINK


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://example.net/x", "pas une adresse", "x" * 600]
)
def test_bad_links_are_refused_and_change_nothing(
    online: Proposed, client_as: ClientAs, link: str
) -> None:
    client_as("facilitator").post(_url(online.season, online.second), _data(online.second, LINK))
    response = client_as("facilitator").post(
        _url(online.season, online.second), _data(online.second, link)
    )
    assert response.status_code == 302
    assert _link(online.second) == LINK


def test_a_post_without_the_field_keeps_the_link(online: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    client.post(_url(online.season, online.second), _data(online.second, LINK))
    assert client.post(_url(online.season, online.second), {}).status_code == 302
    assert _link(online.second) == LINK


def test_an_in_person_circle_has_no_link_and_an_empty_link_removes_it(
    online: Proposed, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    client.post(_url(online.season, online.first), _data(online.first, LINK))
    assert _link(online.first) == ""
    with pytest.raises(actions.NotOnline):
        actions.set_meeting_link(online.season, online.first.pk, LINK)
    client.post(_url(online.season, online.second), _data(online.second, LINK))
    client.post(_url(online.season, online.second), _data(online.second, ""))
    assert _link(online.second) == ""
    Season.objects.filter(pk=online.season.pk).update(state=SeasonState.CLOSED)
    client.post(_url(online.season, online.second), _data(online.second, LINK))
    assert _link(online.second) == ""


def test_only_the_circle_members_see_the_link_in_their_space(
    online: Proposed, client_as: ClientAs
) -> None:
    actions.set_meeting_link(online.season, online.second.pk, LINK)
    member = online.registrations[6].user
    PactAcceptance.objects.create(circle=online.second, user=member, accepted_at=timezone.now())
    client = password_only(member)
    for name in ("circle_home", "circle_sessions"):
        html = client.get(reverse(name, args=[online.second.pk])).content.decode()
        assert f'href="{LINK}"' in html and 'rel="noopener noreferrer nofollow"' in html
    invitation = reverse("circle_invitation", args=[online.season.territory.slug, online.second.pk])
    html = client.get(invitation).content.decode()
    assert 'data-online="1"' in html and LINK not in html
    # The facilitator's page shows the form with the link; nobody else reaches it.
    circles = reverse(
        "manage_season_circles", args=[online.season.territory.slug, online.season.pk]
    )
    assert LINK in client_as("facilitator").get(circles).content.decode()
    other = password_only(online.registrations[0].user)
    assert other.get(reverse("circle_home", args=[online.second.pk])).status_code == 404


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(link=st.text(max_size=80))
def test_link_form_never_crashes_and_keeps_only_web_addresses(link: str) -> None:
    form = MeetingLinkForm({"link": link})
    if form.is_valid() and form.cleaned_data["link"]:
        assert form.cleaned_data["link"].lower().startswith(("https://", "http://"))


def test_the_link_can_be_set_while_reviewing_the_proposal(
    proposed: Proposed, client_as: ClientAs
) -> None:
    Circle.objects.filter(pk=proposed.second.pk).update(online=True, venue=None)
    season, circle = proposed.season, proposed.second
    client = client_as("facilitator")
    page = reverse("manage_season_proposal", args=[season.territory.slug, season.pk])
    assert _url(season, circle) in client.get(page).content.decode()
    assert _url(season, proposed.first) not in client.get(page).content.decode()
    response = client.post(_url(season, circle), _data(circle, LINK))
    assert response.url == page
    assert _link(circle) == LINK


def test_arbitrary_posts_to_the_view_never_fail(online: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    target = _url(online.season, online.second)
    client.post(target, _data(online.second, LINK))
    key = f"link{online.second.pk}-link"

    @settings(max_examples=30, deadline=None)
    @given(data=st.dictionaries(st.sampled_from([key, "link"]), st.text(max_size=40), max_size=2))
    def post(data: dict[str, str]) -> None:
        assert client.post(target, data).status_code == 302
        link = _link(online.second)
        assert link == LINK or link == "" or link.lower().startswith(("https://", "http://"))

    post()
