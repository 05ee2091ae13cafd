"""A person's seasons, circles and unplaced rows are in their data, and only theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tierslien.circles.models import Circle, Membership, Registration, Season, Unplaced
from tierslien.privacy.services import delete_account

pytestmark = pytest.mark.django_db


def _rows(cast: Cast, season: Season) -> None:
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=4
    )
    Registration.objects.create(
        season=season, user=cast.co_member, availability=["sat-morning"], max_km=9
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=3)
    Membership.objects.create(circle=circle, user=cast.participant)
    Membership.objects.create(circle=circle, user=cast.co_member)
    Unplaced.objects.create(season=season, user=cast.co_member, code="no_time", message="x")


def test_export_holds_one_s_own_rows_only(
    cast: Cast, season: Season, client_as: Callable[[str], Client]
) -> None:
    _rows(cast, season)
    data = client_as("participant").get(reverse("export_my_data")).json()["data"]
    assert data["season_registrations"] == [
        {
            "season__territory__name": "Val-de-Lien",
            "season__name": "Autumn circles",
            "availability": ["tue-evening"],
            "max_km": 4.0,
            "created_at": data["season_registrations"][0]["created_at"],
            "updated_at": data["season_registrations"][0]["updated_at"],
        }
    ]
    assert data["circle_memberships"][0]["circle__number"] == 3
    assert data["circle_memberships"][0]["circle__venue__name"] == "Médiathèque"
    assert len(data["circle_memberships"]) == 1
    assert data["circles_unplaced"] == []
    assert "Bob" not in str(data)
    page = client_as("participant").get(reverse("my_data"))
    assert page.status_code == 200


def test_deleting_an_account_takes_its_circle_rows_and_keeps_others(
    cast: Cast, season: Season
) -> None:
    _rows(cast, season)
    delete_account(cast.co_member)
    assert list(Registration.objects.values_list("user", flat=True)) == [cast.participant.pk]
    assert list(Membership.objects.values_list("user", flat=True)) == [cast.participant.pk]
    assert not Unplaced.objects.exists()
    assert Circle.objects.count() == 1
