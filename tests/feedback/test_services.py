"""The anonymous form, its aggregates (nothing under 11), and mutual "keep in touch"."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings

from tests.cast import Cast, make_user
from tests.feedback.conftest import answers_stored, comments_stored
from tests.moderation.conftest import LAST_END
from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Season
from tierslien.feedback import services
from tierslien.feedback.models import FeedbackBag, FeedbackGiven, KeepInTouch

AFTER = LAST_END + datetime.timedelta(hours=1)
BEFORE = LAST_END - datetime.timedelta(minutes=1)


# --- Pure aggregates ---


def test_ten_answers_show_nothing() -> None:
    aggregates = services.aggregate([("yes", "yes", "yes")] * 10)
    assert aggregates.answers is None
    assert all(count is None for q in aggregates.questions for _choice, count in q.counts)


def test_eleven_answers_show_the_counts_of_eleven_or_more() -> None:
    aggregates = services.aggregate([("yes", "mostly", "maybe")] * 11)
    assert aggregates.answers == 11
    by_key = {q.key: dict(q.counts) for q in aggregates.questions}
    assert by_key["met_different"] == {"yes": 11, "some": None, "no": None}
    assert by_key["felt_safe"] == {"yes": None, "mostly": 11, "no": None}
    assert by_key["come_again"] == {"yes": None, "maybe": 11, "no": None}


def test_the_answers_name_nobody() -> None:
    fields = FeedbackBag._meta.concrete_fields
    assert not [
        f
        for f in fields
        if f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL
    ]
    assert {f.name for f in fields} == {"season", "answers", "comments"}
    assert {f.name for f in FeedbackGiven._meta.concrete_fields} == {"id", "user", "season"}


# --- Giving feedback ---


pytestmark = pytest.mark.django_db


def _give(user: User, circle: Circle, **extra: str) -> None:
    values = {"met_different": "yes", "felt_safe": "yes", "come_again": "yes"} | extra
    services.give_feedback(user, circle, **values)


@time_machine.travel(AFTER, tick=False)
def test_everybody_answers_once(cast: Cast, circle: Circle) -> None:
    _give(cast.participant, circle, comment="  Lovely  ")
    with pytest.raises(services.AlreadyAnswered):
        _give(cast.participant, circle)
    assert answers_stored() == 1
    assert comments_stored() == ["Lovely"]
    assert FeedbackGiven.objects.filter(user=cast.participant, season=circle.season).exists()


@time_machine.travel(BEFORE, tick=False)
def test_the_form_opens_after_the_last_session(cast: Cast, circle: Circle) -> None:
    assert not services.circle_has_ended(circle)
    with pytest.raises(services.FeedbackClosed):
        _give(cast.participant, circle)
    assert answers_stored() == 0
    assert not FeedbackGiven.objects.exists()


@time_machine.travel(BEFORE, tick=False)
def test_a_closed_season_is_over_whatever_the_calendar(circle: Circle) -> None:
    Season.objects.filter(pk=circle.season_id).update(state="closed")
    circle.refresh_from_db()
    assert services.circle_has_ended(circle)


@time_machine.travel(AFTER, tick=False)
@pytest.mark.parametrize(("state", "ended"), [("proposed", False), ("purged", False)])
def test_no_form_before_publication_or_after_the_purge(
    circle: Circle, state: str, ended: bool
) -> None:
    Season.objects.filter(pk=circle.season_id).update(state=state)
    circle.refresh_from_db()
    assert services.circle_has_ended(circle) is ended


@time_machine.travel(AFTER, tick=False)
def test_season_feedback_hides_comments_below_eleven(cast: Cast, circle: Circle) -> None:
    people = [make_user(f"f{k}@example.org", f"F{k}") for k in range(11)]
    for person in people[:10]:
        _give(person, circle, comment="Great")
    aggregates, comments = services.season_feedback(circle.season)
    assert aggregates.answers is None
    assert comments == []
    _give(people[10], circle)
    closed = services.form_closes_at(circle.season)
    aggregates, comments = services.season_feedback(circle.season, closed)
    assert aggregates.answers == 11
    assert comments == ["Great"] * 10


# --- The form closes for the whole season, then the answers are shown, all at once ---


def test_the_form_closes_fourteen_days_after_the_last_session(circle: Circle) -> None:
    assert services.form_closes_at(circle.season) == LAST_END + datetime.timedelta(days=14)
    closes = LAST_END + datetime.timedelta(days=14)
    assert services.form_is_open(circle, closes - datetime.timedelta(seconds=1))
    assert not services.form_is_open(circle, closes)


def test_no_answer_once_the_form_has_closed(cast: Cast, circle: Circle) -> None:
    closes = services.form_closes_at(circle.season)
    with pytest.raises(services.FeedbackClosed):
        _give(cast.participant, circle, now=closes)  # type: ignore[arg-type]
    assert answers_stored() == 0
    assert not FeedbackGiven.objects.exists()


def test_the_report_never_changes_by_fewer_than_eleven_answers(cast: Cast, circle: Circle) -> None:
    """Reloading the report after each answer and comparing: two consecutive visible
    states never differ by fewer than 11 answers (here: nothing, then all 25)."""
    people = [make_user(f"d{k}@example.org", f"D{k}") for k in range(25)]
    closes = services.form_closes_at(circle.season)
    choices = (("yes", "mostly", "maybe"), ("some", "yes", "yes"), ("no", "no", "no"))
    states: list[tuple[int, object]] = []  # (answers given, what the facilitator sees)
    for given, person in enumerate(people, start=1):
        moment = AFTER + datetime.timedelta(hours=given)
        met, felt, again = choices[given % 3]
        services.give_feedback(
            person, circle, met_different=met, felt_safe=felt, come_again=again,
            comment=f"c{given}", now=moment,
        )  # fmt: skip
        states.append((given, services.season_feedback(circle.season, moment)))
    states.append((len(people), services.season_feedback(circle.season, closes)))
    assert differences(states) == [25]


def differences(states: list[tuple[int, object]]) -> list[int]:
    """How many answers separate each visible state from the one seen before it."""
    shown: tuple[int, object] = (0, (services.aggregate([]), []))  # before any answer
    out = []
    for given, state in states:
        if state != shown[1]:
            out.append(given - shown[0])
            shown = (given, state)
    return out


# --- Keep in touch ---


@time_machine.travel(AFTER, tick=False)
def test_emails_are_revealed_only_to_pairs_who_both_said_yes(
    cast: Cast, circle: Circle, carla: User
) -> None:
    alice, bob = cast.participant, cast.co_member
    services.set_wishes(alice, circle, [bob.pk, carla.pk])
    assert services.mutual_contacts(alice, circle) == []
    assert services.mutual_contacts(bob, circle) == []
    assert services.mutual_contacts(carla, circle) == []
    services.set_wishes(bob, circle, [alice.pk])
    assert services.mutual_contacts(alice, circle) == [bob]
    assert services.mutual_contacts(bob, circle) == [alice]
    assert services.mutual_contacts(carla, circle) == []  # Carla said nothing


@time_machine.travel(AFTER, tick=False)
def test_one_sided_wish_is_never_revealed_either_way(
    cast: Cast, circle: Circle, carla: User
) -> None:
    services.set_wishes(carla, circle, [cast.participant.pk])
    services.set_wishes(cast.participant, circle, [cast.co_member.pk])
    assert services.mutual_contacts(cast.participant, circle) == []
    assert services.mutual_contacts(carla, circle) == []


@time_machine.travel(AFTER, tick=False)
def test_wishes_are_replaced_and_limited_to_fellow_members(cast: Cast, circle: Circle) -> None:
    alice = cast.participant
    services.set_wishes(alice, circle, [cast.co_member.pk, cast.outsider.pk, alice.pk])
    assert services.wishes(alice, circle) == {cast.co_member.pk}
    services.set_wishes(alice, circle, [])
    assert not KeepInTouch.objects.exists()


@time_machine.travel(BEFORE, tick=False)
def test_no_wishes_before_the_end(cast: Cast, circle: Circle) -> None:
    with pytest.raises(services.FeedbackClosed):
        services.set_wishes(cast.participant, circle, [cast.co_member.pk])
