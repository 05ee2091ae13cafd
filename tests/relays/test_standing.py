"""What a relay sees of where their people stand: the circle's venue and dates once invited,
nothing while the circles are only a proposal, never an answer."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    monday_of,
)
from tierslien.circles.schedule import session_times

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _season_with_seat(cast: Cast, state: str, status: str) -> Season:
    today = timezone.localdate()
    season = Season.objects.create(
        territory=cast.territory,
        name="Été",
        registration_opens=today - datetime.timedelta(days=30),
        registration_closes=today - datetime.timedelta(days=10),
        first_week=monday_of(today + datetime.timedelta(days=14)),
        state=state,
    )
    Registration.objects.create(
        season=season, user=cast.registered, availability=["tue-evening"], max_km=3
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=4)
    Membership.objects.create(circle=circle, user=cast.registered, status=status)
    return season


def _pages(cast: Cast, client_as: ClientAs) -> tuple[str, str]:
    client = client_as("relay")
    home = client.get(reverse("relay_home", args=[cast.territory.slug])).content.decode()
    person = client.get(
        reverse("relay_person", args=[cast.territory.slug, cast.registered.pk])
    ).content.decode()
    return home, person


def test_once_invited_the_relay_sees_the_venue_and_the_dates(
    cast: Cast, client_as: ClientAs
) -> None:
    season = _season_with_seat(cast, SeasonState.PUBLISHED, MembershipStatus.INVITED)
    home, person = _pages(cast, client_as)
    assert "Invited to a circle, has not answered yet" in home
    assert "Their circle 4" in person
    assert "Médiathèque" in person and "1 place de la Mairie" in person
    first = session_times(season, "tue-evening")[0].starts_at
    assert str(first.day) in person and str(first.year) in person


def test_a_confirmed_seat_says_so(cast: Cast, client_as: ClientAs) -> None:
    _season_with_seat(cast, SeasonState.RUNNING, MembershipStatus.CONFIRMED)
    home, _person = _pages(cast, client_as)
    assert "Seat in a circle confirmed" in home


def test_a_proposal_is_not_shown_to_the_relay(cast: Cast, client_as: ClientAs) -> None:
    _season_with_seat(cast, SeasonState.PROPOSED, MembershipStatus.PROPOSED)
    home, person = _pages(cast, client_as)
    assert "Registered, waiting for the circles" in home
    assert "Médiathèque" not in person
    assert "Their circle" not in person
