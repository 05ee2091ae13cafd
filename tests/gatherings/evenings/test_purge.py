"""Thirty days after an evening, nothing about its people remains."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.conftest import Crowd, make_evening
from tierslien.gatherings.evenings import services
from tierslien.gatherings.models import Attendee, Companion, Evening, EveningState, Seat

pytestmark = pytest.mark.django_db

EVENING = datetime.datetime(2026, 11, 20, 19, 0, tzinfo=datetime.UTC)


@time_machine.travel(EVENING, tick=False)
def _held_evening(cast: Cast, crowd: Crowd) -> Evening:
    evening = make_evening(cast, starts_at=EVENING)
    people = crowd(evening, 9)
    services.check_in(evening, first_name="Ana", answers={}, came_with=[people[0].pk])
    services.compose_tables(evening)
    services.mark_held(evening)
    return evening


def test_purge_waits_thirty_days_then_keeps_only_the_head_count(cast: Cast, crowd: Crowd) -> None:
    evening = _held_evening(cast, crowd)
    other = make_evening(cast, starts_at=EVENING + datetime.timedelta(days=10))
    crowd(other, 4)
    with time_machine.travel(EVENING + datetime.timedelta(days=29, hours=23), tick=False):
        assert services.purge_evenings(timezone.now()) == 0
    assert Attendee.objects.filter(evening=evening).count() == 10
    with time_machine.travel(EVENING + datetime.timedelta(days=30, minutes=1), tick=False):
        assert services.purge_evenings(timezone.now()) == 1
        assert services.purge_evenings(timezone.now()) == 0  # nothing twice
    evening.refresh_from_db()
    assert evening.state == EveningState.PURGED
    assert evening.attendee_count == 10
    assert not Attendee.objects.filter(evening=evening).exists()
    assert not Seat.objects.filter(evening=evening).exists()
    assert not Companion.objects.exists()
    assert Attendee.objects.filter(evening=other).count() == 4


def test_purge_command(cast: Cast, crowd: Crowd, capsys: pytest.CaptureFixture[str]) -> None:
    evening = _held_evening(cast, crowd)
    with time_machine.travel(EVENING + datetime.timedelta(days=31), tick=False):
        call_command("purge_evenings")
    assert "1" in capsys.readouterr().out
    evening.refresh_from_db()
    assert evening.state == EveningState.PURGED
    assert not Attendee.objects.exists()


def test_an_evening_never_composed_is_purged_too(cast: Cast, crowd: Crowd) -> None:
    with time_machine.travel(EVENING, tick=False):
        evening = make_evening(cast, starts_at=EVENING)
        crowd(evening, 2)
    assert services.purge_evenings(EVENING + datetime.timedelta(days=31)) == 1
    assert not Attendee.objects.exists()
