"""Giving a seat, after publication, to someone who registered late or was left unplaced.

A published season still takes registrations until its first meeting (the season
then runs and registration closes for good); nobody is placed automatically. The
facilitator sees everyone waiting for a seat on the season's circles page
(`pages.waiting_people`) and offers one, either by letting the engine choose
(`mixing.place_late`, its incremental mode: existing circles keep their venue,
time and members, the newcomer goes where there is room and every rule holds),
or by choosing a circle themselves — refused, with the reasons in plain words,
when a rule of the engine would break. No circle is opened after publication,
and people who gave their seat back are not offered another one. The person is
invited like every member: an email with the calendar, then confirm or decline
(`_seats.give_seats`, the same write as the refill of freed seats).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tierslien import mixing
from tierslien.circles.actions._seats import gave_back, give_seats, home_circle, locked_placeable
from tierslien.circles.actions.review import (
    BreaksRules,
    Current,
    ReviewError,
    load,
    refuse_breaking,
)
from tierslien.circles.lifecycle import PLACEABLE
from tierslien.circles.models import Circle, Membership, Season
from tierslien.mixing import without_people

MAX_SECONDS = 2.0


class NotPlaceable(ReviewError):
    """The season is not published or running."""

    message = _("Seats can be offered only while the circles meet.")


class NotWaiting(ReviewError):
    """The person is not waiting for a seat in this season (placed, gave it back, unknown)."""

    message = _("This person is no longer waiting for a seat.")


class NoSeat(ReviewError):
    """The engine found no existing circle with room that keeps every rule with them."""

    message = _(
        "Nothing was changed: no circle with room keeps every rule with this person "
        "(their times, distance, access or meeting mode). No new circle is opened "
        "once the circles are published."
    )


class SeatBreaksRules(BreaksRules):
    """The chosen circle would break a rule with them: never set aside after publication."""

    message = never = _("Nothing was changed: %(problems)s")


def _waiting_pid(current: Current, season: Season, user_id: int) -> str:
    pid = current.pid_of.get(user_id)
    if pid is None or any(pid in members for members in current.groups.values()):
        raise NotWaiting
    if user_id in gave_back(season):
        raise NotWaiting
    return pid


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
    for group in result.solution.rounds[0].groups if result.solution.rounds else ():
        if pid not in group.members:
            continue
        home = home_circle(current, group)
        if home is not None:
            return home
    raise NoSeat


def place_waiting(season: Season, user_id: int, *, to_circle_id: int | None = None) -> Circle:
    """Offer someone waiting a seat: in `to_circle_id`, or where the engine puts them."""
    if season.state not in PLACEABLE:
        raise NotPlaceable
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
    locked = locked_placeable(season)
    if locked is None:
        raise NotPlaceable
    if Membership.objects.filter(circle__season=locked, user_id=user_id).exists():
        raise NotWaiting
    current = load(locked)
    pid = _waiting_pid(current, locked, user_id)
    circle = current.circle(circle_id)
    changed = {key: list(members) for key, members in current.groups.items()}
    changed[circle.pk].append(pid)
    refuse_breaking(current, changed, [circle.pk], force=False, refusal=SeatBreaksRules)
    give_seats(locked, current, [(circle, pid)], groups=changed, refresh=[circle.pk])
    return circle
