"""Attack replays for the "Trust" issue: what a season, an evening and a report leave behind.

Each test replays what the attacker did and shows that it no longer works.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, make_user
from tests.gatherings.conftest import make_evening
from tests.moderation.conftest import make_circle, make_season
from tierslien.accounts.models import User
from tierslien.gatherings import services as gatherings
from tierslien.gatherings.models import Attendee, DoorCodeMiss, Evening
from tierslien.gatherings.models.evening import DOOR_CODE_MAX_MISSES
from tierslien.moderation import services as moderation
from tierslien.moderation.models import Removal, Report, ReportState
from tierslien.privacy.services import delete_account

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")


# --- 9. Reports outlive the accounts of the reported person and of the facilitator ---


def test_a_report_outlives_the_reported_persons_account(cast: Cast, client_as) -> None:  # type: ignore[no-untyped-def]
    carla = make_user("carla@example.org", "Carla", language="en")
    circle = make_circle(make_season(cast.territory), [cast.participant, carla])
    report = Report.objects.create(
        reporter=cast.participant,
        circle=circle,
        reported=carla,
        message_id=7,
        message_text="Carla's insulting words",
        reason="She insulted me",
    )

    delete_account(carla)

    report.refresh_from_db()
    assert report.reported is None
    assert report.reported_deleted
    assert (report.message_id, report.message_text) == (None, "")
    assert report.reason == "She insulted me"  # the reporter's words stay
    page = client_as("facilitator").get(reverse("manage_report_list", args=[cast.territory.slug]))
    text = page.content.decode()
    assert "She insulted me" in text
    assert "a deleted account" in text
    assert "insulting words" not in text
    assert "Carla" not in text


def test_a_report_outlives_the_account_of_the_facilitator_who_handled_it(cast: Cast) -> None:
    circle = make_circle(make_season(cast.territory), [cast.participant, cast.co_member])
    report = Report.objects.create(
        reporter=cast.participant, circle=circle, reported=cast.co_member, reason="Rude"
    )
    moderation.mark_handled(report, acting_user=cast.facilitator)

    delete_account(cast.facilitator)

    report.refresh_from_db()
    assert report.state == ReportState.HANDLED
    assert report.handled_by is None
    assert report.handled_at is not None
    assert report.reported == cast.co_member  # nothing else changed


def test_a_removal_outlives_the_account_of_the_facilitator_who_removed(cast: Cast) -> None:
    circle = make_circle(make_season(cast.territory), [cast.participant, cast.co_member])
    removal = Removal.objects.create(
        circle=circle, user=cast.co_member, removed_by=cast.facilitator, removed_at=MOMENT
    )

    delete_account(cast.facilitator)

    removal.refresh_from_db()
    assert removal.removed_by is None
    assert removal.user == cast.co_member


# --- 8. Self check-in to a discovery evening from home, days ahead ---


def _evening_snapshot(evening: Evening) -> tuple[object, ...]:
    evening.refresh_from_db()
    return (
        evening.state,
        evening.attendee_count,
        list(Attendee.objects.values_list("pk", "user_id", "first_name")),
    )


def _join(client: Client, evening: Evening, code: str) -> str:
    target = reverse("evening_join", args=[evening.territory.slug, evening.pk])
    return client.post(target, {"code": code}, follow=True).content.decode()


def test_remote_check_in_days_ahead_is_refused_even_with_the_right_code(
    cast: Cast, client_as
) -> None:  # type: ignore[no-untyped-def]
    evening = make_evening(cast, starts_at=MOMENT + datetime.timedelta(days=3))
    other = make_evening(cast, other=True, starts_at=MOMENT + datetime.timedelta(days=3))
    before = _evening_snapshot(evening), _evening_snapshot(other)
    client = client_as("outsider")
    with time_machine.travel(MOMENT, tick=False):
        page = _join(client, evening, evening.door_code)
        assert "only on the evening" in page
        # Another territory's evening, by its own address: refused the same way.
        target = reverse("evening_join", args=[other.territory.slug, other.pk])
        client.post(target, {"code": other.door_code})
    with time_machine.travel(evening.starts_at - datetime.timedelta(minutes=31), tick=False):
        _join(client, evening, evening.door_code)  # a minute too early
    assert (_evening_snapshot(evening), _evening_snapshot(other)) == before


def test_wrong_codes_are_refused_and_counted_then_only_the_door_admits(
    cast: Cast, client_as
) -> None:  # type: ignore[no-untyped-def]
    evening = make_evening(cast, starts_at=MOMENT)
    before = _evening_snapshot(evening)
    wrong = f"{(int(evening.door_code) + 1) % 10**6:06d}"
    client = client_as("outsider")
    with time_machine.travel(MOMENT, tick=False):
        for _ in range(DOOR_CODE_MAX_MISSES):
            assert "not the code shown in the room" in _join(client, evening, wrong)
        assert _evening_snapshot(evening) == before
        # Guessing is over for this account, even with the right code.
        assert "Too many wrong codes" in _join(client, evening, evening.door_code)
    assert _evening_snapshot(evening) == before
    assert DoorCodeMiss.objects.get(user=cast.outsider).misses == DOOR_CODE_MAX_MISSES


def test_on_the_evening_with_the_code_one_is_checked_in(cast: Cast, client_as) -> None:  # type: ignore[no-untyped-def]
    evening = make_evening(cast, starts_at=MOMENT)
    with time_machine.travel(MOMENT, tick=False):
        assert "You are checked in" in _join(client_as("participant"), evening, evening.door_code)
    assert Attendee.objects.get().user == cast.participant


def test_the_purge_forgets_wrong_codes(cast: Cast) -> None:
    evening = make_evening(cast, starts_at=MOMENT)
    with pytest.raises(gatherings.WrongDoorCode):
        gatherings.check_in_account(evening, cast.outsider, code="no", now=MOMENT)
    gatherings.purge_evenings(MOMENT + datetime.timedelta(days=31))
    assert not DoorCodeMiss.objects.exists()
