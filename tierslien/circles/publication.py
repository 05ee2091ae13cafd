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

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tierslien import mixing
from tierslien.circles import lifecycle
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.lib import ical
from tierslien.lib.deadlines import on_the_hour
from tierslien.outbox import services as outbox
from tierslien.outbox.models import Channel
from tierslien.territories.display import slot_label

log = logging.getLogger(__name__)

# Reasons recorded for people who gave their seat back: never offered another one.
DECLINED = "declined"
EXPIRED = "expired"
GAVE_BACK = (DECLINED, EXPIRED)


class NotInvited(Exception):
    """This membership has no invitation to answer (already confirmed, or season over)."""


# --- Emails ---


@dataclass(frozen=True)
class Invitation:
    """Everything an invitation email needs, read once."""

    membership: Membership
    circle: Circle
    season: Season
    sessions: list[SessionTime]


def invitation_url(membership: Membership) -> str:
    circle = membership.circle
    path = reverse("circle_invitation", args=[circle.season.territory.slug, circle.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def calendar_text(circle: Circle, sessions: list[SessionTime], *, stamp: datetime.datetime) -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "tierslien"
    venue = circle.venue
    location = f"{venue.name}, {venue.address}" if venue is not None else ""
    if circle.online:  # the link itself stays in the circle's space
        location = translation.gettext("Online")
    summary = translation.gettext("Tiers Lien circle %(number)s") % {"number": circle.number}
    events = [
        ical.Event(
            uid=f"circle-{circle.pk}-session-{session.number}@{host}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            summary=f"{summary} ({session.number}/{len(sessions)})",
            location=location,
        )
        for session in sessions
    ]
    return ical.calendar(events, stamp=stamp)


def render_invitation(membership: Membership) -> EmailMultiAlternatives:
    """The invitation email, in the member's language, with the calendar attached."""
    circle = membership.circle
    season = circle.season
    user = membership.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        sessions = session_times(season, circle.slot)
        context: dict[str, Any] = {
            "user": user,
            "circle": circle,
            "season": season,
            "territory": season.territory,
            "venue": circle.venue,
            "slot": slot_label(circle.slot) if circle.slot else "",
            "sessions": sessions,
            "respond_by": membership.respond_by,
            "url": invitation_url(membership),
        }
        subject = render_to_string("circles/email/invitation_subject.txt", context).strip()
        body = render_to_string("circles/email/invitation.txt", context)
        message = EmailMultiAlternatives(subject, body, None, [user.email])
        stamp = membership.invited_at or timezone.now()
        message.attach(
            f"circle-{circle.number}.ics",
            calendar_text(circle, sessions, stamp=stamp),
            "text/calendar",
        )
    return message


def topic(season_id: int) -> str:
    """The outbox topic of a season's messages (counted on the season's page)."""
    return f"season:{season_id}"


def _respond_by(season: Season, now: datetime.datetime) -> datetime.datetime:
    return on_the_hour(
        now + datetime.timedelta(days=season.confirmation_days), timezone.get_default_timezone()
    )


def _invite(memberships: list[Membership], season: Season, now: datetime.datetime) -> None:
    """Mark memberships invited (deadline from the season) and queue their emails."""
    respond_by = _respond_by(season, now)
    for membership in memberships:
        membership.status = MembershipStatus.INVITED
        membership.invited_at = now
        membership.respond_by = respond_by
        membership.responded_at = None
    Membership.objects.bulk_update(
        memberships, ["status", "invited_at", "respond_by", "responded_at"]
    )
    outbox.queue_emails(
        [outbox.Outgoing(render_invitation(m), m.user) for m in memberships],
        topic=topic(season.pk),
    )


def _memberships(season: Season) -> Any:
    return Membership.objects.filter(circle__season=season).select_related(
        "user", "circle", "circle__venue", "circle__season", "circle__season__territory"
    )


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
    memberships = _memberships(season).order_by("circle__number", "pk")
    count = memberships.count()
    first = memberships.first()
    if first is None:
        return None
    now = timezone.now()
    first.invited_at = now
    first.respond_by = _respond_by(season, now)
    email = render_invitation(first)
    return Preview(
        count=count, channel=str(Channel.EMAIL.label), subject=email.subject, body=str(email.body)
    )


@transaction.atomic
def publish_season(season: Season, *, acting_user: Any) -> Season:
    """Proposed → published: every member invited, all at once or not at all."""
    current = Season.objects.select_for_update().get(pk=season.pk)
    lifecycle.transition(current, SeasonState.PUBLISHED)
    Circle.objects.filter(season=current, locked=True).update(locked=False)
    memberships = list(_memberships(current).order_by("circle__number", "pk"))
    for membership in memberships:
        membership.circle.season = current
    _invite(memberships, current, timezone.now())
    return current


# --- Answers ---


@transaction.atomic
def answer_invitation(membership: Membership, answer: str) -> Membership | None:
    """Confirm (returns the membership) or decline (frees the seat, returns None)."""
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
        current.save(update_fields=["status", "responded_at"])
        return current
    free_seat(current, DECLINED)
    return None


def free_seat(membership: Membership, code: str) -> None:
    """Give a seat back (inside the caller's transaction) and look for someone to take it."""
    circle = membership.circle
    season_id = circle.season_id
    Unplaced.objects.update_or_create(
        season_id=season_id,
        user_id=membership.user_id,
        defaults={"code": code, "params": {}, "message": ""},
    )
    membership.delete()
    field = "declined" if code == DECLINED else "expired"
    setattr(circle, field, getattr(circle, field) + 1)
    circle.save(update_fields=[field])
    from tierslien.circles.tasks import refill_season

    transaction.on_commit(lambda: refill_season.enqueue(season_id))


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
    from tierslien.circles.review import load

    season = Season.objects.filter(pk=season_id).first()
    if season is None or season.state not in (SeasonState.PUBLISHED, SeasonState.RUNNING):
        return 0
    current = load(season)
    gone = set(
        Unplaced.objects.filter(season=season, code__in=GAVE_BACK).values_list("user_id", flat=True)
    )
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
    circle_of = {pid: key for key, members in current.groups.items() for pid in members}
    offers: dict[int, list[str]] = defaultdict(list)
    for group in result.solution.rounds[0].groups if result.solution.rounds else ():
        homes = [circle_of[m] for m in group.members if m in circle_of]
        if not homes:
            continue  # a new circle: none is opened after publication
        home = max(set(homes), key=homes.count)
        offers[home] += [m for m in group.members if m in waiting]
    return _place(season, offers)


@transaction.atomic
def _place(season: Season, offers: dict[int, list[str]]) -> int:
    """Lock the season, then read its circles again: the engine's offers were computed on
    a copy read before, so seats taken meanwhile (a facilitator's offer, another refill)
    count, and someone placed meanwhile is not placed twice."""
    from tierslien.circles.review import load

    locked = Season.objects.select_for_update().get(pk=season.pk)
    if locked.state not in (SeasonState.PUBLISHED, SeasonState.RUNNING):
        return 0
    current = load(locked)
    seated = {pid for members in current.groups.values() for pid in members}
    gone = set(
        Unplaced.objects.filter(season=locked, code__in=GAVE_BACK).values_list("user_id", flat=True)
    )
    groups = {key: list(members) for key, members in current.groups.items()}
    registrations = current.built.registrations
    placed: list[Membership] = []
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
            user_id = registrations[pid].user_id
            Unplaced.objects.filter(season=season, user_id=user_id).delete()
            placed.append(Membership.objects.create(circle=circle, user_id=user_id))
    if placed:
        for membership in placed:
            membership.circle.season = locked
        fresh = list(_memberships(locked).filter(pk__in=[m.pk for m in placed]))
        _invite(fresh, locked, timezone.now())
        current.groups = groups
        from tierslien.circles.review import refresh_scores

        refresh_scores(current, [key for key in offers if offers[key]])
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
def start_season(season: Season, *, acting_user: Any) -> Season:
    current = Season.objects.select_for_update().get(pk=season.pk)
    lifecycle.transition(current, SeasonState.RUNNING)
    return current


@transaction.atomic
def close_season(season: Season, *, acting_user: Any) -> Season:
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
            start_season(season, acting_user=None)
            moved.append((season.pk, SeasonState.RUNNING))
            season.state = SeasonState.RUNNING
        if season.state == SeasonState.RUNNING and last is not None and last <= now:
            close_season(season, acting_user=None)
            moved.append((season.pk, SeasonState.CLOSED))
    return moved
