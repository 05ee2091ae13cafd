"""Seasons and crowds of registered people for the circles tests."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.cast import Cast, make_user
from tierslien.accounts.models import User
from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
    monday_of,
)
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Territory

MakeSeason = Callable[..., Season]
Crowd = Callable[..., list[Registration]]

_emails = itertools.count()


@pytest.fixture(autouse=True)
def _short_composition(settings: object) -> None:
    settings.COMPOSE_TIME_LIMIT = 1  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    """Assertions read the English source strings; one test switches to French."""
    User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")


def season_values(**overrides: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "name": "Autumn circles",
        "registration_opens": today - datetime.timedelta(days=7),
        "registration_closes": today + datetime.timedelta(days=14),
        "first_week": monday_of(today + datetime.timedelta(days=28)),
    } | overrides


@pytest.fixture
def make_season(cast: Cast) -> MakeSeason:
    def make(territory: Territory | None = None, **overrides: object) -> Season:
        values = season_values(**overrides)
        return Season.objects.create(territory=territory or cast.territory, **values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def season(make_season: MakeSeason) -> Season:
    return make_season()


@pytest.fixture
def other_season(cast: Cast, make_season: MakeSeason) -> Season:
    return make_season(cast.other_territory, name="Saison du Bourg")


def answer(portrait: Portrait, key: str, value: object) -> None:
    criterion = Criterion.objects.get(territory=portrait.territory, key=key)
    Answer.objects.create(portrait=portrait, criterion=criterion, value=value)


@pytest.fixture
def crowd(cast: Cast) -> Crowd:
    """`crowd(season, 30)`: that many people with varied portraits, registered."""

    def make(season: Season, count: int, *, slots: list[str] | None = None) -> list[Registration]:
        occupations = ["1", "2", "3", "4", "5", "6", "7", "8"]
        ages = ["18-24", "25-34", "35-49", "50-64", "65-74", "75+"]
        registrations = []
        for k in range(count):
            n = next(_emails)
            user = make_user(f"person{n}@example.org", f"Person {n}")
            portrait = Portrait.objects.create(
                user=user,
                territory=season.territory,
                sector=cast.sector,
                availability=["tue-evening"],
            )
            answer(portrait, "occupation", occupations[k % len(occupations)])
            answer(portrait, "age_bracket", ages[(k * 5) % len(ages)])
            answer(portrait, "languages", ["fr"])
            registrations.append(
                Registration.objects.create(
                    season=season,
                    user=user,
                    availability=slots or ["tue-evening", "sat-morning"],
                    max_km=10,
                )
            )
        return registrations

    return make


@dataclass
class Proposed:
    """A proposed season: circle one (Tuesday evening, six people), circle two (Saturday
    morning, five people), and one registered person left waiting."""

    season: Season
    first: Circle
    second: Circle
    registrations: list[Registration]
    waiting: Registration


@pytest.fixture
def proposed(cast: Cast, season: Season, crowd: Crowd) -> Proposed:
    registrations = crowd(season, 12)
    first = Circle.objects.create(
        season=season, venue=cast.venue, slot="tue-evening", number=1, diversity=1.0
    )
    second = Circle.objects.create(
        season=season, venue=cast.venue, slot="sat-morning", number=2, diversity=1.0
    )
    for registration in registrations[:6]:
        Membership.objects.create(circle=first, user=registration.user)
    for registration in registrations[6:11]:
        Membership.objects.create(circle=second, user=registration.user)
    waiting = registrations[11]
    Unplaced.objects.create(season=season, user=waiting.user, code="too_few_nearby")
    Season.objects.filter(pk=season.pk).update(state=SeasonState.PROPOSED)
    season.refresh_from_db()
    return Proposed(season, first, second, registrations, waiting)
