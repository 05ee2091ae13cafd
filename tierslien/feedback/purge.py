"""Thirty days after a season's last session, erase what its circles wrote.

What remains: the circles and their memberships (the fact that these people
met, so that later seasons avoid repeats, exported and deleted with each
account; their invitation dates are blanked), the season's engine report, the
anonymous feedback choices (free comments are erased: they may name
people) and counts (`SeasonTally`: attendance, who came per session, registered, not
placed, and the turnout funnel, already suppressed: `funnel.py`).
Registrations (weekly availability, travel distance) and "unplaced" rows are
deleted. Blocks stay, for good.

`purge_finished_circles(now)` is what the daily command runs; it is idempotent:
a purged season is never purged twice, and a season purged before registrations
were part of the purge loses them on the next run (`sweep_purged`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, OuterRef

from tierslien.circles import lifecycle
from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.feedback import funnel
from tierslien.feedback.models import FeedbackBag, FeedbackGiven, KeepInTouch, SeasonTally
from tierslien.feedback.services import ENDED_STATES, attendance_counts, season_end
from tierslien.moderation.models import Report
from tierslien.privacy.retention import KEEP_CIRCLES_CONTENT
from tierslien.spaces.services import delete_circle_content as delete_space
from tierslien.spaces.turnout import came_counts

# The way to purged through the lifecycle, from each state a season meets in.
PATH = (SeasonState.RUNNING, SeasonState.CLOSED, SeasonState.PURGED)


def due_seasons(now: datetime.datetime) -> list[Season]:
    """Seasons whose last session ended at least 30 days before `now` (with or without
    circles: a season where nobody could be placed still holds registrations)."""
    seasons = list(Season.objects.filter(state__in=ENDED_STATES).order_by("pk"))
    slots: dict[int, set[str]] = defaultdict(set)
    for season_id, slot in Circle.objects.filter(season__in=seasons).values_list(
        "season_id", "slot"
    ):
        slots[season_id].add(slot)
    return [
        season
        for season in seasons
        if season_end(season, slots[season.pk]) + KEEP_CIRCLES_CONTENT <= now
    ]


def delete_circle_content(circle: Circle) -> None:
    """The circle's space (spaces app) and what moderation copied from it."""
    delete_space(circle)
    Report.objects.filter(circle=circle).delete()
    KeepInTouch.objects.filter(circle=circle).delete()
    if circle.meeting_link:  # an online circle's private room
        circle.meeting_link = ""
        circle.save(update_fields=["meeting_link"])


def _count_and_delete_people(season: Season) -> None:
    """Keep how many registered and were not placed (the report's figures), then delete the
    registrations (weekly availability, travel distance) and "unplaced" rows, and blank the
    memberships' invitation dates. "Met before" needs only who sat in which circle."""
    tally, _created = SeasonTally.objects.get_or_create(season=season)
    if tally.registered is None:
        tally.registered = Registration.objects.filter(season=season).count()
        tally.unplaced = Unplaced.objects.filter(season=season).count()
        tally.save(update_fields=["registered", "unplaced"])
    Registration.objects.filter(season=season).delete()
    Unplaced.objects.filter(season=season).delete()
    Membership.objects.filter(circle__season=season).exclude(
        invited_at=None, respond_by=None, responded_at=None
    ).update(invited_at=None, respond_by=None, responded_at=None)


def _close_the_form(season: Season) -> None:
    """The form closed for good: who answered goes, and the comments (they may name people);
    the anonymous choices stay for the report."""
    FeedbackGiven.objects.filter(season=season).delete()
    FeedbackBag.objects.filter(season=season).update(comments=[])


@transaction.atomic
def purge_season(season: Season) -> None:
    locked = Season.objects.select_for_update().get(pk=season.pk)
    if locked.state not in ENDED_STATES:
        return
    attendance = attendance_counts(locked)
    if attendance is not None:  # counts only: kept for the season report
        SeasonTally.objects.update_or_create(
            season=locked, defaults={"attendance": {str(k): v for k, v in attendance.items()}}
        )
    # Who came (counts per session) and the funnel, before presences and registrations go.
    came = came_counts(Circle.objects.filter(season=locked))
    SeasonTally.objects.update_or_create(
        season=locked, defaults={"came": {str(k): v for k, v in sorted(came.items())}}
    )
    funnel.freeze(locked)
    for circle in Circle.objects.filter(season=locked).order_by("pk"):
        delete_circle_content(circle)
    _close_the_form(locked)
    _count_and_delete_people(locked)
    # published → running → closed → purged, each move checked by the circles lifecycle.
    remaining = PATH[PATH.index(locked.state) + 1 :] if locked.state in PATH else PATH
    for state in remaining:
        lifecycle.transition(locked, state)


@transaction.atomic
def sweep_purged(season: Season) -> None:
    """A season purged before registrations were purged too: finish the job."""
    locked = Season.objects.select_for_update().get(pk=season.pk)
    if locked.state == SeasonState.PURGED:
        _close_the_form(locked)
        _count_and_delete_people(locked)


def purge_finished_circles(now: datetime.datetime) -> int:
    """Purge every due season, each in its own transaction; the number purged.

    Also finishes seasons purged earlier that still hold registrations, "unplaced" rows,
    "has answered" rows or comments (idempotent: a second run finds nothing to do).
    """
    due = due_seasons(now)
    for season in due:
        purge_season(season)
    leftovers = Season.objects.filter(state=SeasonState.PURGED).filter(
        Exists(Registration.objects.filter(season=OuterRef("pk")))
        | Exists(Unplaced.objects.filter(season=OuterRef("pk")))
        | Exists(FeedbackGiven.objects.filter(season=OuterRef("pk")))
    )
    for season in leftovers.order_by("pk"):
        sweep_purged(season)
    return len(due)
