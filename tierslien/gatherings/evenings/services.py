"""Every write about discovery evenings, one named function each."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tierslien import mixing
from tierslien.accounts.models import User
from tierslien.gatherings.evenings.lifecycle import MACHINE, transition
from tierslien.gatherings.evenings.problem import Built, build_problem, person_id, solution_plan
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import (
    Attendee,
    Companion,
    DoorCodeMiss,
    Evening,
    EveningState,
    Seat,
)
from tierslien.gatherings.models.evening import DOOR_CODE_MAX_MISSES
from tierslien.gatherings.tables import (
    Plan,
    PlanChanged,
    best_of_tries,
    place_newcomers,
    repeats,
    round_ends_at,
    unavoidable_repeats,
    until_saved,
)
from tierslien.lib.refusals import Refused
from tierslien.outbox import services as outbox
from tierslien.portraits.engine import clean_answers
from tierslien.portraits.models import Answer
from tierslien.privacy.retention import KEEP_EVENING_ATTENDEES
from tierslien.territories.models import Territory, Venue

log = logging.getLogger(__name__)


class EveningClosed(Refused):
    """The evening no longer accepts this action (state changed meanwhile); each raise
    says which action."""

    message = _lazy("This evening no longer takes check-ins.")


NO_MORE_CHECK_INS = EveningClosed.message
TABLES_FROZEN = _lazy("The tables of this evening can no longer change.")


class TooFewAttendees(Refused):
    """Fewer people checked in than the smallest table (`count`: that size)."""

    message = _lazy("At least %(count)d people must check in before composing tables.")


class NotInTheRoomYet(Refused):
    """Self check-in happens on the evening only: from 30 minutes before the start to the end."""

    message = _lazy(
        "You can check in on your phone only on the evening, in the room: from 30 minutes "
        "before the start."
    )


class WrongDoorCode(Refused):
    """The code typed is not the one shown in the room."""

    message = _lazy("This is not the code shown in the room.")


class TooManyWrongCodes(Refused):
    """This account typed too many wrong codes for this evening: check in at the door."""

    message = _lazy("Too many wrong codes: please check in at the door with the facilitator.")


# The states in which tables are composed (and late arrivals seated).
TABLES_OPEN = frozenset({EveningState.CHECKING_IN, EveningState.COMPOSED})


def _locked(evening: Evening) -> Evening:
    return (
        Evening.objects.select_for_update().select_related("territory", "venue").get(pk=evening.pk)
    )


@transaction.atomic
def create_evening(
    territory: Territory,
    *,
    venue: Venue,
    starts_at: datetime.datetime,
    min_size: int = 4,
    max_size: int = 5,
    rounds: int = 2,
    round_minutes: int = 30,
) -> Evening:
    if venue.territory_id != territory.pk:
        raise ValueError("the venue belongs to another territory")
    return Evening.objects.create(
        territory=territory,
        venue=venue,
        starts_at=starts_at,
        min_size=min_size,
        max_size=max_size,
        rounds=rounds,
        round_minutes=round_minutes,
    )


# --- At the door ---------------------------------------------------------------------------


def _admit(evening: Evening) -> Evening:
    locked = _locked(evening)
    if not locked.accepts_check_ins:
        raise EveningClosed(NO_MORE_CHECK_INS)
    if locked.state == EveningState.OPEN:
        transition(locked, EveningState.CHECKING_IN)
    locked.attendee_count += 1
    locked.save(update_fields=["attendee_count", "updated_at"])
    return locked


@transaction.atomic
def check_in(
    evening: Evening,
    *,
    first_name: str,
    answers: dict[str, Any],
    email: str = "",
    came_with: Iterable[int] = (),
    stay_together: bool = False,
    now: datetime.datetime | None = None,
) -> Attendee:
    """Admit one person at the door; `came_with`: ids of attendees already checked in."""
    locked = _admit(evening)
    attendee = Attendee.objects.create(
        evening=locked,
        first_name=first_name.strip()[:40],
        email=email.strip().lower(),
        answers=clean_answers(evening_questions(locked.territory), answers),
        checked_in_at=now or timezone.now(),
    )
    others = Attendee.objects.filter(evening=locked, pk__in=list(came_with)).exclude(pk=attendee.pk)
    Companion.objects.bulk_create(
        Companion(attendee=attendee, other=other, together=stay_together) for other in others
    )
    return attendee


def check_in_account(
    evening: Evening, user: User, *, code: str, now: datetime.datetime | None = None
) -> tuple[Attendee, bool]:
    """A signed-in person checks in on their own phone; their self-portrait answers are reused.

    Only on the evening (`Evening.self_check_in_open`) and with the code shown in the room:
    without them anyone could check in from home, days ahead, and have their name projected.
    A wrong code is counted (and stays counted: it is written in its own transaction); after
    `DOOR_CODE_MAX_MISSES` the account can only be checked in at the door. Returns the attendee
    and whether it was created (False: already checked in).
    """
    moment = now or timezone.now()
    with transaction.atomic():
        outcome = _self_check_in(evening, user, code.strip(), moment)
    if outcome is None:
        raise WrongDoorCode
    return outcome


def _self_check_in(
    evening: Evening, user: User, code: str, moment: datetime.datetime
) -> tuple[Attendee, bool] | None:
    locked = _locked(evening)  # two clicks at once: the second waits, then finds the first
    existing = Attendee.objects.filter(evening=locked, user=user).first()
    if existing is not None:
        return existing, False
    if not locked.accepts_check_ins:
        raise EveningClosed(NO_MORE_CHECK_INS)
    if not locked.self_check_in_open(moment):
        raise NotInTheRoomYet
    misses = DoorCodeMiss.objects.filter(evening=locked, user=user).first()
    if misses is not None and misses.misses >= DOOR_CODE_MAX_MISSES:
        raise TooManyWrongCodes
    if not secrets.compare_digest(code.encode(), locked.door_code.encode()):
        if misses is None:
            DoorCodeMiss.objects.create(evening=locked, user=user, misses=1)
        else:
            misses.misses += 1
            misses.save(update_fields=["misses"])
        return None  # committed, then WrongDoorCode
    locked = _admit(locked)
    questions = evening_questions(locked.territory)
    stored = Answer.objects.filter(
        portrait__user=user,
        portrait__territory=locked.territory,
        criterion__in=questions,
    ).select_related("criterion")
    answers = clean_answers(questions, {a.criterion.key: a.value for a in stored})
    first_name = (user.display_name.split() or [_("Guest")])[0][:40]
    attendee = Attendee.objects.create(
        evening=locked,
        user=user,
        first_name=first_name,
        answers=answers,
        checked_in_at=moment,
    )
    return attendee, True


@transaction.atomic
def undo_check_in(evening: Evening, attendee: Attendee) -> Evening:
    """The facilitator takes someone off the evening (checked in by mistake, or not there).

    Their seats and "came with" links go with them and the head count goes down; tables
    already composed keep everyone else where they are (compose again if needed).
    """
    locked = _locked(evening)
    if not locked.accepts_check_ins:
        raise EveningClosed(NO_MORE_CHECK_INS)
    deleted, _rows = Attendee.objects.filter(evening=locked, pk=attendee.pk).delete()
    if deleted:
        locked.attendee_count = max(0, locked.attendee_count - 1)
        locked.save(update_fields=["attendee_count", "updated_at"])
    return locked


# --- Tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Composition:
    fresh: bool  # every table was (re)composed by the engine
    placed: int  # people given seats by this action
    moved: int  # people already seated who changed table
    repeats: int  # pairs meeting more than once (those who asked to stay together excepted)
    elapsed: float  # seconds
    people: int = 0  # people seated
    unavoidable: int = 0  # of `repeats`, how many no plan could avoid (a lower bound)


def _compose_seconds() -> float:
    return float(settings.EVENING_COMPOSE_SECONDS)


def _engine_plan(built: Built, seed: int) -> Plan[str]:
    """The engine's plan. The engine is anytime: when its plan repeats encounters
    although a plan without repeats may exist (there are at least as many tables as
    people at the smallest one), it tries again with twice the time, twice at most;
    e.g. the first search of a process spends its time compiling."""
    problem = built.problem

    def compute(seconds: float, attempt_seed: int) -> Plan[str]:
        result = mixing.solve(problem, time_limit=seconds, seed=attempt_seed)
        return solution_plan(built, result.solution)

    return best_of_tries(
        compute,
        lambda plan: (repeats(plan, ignore=built.together),),
        seconds=_compose_seconds(),
        seed=seed,
        retry=problem.n // problem.min_size >= problem.min_size,
    )


def compose_tables(evening: Evening, *, fresh: bool = False, seed: int = 0) -> Composition:
    """Seat everyone for every round; see `_compose_once`. A plan computed from seats
    that another click replaced meanwhile (two facilitators, two tabs) is computed again
    from the saved plan, instead of overwriting it and unseating the people it placed."""
    return until_saved(lambda check: _compose_once(evening, fresh=fresh, seed=seed, check=check))


def _compose_once(evening: Evening, *, fresh: bool, seed: int, check: bool) -> Composition:
    """Seat everyone for every round.

    The first time (or with `fresh`), the engine composes all the rounds at once.
    Afterwards only late arrivals are placed, into the existing plan, moving as few
    people as possible (see seating.py): people already at a table stay there.

    The plan is computed outside any transaction (the engine may take seconds and
    the door must keep checking people in); people who arrive meanwhile are late
    arrivals for the next click.
    """
    started = timezone.now()
    current = Evening.objects.with_relations().get(pk=evening.pk)
    if current.state not in TABLES_OPEN:
        raise EveningClosed(TABLES_FROZEN)
    built = build_problem(current)
    if built.problem.n < current.min_size:
        raise TooFewAttendees(count=current.min_size)
    seats = list(Seat.objects.filter(evening=current))
    if current.state == EveningState.CHECKING_IN or fresh or not seats:
        plan = _engine_plan(built, seed)
        placed, moved = len(built.attendees), 0
        fresh = True
    else:
        seated: list[dict[str, int]] = [{} for _ in range(current.rounds)]
        for seat in seats:
            if 1 <= seat.round <= current.rounds:
                seated[seat.round - 1][person_id(seat.attendee_id)] = seat.table
        known = {person_id(seat.attendee_id) for seat in seats}
        unseated = [pid for pid in built.attendees if pid not in known]
        placement = place_newcomers(
            seated,
            unseated,
            min_size=current.min_size,
            max_size=current.max_size,
            dissimilarity=built.dissimilarity,
            together=built.together,
            apart=built.apart,
        )
        plan = placement.plan
        placed, moved = len(unseated), len(placement.moved)
    _save_plan(current, built, plan, read=current.composed_at if check else _UNCHECKED)
    return Composition(
        fresh=fresh,
        placed=placed,
        moved=moved,
        repeats=repeats(plan, ignore=built.together),
        elapsed=(timezone.now() - started).total_seconds(),
        people=len(built.attendees),
        unavoidable=unavoidable_repeats(
            len(built.attendees),
            current.rounds,
            current.min_size,
            current.max_size,
            together=len(built.together),
        ),
    )


_UNCHECKED: Any = object()


@transaction.atomic
def _save_plan(evening: Evening, built: Built, plan: Plan[str], *, read: Any = _UNCHECKED) -> None:
    locked = _locked(evening)
    if locked.state not in TABLES_OPEN:
        raise EveningClosed(TABLES_FROZEN)  # the evening ended (or was purged) meanwhile
    if read is not _UNCHECKED and locked.composed_at != read:
        raise PlanChanged  # computed from seats another plan replaced
    Seat.objects.filter(evening=locked).delete()
    Seat.objects.bulk_create(
        Seat(evening=locked, attendee=built.attendees[pid], round=r, table=table)
        for r, assignment in enumerate(plan, start=1)
        for pid, table in assignment.items()
    )
    locked.composed_at = timezone.now()
    if locked.state == EveningState.CHECKING_IN:
        transition(locked, EveningState.COMPOSED, also=("composed_at",))
    else:
        locked.save(update_fields=["composed_at", "updated_at"])


@transaction.atomic
def start_round(evening: Evening, number: int, *, now: datetime.datetime | None = None) -> Evening:
    """Start round `number`'s timer: it ends `round_minutes` from now."""
    locked = _locked(evening)
    if locked.state != EveningState.COMPOSED or not 1 <= number <= locked.rounds:
        raise EveningClosed(_lazy("This round cannot start: compose the tables first."))
    locked.current_round = number
    locked.round_ends_at = round_ends_at(now or timezone.now(), locked.round_minutes)
    locked.save(update_fields=["current_round", "round_ends_at", "updated_at"])
    return locked


@transaction.atomic
def mark_held(evening: Evening) -> Evening:
    """The evening is over: tables are no longer needed, invitations may be sent."""
    locked = _locked(evening)
    if not MACHINE.can_transition(locked.state, EveningState.HELD):
        raise EveningClosed(_lazy("Only an evening whose tables were composed can end."))
    return transition(locked, EveningState.HELD)


# --- Afterwards ----------------------------------------------------------------------------


def invitation_link(territory: Territory) -> str:
    query = urlencode({"next": reverse("season_list", args=[territory.slug])})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('account_signup')}?{query}"


def _queue_invitation(evening_id: int, email: str, territory_name: str, link: str) -> None:
    with translation.override("fr"):
        subject = _("Join the circles of %(territory)s") % {"territory": territory_name}
        body = _(
            "Hello,\n\n"
            "Thank you for coming to the discovery evening of %(territory)s.\n"
            "Circles of the season are being formed: small groups of people who would "
            "not otherwise meet, a few meetings over some weeks. To join one, create "
            "your account here:\n\n%(link)s\n\n"
            "We will not write to you again: your email address is deleted with the "
            "rest of the evening's data within 30 days.\n\n— %(site)s"
        ) % {"territory": territory_name, "link": link, "site": settings.SITE_NAME}
    outbox.queue_email(
        EmailMessage(subject, body, None, [email]), topic=f"evening:{evening_id}", language="fr"
    )


@transaction.atomic
def invite_attendees(evening: Evening, *, now: datetime.datetime | None = None) -> int:
    """Send one invitation to each attendee who left an email and was not invited yet."""
    locked = _locked(evening)
    if locked.state != EveningState.HELD:
        raise EveningClosed(_lazy("Invitations are sent once the evening is over."))
    moment = now or timezone.now()
    pending = list(
        Attendee.objects.filter(evening=locked, invited_at__isnull=True).exclude(email="")
    )
    link = invitation_link(locked.territory)
    name = locked.territory.name
    for attendee in pending:
        _queue_invitation(locked.pk, attendee.email, name, link)
    Attendee.objects.filter(pk__in=[a.pk for a in pending]).update(invited_at=moment)
    locked.invited_at = moment
    locked.save(update_fields=["invited_at", "updated_at"])
    return len(pending)


@transaction.atomic
def purge_evening(evening: Evening) -> Evening:
    """Delete everything about the people of an evening; keep its date, venue and head count."""
    locked = _locked(evening)
    Seat.objects.filter(evening=locked).delete()
    Attendee.objects.filter(evening=locked).delete()  # cascades to companions
    DoorCodeMiss.objects.filter(evening=locked).delete()
    outbox.erase_topic(f"evening:{locked.pk}")  # their addresses in the invitations sent
    locked.current_round = 0
    locked.round_ends_at = None
    return transition(locked, EveningState.PURGED, also=("current_round", "round_ends_at"))


def purge_evenings(now: datetime.datetime) -> int:
    """Purge every evening that started more than 30 days before `now`."""
    due = Evening.objects.filter(starts_at__lt=now - KEEP_EVENING_ATTENDEES).exclude(
        state=EveningState.PURGED
    )
    count = 0
    for evening in due:
        purge_evening(evening)
        count += 1
    if count:
        log.info("purged %d discovery evening(s)", count)
    return count
