"""A published circle with three members, and a facilitator without an authenticator."""

from __future__ import annotations

import datetime

import pytest

from tests.cast import Cast, make_user
from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Membership, Season
from tierslien.territories.models import Territory

# A season whose four weekly Tuesday-evening meetings end on 2026-10-27 at 20:30 (Paris).
FIRST_WEEK = datetime.date(2026, 10, 5)
LAST_END = datetime.datetime(2026, 10, 27, 19, 30, tzinfo=datetime.UTC)


def make_season(territory: Territory, *, state: str = "published", name: str = "Automne") -> Season:
    return Season.objects.create(
        territory=territory,
        name=name,
        registration_opens=datetime.date(2026, 9, 1),
        registration_closes=datetime.date(2026, 9, 20),
        first_week=FIRST_WEEK,
        sessions=4,
        session_minutes=90,
        state=state,
    )


def make_circle(season: Season, members: list[User], *, number: int = 1) -> Circle:
    circle = Circle.objects.create(season=season, slot="tue-evening", number=number)
    Membership.objects.bulk_create([Membership(circle=circle, user=user) for user in members])
    return circle


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")


@pytest.fixture
def carla(cast: Cast) -> User:
    return make_user("carla@example.org", "Carla", language="en")


@pytest.fixture
def season(cast: Cast) -> Season:
    return make_season(cast.territory)


@pytest.fixture
def circle(cast: Cast, season: Season, carla: User) -> Circle:
    return make_circle(season, [cast.participant, cast.co_member, carla])
