"""A running circle with two members who accepted the pact, at a fixed moment."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from tests.cast import Cast, make_user
from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Membership, Season
from tierslien.spaces.models import PactAcceptance

PARIS = ZoneInfo("Europe/Paris")
# Thursday 1 October 2026, 10:00 in Paris; the circle meets on Tuesdays from 6 October.
NOW = datetime.datetime(2026, 10, 1, 10, 0, tzinfo=PARIS)
_emails = itertools.count()


@dataclass
class Space:
    season: Season
    circle: Circle
    other_circle: Circle  # same season, another circle
    stranger: User  # a member of the other circle


@pytest.fixture(autouse=True)
def _frozen(time_machine: object) -> None:
    time_machine.move_to(NOW, tick=False)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    people = [u.pk for u in cast.roles().values() if u] + [cast.co_member.pk]
    User.objects.filter(pk__in=people).update(language="en")


def accept(circle: Circle, user: User) -> None:
    PactAcceptance.objects.create(circle=circle, user=user, accepted_at=NOW)


def add_member(circle: Circle, user: User | None = None, *, pact: bool = True) -> User:
    if user is None:
        n = next(_emails)
        user = make_user(f"member{n}@example.org", f"Member {n}", language="en")
    Membership.objects.create(circle=circle, user=user)
    if pact:
        accept(circle, user)
    return user


@pytest.fixture
def space(cast: Cast) -> Space:
    season = Season.objects.create(
        territory=cast.territory,
        name="Autumn circles",
        registration_opens=datetime.date(2026, 9, 1),
        registration_closes=datetime.date(2026, 9, 20),
        first_week=datetime.date(2026, 10, 5),
        sessions=4,
        session_minutes=90,
        state="running",
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    other = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=2)
    add_member(circle, cast.participant)
    add_member(circle, cast.co_member)
    stranger = add_member(other)
    return Space(season=season, circle=circle, other_circle=other, stranger=stranger)
