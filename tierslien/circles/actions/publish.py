"""Publishing a season's circles, members' answers, freed seats, and the season's clock.

- `publish_season`: in one transaction the season becomes *published* and every
  membership an invitation with a deadline; each member's email (in their
  language, with an .ics of every session) is rendered and queued in the outbox
  inside the transaction, and sent by the workers after it commits — a failure
  anywhere publishes nothing, sends nothing; a commit cannot lose an email.
- `answer_invitation`: confirm, or decline (the seat is freed).
- `expire_invitations`: invitations not answered in time free their seat.
- A freed seat is offered to someone of the season's unplaced list by the
  engine's incremental mode (`mixing.replace_declined`), in a background task;
  newcomers are invited the same way. Members already told about their circle
  are never moved and no circle is opened after publication: a circle left
  below the smallest size is flagged to the facilitator instead.
- `advance_seasons`: published → running when the first session has begun,
  running → closed when the last one has ended.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien import mixing
from tierslien.circles import lifecycle
from tierslien.circles.actions._queue import enqueue_on_commit
from tierslien.circles.actions._seats import (
    gave_back,
    give_seats,
    home_circle,
    locked_placeable,
)
from tierslien.circles.actions.invitations import (
    invite,
    memberships,
    render_invitation,
    respond_by,
)
from tierslien.circles.actions.review import load
from tierslien.circles.models import (
    DECLINED,
    EXPIRED,
    Circle,
    Membership,
    MembershipStatus,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.schedule import session_times
from tierslien.lib.refusals import Refused
from tierslien.outbox.models import Channel

log = logging.getLogger(__name__)


class NotInvited(Refused):
    """This membership has no invitation to answer (already confirmed, or season over)."""

    message = _("Your answer was already recorded.")


class CannotPublish(Refused):
    """Only a proposal can be published."""

    message = _("Only a proposal can be published.")


class CannotStart(Refused):
    """Only a published season can start."""

    message = _("Only a published season can start.")


# --- Publishing ---


@dataclass(frozen=True)
class Preview:
    """What publishing would send: how many invitations, and one of them as it would leave."""

    count: int
    channel: str
    subject: str
    body: str


def preview_publication(season: Season) -> Preview | None:
    """The invitations publishing would send, without writing or sending anything.

    The sample is the first member's invitation, rendered as `publish_season` would (same
    template, their language, the deadline publishing now would give). An invitation holds
    a display name, the circle, venue and dates: nothing sensitive. None without members.
    """
    seats = memberships(season).order_by("circle__number", "pk")
    count = seats.count()
    first = seats.first()
    if first is None:
        return None
    now = timezone.now()
    first.invited_at = now
    first.respond_by = respond_by(season, now)
    email = render_invitation(first)
    return Preview(
        count=count, channel=str(Channel.EMAIL.label), subject=email.subject, body=str(email.body)
    )


@transaction.atomic
def publish_season(season: Season) -> Season:
    """Proposed → published: every member invited, all at once or not at all."""
    current = Season.objects.select_for_update().get(pk=season.pk)
    if not lifecycle.can_transition(current.state, SeasonState.PUBLISHED):
        raise CannotPublish
    lifecycle.transition(current, SeasonState.PUBLISHED)
    Circle.objects.filter(season=current, locked=True).update(locked=False)
    invited = list(memberships(current).order_by("circle__number", "pk"))
    for membership in invited:
        membership.circle.season = current
    invite(invited, current, timezone.now())
    return current


# --- Answers ---


@transaction.atomic
def answer_invitation(
    membership: Membership, answer: str, *, answered_by: Any = None
) -> Membership | None:
    """Confirm (returns the membership) or decline (frees the seat, returns None).

    `answered_by`: the local contact who answered at the person's request (None when the
    person answers); kept on the membership, or on the unplaced record after a decline.
    """
    current = (
        Membership.objects.select_for_update()
        .select_related("circle", "circle__season")
        .filter(pk=membership.pk)
        .first()
    )
    if current is None or current.circle.season.state not in (
        SeasonState.PUBLISHED,
        SeasonState.RUNNING,
    ):
        raise NotInvited
    if answer == "confirm":
        if current.status != MembershipStatus.INVITED:
            raise NotInvited
        current.status = MembershipStatus.CONFIRMED
        current.responded_at = timezone.now()
        current.answered_by = answered_by
        current.save(update_fields=["status", "responded_at", "answered_by"])
        return current
    free_seat(current, DECLINED, answered_by=answered_by)
    return None


def free_seat(membership: Membership, code: str, *, answered_by: Any = None) -> None:
    """Give a seat back (inside the caller's transaction) and look for someone to take it."""
    circle = membership.circle
    season_id = circle.season_id
    Unplaced.objects.update_or_create(
        season_id=season_id,
        user_id=membership.user_id,
        defaults={"code": code, "params": {}, "message": "", "answered_by": answered_by},
    )
    membership.delete()
    field = "declined" if code == DECLINED else "expired"
    setattr(circle, field, getattr(circle, field) + 1)
    circle.save(update_fields=[field])
    enqueue_on_commit("refill_season", season_id)


def expire_invitations(now: datetime.datetime | None = None) -> int:
    """Free the seats of invitations not answered in time; returns how many."""
    now = now or timezone.now()
    count = 0
    overdue = Membership.objects.filter(
        status=MembershipStatus.INVITED,
        respond_by__lt=now,
        circle__season__state__in=(SeasonState.PUBLISHED, SeasonState.RUNNING),
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update()
                .select_related("circle")
                .filter(pk=pk, status=MembershipStatus.INVITED, respond_by__lt=now)
                .first()
            )
            if membership is not None:
                free_seat(membership, EXPIRED)
                count += 1
    return count


# --- Refilling freed seats with the engine ---


def refill(season_id: int, *, time_limit: float = 2.0) -> int:
    """Offer freed seats to unplaced people; returns how many were invited."""
    season = Season.objects.filter(pk=season_id).first()
    if season is None or season.state not in lifecycle.PLACEABLE:
        return 0
    current = load(season)
    gone = gave_back(season)
    declined = [pid for user_id, pid in current.pid_of.items() if user_id in gone]
    waiting = (
        set(current.pid_of.values())
        - {pid for members in current.groups.values() for pid in members}
        - set(declined)
    )
    if not waiting:
        return 0
    try:
        result = mixing.replace_declined(
            current.built.problem,
            current.solution(),
            declined,
            time_limit=time_limit,
            seed=season.job_seed,
        )
    except mixing.ProblemError:
        log.warning("season %s: no refill possible", season_id, exc_info=True)
        return 0
    # Newcomers joining a group that holds members of an existing circle join that circle.
    offers: dict[int, list[str]] = defaultdict(list)
    for group in result.solution.rounds[0].groups if result.solution.rounds else ():
        home = home_circle(current, group)
        if home is None:
            continue  # a new circle: none is opened after publication
        offers[home] += [m for m in group.members if m in waiting]
    return _place(season, offers)


@transaction.atomic
def _place(season: Season, offers: dict[int, list[str]]) -> int:
    """Lock the season, then read its circles again: the engine's offers were computed on
    a copy read before, so seats taken meanwhile (a facilitator's offer, another refill)
    count, and someone placed meanwhile is not placed twice."""
    locked = locked_placeable(season)
    if locked is None:
        return 0
    current = load(locked)
    seated = {pid for members in current.groups.values() for pid in members}
    gone = gave_back(locked)
    groups = {key: list(members) for key, members in current.groups.items()}
    registrations = current.built.registrations
    seats: list[tuple[Circle, str]] = []
    for circle in current.circles:
        for pid in offers.get(circle.pk, []):
            if len(groups[circle.pk]) >= locked.max_size:
                break
            if pid in seated or pid not in registrations or registrations[pid].user_id in gone:
                continue  # placed, or gave their seat back, since the engine's copy was read
            trial = dict(groups)
            trial[circle.pk] = [*groups[circle.pk], pid]
            if current.problems(trial).get(circle.pk, []) != []:
                continue  # would break a rule of this circle: not offered
            groups[circle.pk] = trial[circle.pk]
            seated.add(pid)
            seats.append((circle, pid))
    placed = give_seats(
        locked, current, seats, groups=groups, refresh=[key for key in offers if offers[key]]
    )
    return len(placed)


# --- The season's clock ---


def season_bounds(season: Season) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """When the season's first session starts and its last one ends."""
    starts, ends = [], []
    for slot in set(season.circles.values_list("slot", flat=True)):
        times = session_times(season, slot)
        if times:
            starts.append(times[0].starts_at)
            ends.append(times[-1].ends_at)
    return (min(starts) if starts else None, max(ends) if ends else None)


@transaction.atomic
def start_season(season: Season) -> Season:
    current = Season.objects.select_for_update().get(pk=season.pk)
    if not lifecycle.can_transition(current.state, SeasonState.RUNNING):
        raise CannotStart
    lifecycle.transition(current, SeasonState.RUNNING)
    return current


@transaction.atomic
def close_season(season: Season) -> Season:
    current = Season.objects.select_for_update().get(pk=season.pk)
    lifecycle.transition(current, SeasonState.CLOSED)
    return current


def advance_seasons(now: datetime.datetime | None = None) -> list[tuple[int, str]]:
    """Start seasons whose first session began, close those whose last one ended."""
    now = now or timezone.now()
    moved: list[tuple[int, str]] = []
    for season in Season.objects.filter(state__in=(SeasonState.PUBLISHED, SeasonState.RUNNING)):
        first, last = season_bounds(season)
        if season.state == SeasonState.PUBLISHED and first is not None and first <= now:
            start_season(season)
            moved.append((season.pk, SeasonState.RUNNING))
            season.state = SeasonState.RUNNING
        if season.state == SeasonState.RUNNING and last is not None and last <= now:
            close_season(season)
            moved.append((season.pk, SeasonState.CLOSED))
    return moved
