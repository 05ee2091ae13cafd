"""Every seat-taking path locks before it reads: offers made at once never overfill a circle.

On PostgreSQL, several connections take seats at the same moment; SQLite serialises
every write transaction (BEGIN IMMEDIATE), and its in-memory test database cannot be
shared by threads, so these run on PostgreSQL only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.cast import Cast, make_user
from tests.circles.conftest import Proposed
from tierslien.accounts.models import User
from tierslien.circles import actions
from tierslien.circles.actions import late, publish
from tierslien.circles.models import Membership, Season, SeasonState
from tierslien.portraits.models import Portrait

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="needs several connections"),
]

RACERS = 6


def _publish(proposed: Proposed) -> Season:
    publish.publish_season(proposed.season)  # autocommit: sent
    proposed.season.refresh_from_db()
    assert proposed.season.state == SeasonState.PUBLISHED
    return proposed.season


def _newcomers(cast: Cast, season: Season) -> list[User]:
    users = []
    for n in range(RACERS):
        user = make_user(f"racer{n}@example.org", f"Racer {n}", language="en")
        Portrait.objects.create(user=user, territory=season.territory, sector=cast.sector)
        actions.join_season(user, season, availability=["sat-morning"], max_km=10)
        users.append(user)
    return users


def _all_at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as error:  # counted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.parametrize("chosen_by", ["facilitator", "engine"])
def test_six_offers_at_once_into_one_free_place_seat_exactly_one(
    cast: Cast, proposed: Proposed, chosen_by: str
) -> None:
    season = _publish(proposed)
    second = proposed.second
    assert Membership.objects.filter(circle=second).count() == season.max_size - 1
    racers = _newcomers(cast, season)
    target = second.pk if chosen_by == "facilitator" else None

    def offer(user: User) -> Callable[[], Any]:
        return lambda: late.place_waiting(season, user.pk, to_circle_id=target)

    results, errors = _all_at_once([offer(user) for user in racers])
    assert len(results) == 1, errors
    assert all(isinstance(e, late.ReviewError) for e in errors), errors
    assert Membership.objects.filter(circle=second).count() == season.max_size


def test_a_refill_and_an_offer_at_once_never_overfill(cast: Cast, proposed: Proposed) -> None:
    season = _publish(proposed)
    racers = _newcomers(cast, season)
    calls: list[Callable[[], Any]] = [
        lambda: publish.refill(season.pk),
        *[
            (lambda user=user: late.place_waiting(season, user.pk, to_circle_id=proposed.second.pk))
            for user in racers[:3]
        ],
    ]
    _all_at_once(calls)
    for circle in season.circles.all():
        assert Membership.objects.filter(circle=circle).count() <= season.max_size
