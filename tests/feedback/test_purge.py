"""Thirty days after the last session, a season's content is erased; who met whom is kept."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone, translation

from tests.cast import Cast, make_user
from tests.moderation.conftest import LAST_END, make_circle, make_season
from tierslien.accounts.models import User
from tierslien.circles.engine import build_problem
from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.feedback import services
from tierslien.feedback.models import FeedbackBag, FeedbackGiven, KeepInTouch, SeasonTally
from tierslien.feedback.purge import purge_finished_circles
from tierslien.feedback.report import build_report, report_csv
from tierslien.moderation.models import Block, Removal, Report

pytestmark = pytest.mark.django_db

DUE = LAST_END + datetime.timedelta(days=30)


def _lived(cast: Cast, circle: Circle, carla: User) -> None:
    """A season's worth of content: a report, wishes, feedback with a comment, a block."""
    with time_machine.travel(LAST_END + datetime.timedelta(hours=1), tick=False):
        Report.objects.create(
            reporter=cast.participant, circle=circle, message_id=1, message_text="t", reason="r"
        )
        Removal.objects.create(
            circle=circle, user=carla, removed_by=cast.facilitator, removed_at=timezone.now()
        )
        services.set_wishes(cast.participant, circle, [cast.co_member.pk])
        services.give_feedback(
            cast.participant,
            circle,
            met_different="yes",
            felt_safe="yes",
            come_again="yes",
            comment="Alice was lovely",
        )
        Block.objects.create(blocker=cast.co_member, blocked=carla)


def _space_content(cast: Cast, circle: Circle) -> list[type]:
    """A message, an aid post and an attendance in the circle's space, when spaces exists."""
    if not apps.is_installed("tierslien.spaces"):
        return []
    from tierslien.spaces.models import AidPost, Attendance, Message

    moment = LAST_END
    Message.objects.create(circle=circle, author=cast.participant, text="Hi", created_at=moment)
    AidPost.objects.create(
        circle=circle, author=cast.co_member, kind="need", title="A", text="B", created_at=moment
    )
    Attendance.objects.create(
        circle=circle, user=cast.participant, session=1, answer="coming", updated_at=moment
    )
    return [Message, AidPost, Attendance]


@pytest.mark.parametrize("state", ["published", "running", "closed"])
def test_purge_waits_thirty_days_then_erases_the_content(
    cast: Cast, circle: Circle, carla: User, state: str
) -> None:
    Season.objects.filter(pk=circle.season_id).update(state=state)
    circle.refresh_from_db()
    _lived(cast, circle, carla)
    space_models = _space_content(cast, circle)

    assert purge_finished_circles(DUE - datetime.timedelta(minutes=1)) == 0
    assert Report.objects.exists() and KeepInTouch.objects.exists()

    assert purge_finished_circles(DUE) == 1
    assert purge_finished_circles(DUE + datetime.timedelta(days=1)) == 0  # nothing twice

    season = Season.objects.get(pk=circle.season_id)
    assert season.state == SeasonState.PURGED
    assert not Report.objects.exists()
    assert not KeepInTouch.objects.exists()
    assert not FeedbackGiven.objects.exists()
    for model in space_models:
        assert not model.objects.filter(circle=circle).exists(), model
    # What remains: who met whom, the anonymous answers (without free text), blocks, removals.
    assert Membership.objects.filter(circle=circle).count() == 3
    bag = FeedbackBag.objects.get(season=season)
    assert (bag.answers, bag.comments) == ([["yes", "yes", "yes"]], [])
    assert Block.objects.count() == 1
    assert Removal.objects.count() == 1
    if space_models:  # attendance is counted before it is erased, for the report
        assert SeasonTally.objects.get(season=season).attendance == {"1": 1}
        assert services.attendance_counts(season) == {1: 1}


def test_a_season_still_to_come_is_left_alone(cast: Cast, circle: Circle, carla: User) -> None:
    later = make_season(cast.territory, name="Later")
    Season.objects.filter(pk=later.pk).update(first_week=datetime.date(2026, 11, 2))
    later_circle = make_circle(Season.objects.get(pk=later.pk), [carla])
    Report.objects.create(reporter=carla, circle=later_circle, reason="r")
    assert purge_finished_circles(DUE) == 1
    assert Report.objects.filter(circle=later_circle).exists()
    assert Season.objects.get(pk=later.pk).state == SeasonState.PUBLISHED


def test_people_who_met_stay_apart_after_the_purge(cast: Cast, circle: Circle) -> None:
    purge_finished_circles(DUE)
    assert Season.objects.get(pk=circle.season_id).state == SeasonState.PURGED
    following = make_season(cast.territory, state="open", name="Next")
    people = [cast.participant, cast.co_member] + [
        make_user(f"n{k}@example.org", f"N{k}") for k in range(4)
    ]
    ids = {
        u.pk: Registration.objects.create(
            season=following, user=u, availability=["tue-evening"], max_km=5
        ).person_id
        for u in people
    }
    met = {tuple(sorted(pair)) for pair in build_problem(following).problem.met_before}
    assert tuple(sorted((ids[cast.participant.pk], ids[cast.co_member.pk]))) in met


def test_the_daily_command_purges_once(
    cast: Cast, circle: Circle, carla: User, capsys: pytest.CaptureFixture[str]
) -> None:
    _lived(cast, circle, carla)
    with time_machine.travel(DUE + datetime.timedelta(hours=1), tick=False):
        call_command("purge_circles")
        call_command("purge_circles")  # the next day's run, or a cron that ran twice
    out = capsys.readouterr().out
    assert "1 season(s) purged." in out and "0 season(s) purged." in out
    assert not Report.objects.exists()
    assert Season.objects.get(pk=circle.season_id).state == SeasonState.PURGED


# --- Registrations and "unplaced" rows go with the purge; their counts stay ---


def _registered(season: Season, users: list[User]) -> None:
    Registration.objects.bulk_create(
        Registration(season=season, user=user, availability=["tue-evening"], max_km=7)
        for user in users
    )


def test_registrations_and_unplaced_rows_go_with_the_purge(
    cast: Cast, circle: Circle, carla: User, client_as: Any
) -> None:
    season = circle.season
    crowd = [make_user(f"g{k}@example.org", f"G{k}") for k in range(10)]
    _registered(season, [cast.participant, cast.co_member, carla, *crowd])
    Unplaced.objects.create(season=season, user=crowd[0], code="no_time", message="none")
    Membership.objects.filter(circle=circle).update(
        invited_at=LAST_END, respond_by=LAST_END, responded_at=LAST_END
    )
    other = make_season(cast.territory, name="Still open", state="open")
    _registered(other, [cast.participant])

    assert purge_finished_circles(DUE) == 1

    assert not Registration.objects.filter(season=season).exists()
    assert not Unplaced.objects.filter(season=season).exists()
    assert Registration.objects.filter(season=other).count() == 1  # other seasons untouched
    memberships = Membership.objects.filter(circle=circle)
    assert memberships.count() == 3  # "met before" still reads them
    assert set(memberships.values_list("invited_at", "respond_by", "responded_at")) == {
        (None, None, None)
    }
    tally = SeasonTally.objects.get(season=season)
    assert (tally.registered, tally.unplaced) == (13, 1)
    with translation.override("en"):
        rows = report_csv(season, build_report(Season.objects.get(pk=season.pk)))
    assert "Participation and placement,Registered,13" in rows


def test_a_season_purged_earlier_loses_its_registrations_on_the_next_run(
    cast: Cast, circle: Circle, carla: User
) -> None:
    season = circle.season
    _registered(season, [cast.participant, carla])
    Unplaced.objects.create(season=season, user=cast.co_member, code="no_time")
    FeedbackGiven.objects.create(user=carla, season=season)
    Season.objects.filter(pk=season.pk).update(state=SeasonState.PURGED)  # by the old purge

    assert purge_finished_circles(DUE) == 0  # not purged again, but finished
    assert not Registration.objects.filter(season=season).exists()
    assert not Unplaced.objects.filter(season=season).exists()
    assert not FeedbackGiven.objects.filter(season=season).exists()
    tally = SeasonTally.objects.get(season=season)
    assert (tally.registered, tally.unplaced) == (2, 1)
    assert purge_finished_circles(DUE) == 0
    assert SeasonTally.objects.get(season=season).registered == 2  # counted once


def test_a_season_where_nobody_was_placed_is_purged_too(cast: Cast) -> None:
    season = make_season(cast.territory, name="Nobody placed")
    _registered(season, [cast.participant])
    Unplaced.objects.create(season=season, user=cast.participant, code="no_time")
    # Without circles, the season ends with its last week of meetings (Monday 2 November).
    last_week_end = datetime.datetime(2026, 11, 1, 23, 0, tzinfo=datetime.UTC)
    assert purge_finished_circles(last_week_end + datetime.timedelta(days=30, minutes=-1)) == 0
    assert purge_finished_circles(last_week_end + datetime.timedelta(days=30)) == 1
    assert Season.objects.get(pk=season.pk).state == SeasonState.PURGED
    assert not Registration.objects.exists() and not Unplaced.objects.exists()


def test_a_purged_season_without_a_tally_has_no_attendance(cast: Cast, circle: Circle) -> None:
    Season.objects.filter(pk=circle.season_id).update(state=SeasonState.PURGED)
    assert services.attendance_counts(Season.objects.get(pk=circle.season_id)) is None


def test_the_report_of_a_purged_season_still_counts_attendance(
    cast: Cast, circle: Circle, client_as: object
) -> None:
    from django.urls import reverse

    SeasonTally.objects.create(season=circle.season, attendance={"1": 12, "2": 3})
    Season.objects.filter(pk=circle.season_id).update(state=SeasonState.PURGED)
    page = client_as("facilitator").get(  # type: ignore[operator]
        reverse("manage_season_report", args=[cast.territory.slug, circle.season_id])
    )
    html = page.content.decode()
    assert "Members who said they would come" in html
    assert "Session 1: 12" in html
    assert "Session 2: fewer than 11" in html


def test_circles_without_a_weekly_slot_are_purged_after_the_last_week(
    cast: Cast, circle: Circle
) -> None:
    Circle.objects.filter(pk=circle.pk).update(slot="")
    last_week_ends = datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC)  # Monday after the 4th
    assert purge_finished_circles(last_week_ends + datetime.timedelta(days=29)) == 0
    assert purge_finished_circles(last_week_ends + datetime.timedelta(days=30)) == 1


def test_an_online_circle_loses_its_meeting_link_with_the_purge(circle: Circle) -> None:
    Circle.objects.filter(pk=circle.pk).update(
        online=True, venue=None, meeting_link="https://visio.example.net/room"
    )
    assert purge_finished_circles(DUE) == 1
    circle.refresh_from_db()
    assert circle.online and circle.meeting_link == ""
