"""Thirty days after a season's last session, erase what its circles wrote.

What remains: the circles and their memberships (the fact that these people
met, so that later seasons avoid repeats, exported and deleted with each
account), the season's engine report, and the anonymous feedback counts
(free comments are blanked: they may name people). Blocks stay, for good.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.apps import apps
from django.db import transaction

from tierslien.circles import lifecycle
from tierslien.circles.models import Circle, Season, SeasonState
from tierslien.feedback.models import Feedback, FeedbackGiven, KeepInTouch, SeasonTally
from tierslien.feedback.services import ENDED_STATES, attendance_counts, season_end
from tierslien.moderation.models import Report

KEEP_FOR = datetime.timedelta(days=30)

# The way to purged through the lifecycle, from each state a season meets in.
PATH = (SeasonState.RUNNING, SeasonState.CLOSED, SeasonState.PURGED)


def due_seasons(now: datetime.datetime) -> list[Season]:
    """Seasons whose last session ended at least 30 days before `now`."""
    slots: dict[int, set[str]] = defaultdict(set)
    for season_id, slot in Circle.objects.filter(season__state__in=ENDED_STATES).values_list(
        "season_id", "slot"
    ):
        slots[season_id].add(slot)
    seasons = Season.objects.filter(pk__in=list(slots)).order_by("pk")
    due = []
    for season in seasons:
        if season_end(season, slots[season.pk]) + KEEP_FOR <= now:
            due.append(season)
    return due


def delete_circle_content(circle: Circle) -> None:
    """The circle's space (spaces app, when installed) and what moderation copied from it."""
    if apps.is_installed("tierslien.spaces"):
        from tierslien.spaces.services import delete_circle_content as delete_space

        delete_space(circle)
    Report.objects.filter(circle=circle).delete()
    KeepInTouch.objects.filter(circle=circle).delete()
    if circle.meeting_link:  # an online circle's private room
        circle.meeting_link = ""
        circle.save(update_fields=["meeting_link"])


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
    for circle in Circle.objects.filter(season=locked).order_by("pk"):
        delete_circle_content(circle)
    FeedbackGiven.objects.filter(season=locked).delete()
    Feedback.objects.filter(season=locked).exclude(comment="").update(comment="")
    # published → running → closed → purged, each move checked by the circles lifecycle.
    remaining = PATH[PATH.index(locked.state) + 1 :] if locked.state in PATH else PATH
    for state in remaining:
        lifecycle.transition(locked, state)


def purge_finished_circles(now: datetime.datetime) -> int:
    """Purge every due season, each in its own transaction; the number purged."""
    due = due_seasons(now)
    for season in due:
        purge_season(season)
    return len(due)
