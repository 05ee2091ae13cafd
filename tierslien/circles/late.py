"""Giving a seat, after publication, to someone who registered late or was left unplaced.

A published season still takes registrations until its first meeting (the season
then runs and registration closes for good); nobody is placed automatically. The
facilitator sees everyone waiting for a seat on the season's circles page and
offers one, either by letting the engine choose (`mixing.place_late`, its
incremental mode: existing circles keep their venue, time and members, the
newcomer goes where there is room and every rule holds), or by choosing a circle
themselves — refused, with the reasons in plain words, when a rule of the engine
would break. No circle is opened after publication, and people who gave their
seat back are not offered another one. The person is invited like every member:
an email with the calendar, then confirm or decline.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tierslien import mixing
from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.reasons import reason_text
from tierslien.circles.review import (
    BreaksRules,
    Current,
    ReviewError,
    load,
    refresh_scores,
    refuse_breaking,
)
from tierslien.mixing import without_people

# A season whose circles exist for their members and can still take one more.
PLACEABLE = (SeasonState.PUBLISHED, SeasonState.RUNNING)
MAX_SECONDS = 2.0
# Seats given back (publication.py): never offered another one.
GAVE_BACK = ("declined", "expired")


class NotPlaceable(ReviewError):
    """The season is not published or running."""


class NotWaiting(ReviewError):
    """The person is not waiting for a seat in this season (placed, gave it back, unknown)."""


class NoSeat(ReviewError):
    """The engine found no existing circle with room that keeps every rule with them."""


@dataclass(frozen=True)
class Waiting:
    user_id: int
    name: str
    late: bool  # registered after the composition (no reason from the engine)
    reason: Any  # the engine's reason in words, or None for a late registration
    registered_at: datetime.datetime


def waiting_people(season: Season) -> list[Waiting]:
    """Registered people without a seat, except those who gave theirs back (two queries)."""
    reasons = {
        user_id: (code, params)
        for user_id, code, params in Unplaced.objects.filter(season=season).values_list(
            "user_id", "code", "params"
        )
    }
    registrations = (
        Registration.objects.filter(season=season)
        .exclude(user__circle_memberships__circle__season=season)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    out = []
    for registration in registrations:
        code, params = reasons.get(registration.user_id, (None, None))
        if code in GAVE_BACK:
            continue
        out.append(
            Waiting(
                user_id=registration.user_id,
                name=registration.user.display_name,
                late=code is None,
                reason=reason_text(code, params) if code else None,
                registered_at=registration.created_at,
            )
        )
    return out


def _check(season: Season) -> None:
    if season.state not in PLACEABLE:
        raise NotPlaceable


def _waiting_pid(current: Current, season: Season, user_id: int) -> str:
    pid = current.pid_of.get(user_id)
    if pid is None or any(pid in members for members in current.groups.values()):
        raise NotWaiting
    if Unplaced.objects.filter(season=season, user_id=user_id, code__in=GAVE_BACK).exists():
        raise NotWaiting
    return pid


def _circle(current: Current, circle_id: int) -> Circle:
    for circle in current.circles:
        if circle.pk == circle_id:
            return circle
    raise Circle.DoesNotExist


def engine_choice(current: Current, pid: str) -> int:
    """The circle the engine's incremental mode puts `pid` in (only them: other people
    waiting and those who gave their seat back are left out of the problem)."""
    placed = {m for members in current.groups.values() for m in members}
    others = set(current.built.problem.index) - placed - {pid}
    problem = without_people(current.built.problem, others) if others else current.built.problem
    # In the facilitator's request: the composer's time limit, at most two seconds.
    result = mixing.place_late(
        problem,
        current.solution(),
        time_limit=min(settings.COMPOSE_TIME_LIMIT, MAX_SECONDS),
        seed=current.season.job_seed,
    )
    circle_of = {m: key for key, members in current.groups.items() for m in members}
    for group in result.solution.rounds[0].groups if result.solution.rounds else ():
        if pid not in group.members:
            continue
        homes = [circle_of[m] for m in group.members if m in circle_of]
        if homes:
            return max(set(homes), key=homes.count)
    raise NoSeat


def place_waiting(
    season: Season, user_id: int, *, to_circle_id: int | None = None, acting_user: Any
) -> Circle:
    """Offer someone waiting a seat: in `to_circle_id`, or where the engine puts them."""
    _check(season)
    if to_circle_id is not None:
        return _offer(season, user_id, to_circle_id)
    # The engine searches outside the lock (up to two seconds) on a copy read now; its
    # choice is checked again under the lock, against the circles as they are then.
    current = load(season)
    pid = _waiting_pid(current, season, user_id)
    try:
        return _offer(season, user_id, engine_choice(current, pid))
    except (mixing.ProblemError, BreaksRules):  # the engine's seat must keep every rule too
        raise NoSeat from None


@transaction.atomic
def _offer(season: Season, user_id: int, circle_id: int) -> Circle:
    """Lock the season, then read its circles: concurrent offers are checked one after the
    other, each against the seats the previous ones took (never a copy read before)."""
    from tierslien.circles.publication import _invite, _memberships

    locked = Season.objects.select_for_update().get(pk=season.pk)
    _check(locked)
    if Membership.objects.filter(circle__season=locked, user_id=user_id).exists():
        raise NotWaiting
    current = load(locked)
    pid = _waiting_pid(current, locked, user_id)
    circle = _circle(current, circle_id)
    changed = {key: list(members) for key, members in current.groups.items()}
    changed[circle.pk].append(pid)
    refuse_breaking(current, changed, [circle.pk], force=False)
    Unplaced.objects.filter(season=locked, user_id=user_id).delete()
    membership = Membership.objects.create(circle=circle, user_id=user_id)
    fresh = list(_memberships(locked).filter(pk=membership.pk))
    _invite(fresh, locked, timezone.now())
    current.groups = changed
    refresh_scores(current, [circle.pk])
    return circle
