"""Participants: seeing a season, joining it from the self-portrait, leaving it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.circles.conftest import MakeSeason, Proposed
from tests.ritual import ClientAs, Ritual
from tierslien.accounts.models import User
from tierslien.circles import actions
from tierslien.circles.actions import publish
from tierslien.circles.models import Membership, Registration, Season, SeasonState
from tierslien.portraits.models import Portrait

pytestmark = pytest.mark.django_db
PAGES = ["season_list", "season_detail", "season_leave"]


def url(name: str, season: Season, *, slug: str | None = None) -> str:
    args: list[Any] = [slug or season.territory.slug]
    if name != "season_list":
        args.append(season.pk)
    return reverse(name, args=args)


RITUAL = Ritual("season", url, get=["season_list", "season_detail"], post=["season_leave"])
_request = RITUAL.send

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404(roles=["participant"])


test_unknown_season_gets_404 = RITUAL.unknown_object_gets_404(
    ["season_detail", "season_leave"], role="participant"
)


@pytest.mark.parametrize("name", ["season_detail", "season_leave"])
def test_season_of_another_territory_gets_404(
    cast: Cast, other_season: Season, client_as: ClientAs, name: str
) -> None:
    target = url(name, other_season, slug=cast.territory.slug)
    assert _request(client_as("participant"), name, target).status_code == 404
    assert client_as("participant").post(target, {"max_km": "3"}).status_code in (404, 405)
    assert not Registration.objects.exists()


@pytest.mark.parametrize("role", ["participant", "outsider", "facilitator", "admin"])
def test_any_signed_in_person_sees_open_seasons(
    season: Season, make_season: MakeSeason, client_as: ClientAs, role: str
) -> None:
    make_season(name="Old season", state=SeasonState.CLOSED)
    html = client_as(role).get(url("season_list", season)).content.decode()
    assert season.name in html
    assert "Old season" not in html
    assert client_as(role).get(url("season_detail", season)).status_code == 200


def test_wrong_methods_are_refused(season: Season, client_as: ClientAs) -> None:
    client = client_as("participant")
    assert client.post(url("season_list", season)).status_code == 405
    assert client.get(url("season_leave", season)).status_code == 405
    assert client.put(url("season_detail", season)).status_code == 405


# --- Joining ---


def test_join_form_is_prefilled_from_the_portrait(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    Portrait.objects.filter(user=cast.participant).update(availability=["sat-morning"], max_km=7.5)
    html = client_as("participant").get(url("season_detail", season)).content.decode()
    assert 'value="sat-morning" id="id_availability-sat-morning"' in html
    checked = html.split('value="sat-morning"')[1].split(">")[0]
    assert "checked" in checked
    assert 'value="tue-evening" id="id_availability-tue-evening" aria-describedby' in html
    assert 'value="7.5"' in html


def test_joining_copies_the_confirmed_times_and_distance(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    response = client_as("participant").post(
        url("season_detail", season),
        {"availability": ["sat-morning", "tue-evening"], "max_km": "4"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(season=season, user=cast.participant)
    assert registration.availability == ["tue-evening", "sat-morning"]
    assert registration.max_km == 4
    portrait = Portrait.objects.get(user=cast.participant)
    assert portrait.availability == []  # the portrait itself is left as it was


def test_joining_again_updates_the_registration(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    client = client_as("participant")
    client.post(url("season_detail", season), {"availability": ["sat-morning"], "max_km": "4"})
    client.post(url("season_detail", season), {"availability": ["mon-evening"], "max_km": "9"})
    registration = Registration.objects.get(season=season, user=cast.participant)
    assert (registration.availability, registration.max_km) == (["mon-evening"], 9)
    html = client.get(url("season_detail", season)).content.decode()
    assert "You are registered" in html
    assert url("season_leave", season) in html


def test_joining_needs_at_least_one_time(cast: Cast, season: Season, client_as: ClientAs) -> None:
    response = client_as("participant").post(url("season_detail", season), {"max_km": "4"})
    assert response.status_code == 200
    assert "Tick at least one time" in response.content.decode()
    assert not Registration.objects.exists()


def test_person_without_a_portrait_is_sent_to_fill_it_in(
    season: Season, client_as: ClientAs
) -> None:
    client = client_as("outsider")
    html = client.get(url("season_detail", season)).content.decode()
    assert reverse("portrait_edit", args=[season.territory.slug]) in html
    assert "Join the season" not in html
    response = client.post(
        url("season_detail", season), {"availability": ["sat-morning"], "max_km": "4"}
    )
    assert response.status_code == 302
    assert response.url == reverse("portrait_edit", args=[season.territory.slug])
    assert not Registration.objects.exists()


def test_a_portrait_in_another_territory_does_not_count(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    Portrait.objects.create(user=cast.outsider, territory=cast.other_territory)
    client_as("outsider").post(
        url("season_detail", season), {"availability": ["sat-morning"], "max_km": "4"}
    )
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"state": SeasonState.COMPOSING},
        {"state": SeasonState.PROPOSED},
        {"registration_opens": timezone.localdate() + datetime.timedelta(days=1)},
        {"registration_closes": timezone.localdate() - datetime.timedelta(days=1)},
    ],
)
def test_joining_only_while_the_season_is_open(
    season: Season, client_as: ClientAs, change: dict[str, Any]
) -> None:
    Season.objects.filter(pk=season.pk).update(**change)
    client = client_as("participant")
    html = client.get(url("season_detail", season)).content.decode()
    assert "does not take registrations" in html
    response = client.post(
        url("season_detail", season), {"availability": ["sat-morning"], "max_km": "4"}
    )
    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_service_refuses_joining_without_a_portrait(cast: Cast, season: Season) -> None:
    with pytest.raises(actions.NoPortrait):
        actions.join_season(cast.outsider, season, availability=["sat-morning"], max_km=3)


# --- Leaving ---


def test_leaving_before_composition(cast: Cast, season: Season, client_as: ClientAs) -> None:
    Registration.objects.create(
        season=season, user=cast.participant, availability=["sat-morning"], max_km=3
    )
    Registration.objects.create(
        season=season, user=cast.co_member, availability=["sat-morning"], max_km=3
    )
    response = client_as("participant").post(url("season_leave", season))
    assert response.status_code == 302
    assert list(Registration.objects.values_list("user", flat=True)) == [cast.co_member.pk]


def test_leaving_without_a_registration_changes_nothing(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    response = client_as("outsider").post(url("season_leave", season))
    assert response.status_code == 302


def test_leaving_once_composition_started_is_refused(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    Registration.objects.create(
        season=season, user=cast.participant, availability=["sat-morning"], max_km=3
    )
    Season.objects.filter(pk=season.pk).update(state=SeasonState.COMPOSING)
    response = client_as("participant").post(url("season_leave", season), follow=True)
    assert "ask a facilitator" in response.content.decode()
    assert Registration.objects.filter(user=cast.participant).exists()


def test_services_store_the_first_week_as_its_monday(cast: Cast) -> None:
    values = {
        "name": "S",
        "registration_opens": datetime.date(2030, 1, 1),
        "registration_closes": datetime.date(2030, 1, 5),
        "min_size": 5,
        "max_size": 6,
        "sessions": 4,
        "session_minutes": 90,
        "rhythm": "weekly",
        "first_week": datetime.date(2030, 1, 9),
    }
    season = actions.create_season(cast.territory, **values)
    assert season.first_week == datetime.date(2030, 1, 7)
    actions.update_season(season, **(values | {"first_week": datetime.date(2030, 1, 20)}))
    season.refresh_from_db()
    assert season.first_week == datetime.date(2030, 1, 14)


def test_after_confirming_the_invitation_links_to_the_circle_and_tells_why_together(
    proposed: Proposed, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    user = Membership.objects.filter(circle=proposed.first).first().user  # type: ignore[union-attr]
    User.objects.filter(pk=user.pk).update(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_season(proposed.season)
    client = Client()
    client.force_login(user)
    target = reverse("circle_invitation", args=[proposed.season.territory.slug, proposed.first.pk])
    page = client.get(target).content.decode()
    space = reverse("circle_home", args=[proposed.first.pk])
    assert "data-together" in page and reverse("how_it_works") in page
    assert "Your circle brings together 6 people." in page
    assert f'href="{space}"' not in page  # not before confirming
    response = client.post(target, {"answer": "confirm"}, follow=True)
    assert response.redirect_chain[-1][0] == target
    page = response.content.decode()
    assert "your seat is confirmed" in page
    assert f'href="{space}" data-circle-space' in page
    assert client.get(space, follow=True).status_code == 200
