"""Attack replays for the "Trust" issue: what a season, an evening and a report leave behind.

Each test replays what the attacker did and shows that it no longer works.
"""

from __future__ import annotations

import datetime
import random

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, make_user
from tests.gatherings.conftest import make_evening
from tests.moderation.conftest import LAST_END, make_circle, make_season
from tierslien.accounts.models import User
from tierslien.circles.models import Season
from tierslien.feedback import services as feedback
from tierslien.feedback.models import FeedbackBag
from tierslien.gatherings.evenings import services as gatherings
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


# --- 7. Anonymous feedback tied to its author by the database ---

AFTER_THE_END = LAST_END + datetime.timedelta(hours=1)
# Six different answers, each with its own comment: whoever holds one is recognisable.
ANSWERS = [
    ("yes", "yes", "yes", "Loved it"),
    ("some", "mostly", "maybe", "Too short"),
    ("no", "no", "no", "Not for me"),
    ("yes", "mostly", "no", "Nice venue"),
    ("some", "yes", "yes", ""),
    ("no", "mostly", "maybe", "Karim was kind"),
]


def _answered_season(
    cast: Cast, people: list[User], order: list[int], pairing: list[int]
) -> Season:
    """People answer in `order`; person i gives ANSWERS[pairing[i]]."""
    season = make_season(cast.territory, state="closed", name=f"S{order}")
    circle = make_circle(season, people)
    for step, i in enumerate(order):
        met, felt, again, comment = ANSWERS[pairing[i]]
        feedback.give_feedback(
            people[i], circle, met_different=met, felt_safe=felt, come_again=again,
            comment=comment, now=AFTER_THE_END + datetime.timedelta(minutes=step),
        )  # fmt: skip
    return season


def _raw(sql: str, params: list[object]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _what_the_reader_sees(season: Season) -> dict[str, object]:
    """Every table the form writes, read raw with its system columns, reduced to what could
    link an answer to a person: orders, relative ids, transaction ids, the stored answers."""
    if connection.vendor == "postgresql":
        system = "xmin::text, ctid::text"
        physical = "ctid"
    else:
        system = "rowid, rowid"
        physical = "rowid"
    given = _raw(
        f"SELECT {system}, id, user_id FROM feedback_feedbackgiven "
        f"WHERE season_id = %s ORDER BY {physical}",
        [season.pk],
    )
    bags = _raw(
        f"SELECT {system}, answers, comments FROM feedback_feedbackbag WHERE season_id = %s",
        [season.pk],
    )
    users_in_physical_order = [row[3] for row in given]
    users_in_id_order = [row[3] for row in sorted(given, key=lambda row: int(str(row[2])))]
    first_id = min(int(str(row[2])) for row in given)
    (bag,) = bags
    return {
        "physical order": users_in_physical_order,
        "id order": users_in_id_order,
        "relative ids": [int(str(row[2])) - first_id for row in given],
        # one transaction wrote every row (PostgreSQL), so xmin names nobody
        "distinct xmin": len({row[0] for row in given} | {bag[0]})
        if connection.vendor == "postgresql"
        else 1,
        "answers": bag[2],
        "comments": bag[3],
    }


@pytest.mark.django_db(transaction=True)
def test_the_database_cannot_tell_who_gave_which_answer(cast: Cast) -> None:
    """Two seasons with the same six people and the same six answers, but people answer in
    different orders and give different answers: the reader sees exactly the same thing."""
    people = [make_user(f"p{k}@example.org", f"P{k}") for k in range(6)]
    rng = random.Random(7)
    order_a, order_b = list(range(6)), list(range(6))
    rng.shuffle(order_a)
    rng.shuffle(order_b)
    pairing_b = [5, 4, 3, 2, 1, 0]
    assert order_a != order_b and order_a != sorted(order_a)

    season_a = _answered_season(cast, people, order_a, list(range(6)))
    season_b = _answered_season(cast, people, order_b, pairing_b)
    seen_a, seen_b = _what_the_reader_sees(season_a), _what_the_reader_sees(season_b)

    assert seen_a == seen_b  # nothing depends on who answered what, nor when
    ids = sorted(person.pk for person in people)
    assert seen_a["physical order"] == seen_a["id order"] == ids  # not the order of answers
    assert seen_a["relative ids"] == list(range(6))
    assert seen_a["distinct xmin"] == 1
    # What is kept: every answer and comment, nothing lost.
    bag = FeedbackBag.objects.get(season=season_a)
    assert sorted(map(tuple, bag.answers)) == sorted(answer[:3] for answer in ANSWERS)
    assert bag.comments == sorted(answer[3] for answer in ANSWERS if answer[3])


@pytest.mark.django_db(transaction=True)
def test_answering_leaves_the_season_row_untouched(cast: Cast) -> None:
    people = [make_user(f"q{k}@example.org", f"Q{k}") for k in range(2)]
    season = make_season(cast.territory, state="closed", name="Quiet")
    circle = make_circle(season, people)
    system = "xmin::text" if connection.vendor == "postgresql" else "rowid"
    query = f"SELECT {system}, updated_at FROM circles_season WHERE id = %s"
    before = _raw(query, [season.pk])
    feedback.give_feedback(
        people[0], circle, met_different="yes", felt_safe="yes", come_again="yes",
        now=AFTER_THE_END,
    )  # fmt: skip
    assert _raw(query, [season.pk]) == before


# --- 11. The live report, compared after each new answer ---


def test_reloading_the_report_after_each_answer_reveals_no_single_answer(
    cast: Cast, client_as
) -> None:  # type: ignore[no-untyped-def]
    people = [make_user(f"r{k}@example.org", f"R{k}") for k in range(24)]
    season = make_season(cast.territory, name="Watched")
    circle = make_circle(season, people)
    target = reverse("manage_season_report", args=[cast.territory.slug, season.pk])
    facilitator = client_as("facilitator")

    def seen() -> str:
        html = facilitator.get(target).content.decode()
        start = html.index('id="section-feedback"')
        return html[start : html.index("</section>", start)]

    with time_machine.travel(AFTER_THE_END, tick=False):
        states: list[tuple[int, str]] = [(0, seen())]
    for given, person in enumerate(people, start=1):
        moment = AFTER_THE_END + datetime.timedelta(hours=given)
        with time_machine.travel(moment, tick=False):
            feedback.give_feedback(
                person, circle, met_different=("yes", "some", "no")[given % 3],
                felt_safe="yes", come_again=("yes", "no")[given % 2], now=moment,
            )  # fmt: skip
            states.append((given, seen()))
    with time_machine.travel(feedback.form_closes_at(season), tick=False):
        states.append((len(people), seen()))

    shown = states[0]
    for given, state in states[1:]:
        if state != shown[1]:
            assert given - shown[0] >= feedback.THRESHOLD, (shown[0], given)
            shown = (given, state)
    assert shown[0] == 24  # and everything is shown in the end
