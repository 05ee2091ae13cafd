"""The day of a themed meeting, its writes: composing the table plan, the door, the timer, the end.

Tables are the meeting's accepted contributors, one per table, numbered from 1 in
the order they were invited; a contributor stays at their table in every
rotation and citizens move (world café). Citizens are the applicants holding a
confirmed seat, or, once check-in has started (someone checked in), those who
checked in (`pages.plan_citizens`).

Composing (`compose_table_plan`) asks `tables.hosted_plan` for a plan over all
rotations at once (the engine's rounds mode, one group per table, contributors
pinned to their tables so that revisits are avoided like repeated encounters, then
groups swapped between tables when that removes revisits, then people swapped between
tables while that lowers revisits, repeats, then raises the mix), mixing the tables on the
meeting's criteria (missing answer: prefer not to say).

A facilitator may move one citizen by hand (`move_citizen`): the rules are checked again
under the meeting's lock, against the plan the move was checked on (its fingerprint).

Composing again once a plan exists (`fresh=False`) only updates it: people no
longer expected leave their seats and newcomers take, rotation by rotation, the
seat where they revisit nobody, meet nobody twice, at the smallest table, most
different from it (`tables.place_newcomers`). Everyone else stays where they were.
`fresh=True` composes everything again.

Everything here writes inside `transaction.atomic` with the meeting row locked.
The engine runs outside any transaction: the door keeps checking people in.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien import mixing
from tierslien.gatherings.meetings.core.lifecycle import MACHINE, transition
from tierslien.gatherings.meetings.day.pages import (
    day_open,
    expected_citizens,
    move_sentence,
    plan_citizens,
    plan_digest,
    stored_plan,
    table_hosts,
)
from tierslien.gatherings.models import (
    Application,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)
from tierslien.gatherings.tables import (
    Plan,
    PlanChanged,
    RoundReport,
    hosted_plan,
    place_newcomers,
    round_ends_at,
    round_reports,
    until_saved,
)
from tierslien.gatherings.tables.moves import MoveFinding, check_move
from tierslien.lib.refusals import Refused
from tierslien.mixing import encode
from tierslien.portraits.engine import engine_attributes, engine_criteria

# --- Refusals ------------------------------------------------------------------------------


class DayRefused(Refused):
    """The meeting's day cannot do this now (the sentence says why)."""

    message = _(
        "The table plan, the timer and the check-in open once the seats are allocated, "
        "and close when the meeting is over."
    )


class NotAllocated(DayRefused):
    """The meeting is not (or no longer) allocated."""


class NoContributor(DayRefused):
    message = _(
        "No contributor has accepted yet: each table needs one. Invite contributors, "
        "then compose the table plan."
    )


class NoCitizen(DayRefused):
    message = _(
        "Nobody to seat: no applicant holds a confirmed seat (or, once check-in has "
        "started, nobody has checked in yet)."
    )


class NotExpected(DayRefused):
    """The person is not a confirmed applicant or accepted contributor of this meeting."""

    message = _("This person is not expected at this meeting.")


# --- The engine ----------------------------------------------------------------------------


def _criteria(meeting: Meeting) -> list[mixing.Criterion]:
    # A meeting balances every criterion it names: its tables mix on each of them,
    # whatever goal the territory's self-portrait gives the question.
    criteria = meeting.criteria.order_by("position", "pk")
    return list(engine_criteria(criteria, goal="diverse").values())


def dissimilarities(
    criteria: Sequence[mixing.Criterion], answers: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """The engine's pair dissimilarity (spec v1) between the citizens, in [0, 1]."""
    n = len(answers)
    if n == 0 or not criteria:
        return np.zeros((n, n))
    people = tuple(
        mixing.Person(id=f"c{k}", attributes=engine_attributes(criteria, a))
        for k, a in enumerate(answers)
    )
    problem = mixing.Problem(
        people=people, min_size=1, max_size=max(n, 1), criteria=tuple(criteria)
    )
    return encode(problem).square(np.arange(n, dtype=np.int64))


def _plan_seconds() -> float:
    return float(settings.MEETING_PLAN_SECONDS)


# --- Composing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOutcome:
    fresh: bool  # composed from scratch by the engine
    placed: int  # citizens given seats by this action
    removed: int  # citizens no longer expected, whose seats were freed
    moved: int  # citizens already seated who changed table (0 unless fresh)
    tables: int
    rotations: int
    reports: list[RoundReport]

    @property
    def more_rotations_than_tables(self) -> bool:
        return self.rotations > self.tables

    @property
    def repeats(self) -> int:
        return sum(r.repeats for r in self.reports)

    @property
    def revisits(self) -> int:
        return sum(r.revisits for r in self.reports)


def compose_table_plan(meeting: Meeting, *, fresh: bool = False, seed: int = 0) -> PlanOutcome:
    """Seat the contributors and the citizens for every rotation, replacing any previous
    plan (fresh) or updating it, moving nobody already seated (not fresh). A plan computed
    from seats another click replaced meanwhile is computed again from the saved one."""
    return until_saved(lambda check: _compose_once(meeting, fresh=fresh, seed=seed, check=check))


def _compose_once(meeting: Meeting, *, fresh: bool, seed: int, check: bool) -> PlanOutcome:
    current = Meeting.objects.get(pk=meeting.pk)
    if not day_open(current):
        raise NotAllocated
    hosts = table_hosts(current)
    if not hosts:
        raise NoContributor
    citizens = plan_citizens(current)
    if not citizens:
        raise NoCitizen
    tables, rotations = len(hosts), current.rotations
    criteria = _criteria(current)
    weights = dissimilarities(criteria, [c.answers for c in citizens])
    ids = [c.pk for c in citizens]
    old, old_hosts, old_rotations = stored_plan(current)
    same_tables = old_hosts == {h.pk: k for k, h in enumerate(hosts, start=1)}
    same_tables = same_tables and old_rotations == rotations
    seated = set().union(*(set(rotation) for rotation in old)) if old else set()
    removed = len(seated - set(ids))
    if fresh or not seated or not same_tables:
        rows = hosted_plan(weights, tables, rotations, seed=seed, seconds=_plan_seconds())
        plan: Plan[int] = [{pk: row[k] + 1 for k, pk in enumerate(ids)} for row in rows]
        moved = sum(
            1
            for pk in seated & set(ids)
            if any(old[r].get(pk) != plan[r][pk] for r in range(rotations))
        )
        placed, fresh = len(ids), True
    else:
        keep = set(ids)
        kept = [{pk: t for pk, t in rotation.items() if pk in keep} for rotation in old]
        newcomers = [pk for pk in ids if pk not in seated or any(pk not in r for r in kept)]
        index = {pk: k for k, pk in enumerate(ids)}
        pairs = {
            (a, b): float(weights[index[a], index[b]]) for a in newcomers for b in ids if a != b
        }
        plan = place_newcomers(
            [{pk: t for pk, t in r.items() if pk not in newcomers} for r in kept],
            newcomers,
            hosts=tables,
            dissimilarity=lambda a, b: pairs.get((a, b), 0.0),
        ).plan
        placed, moved = len(newcomers), 0
    _save_plan(current, hosts, plan, read=current.updated_at if check else None)
    keys = [c.name for c in criteria]
    reports = round_reports(plan, tables, {c.pk: c.answers for c in citizens}, keys)
    return PlanOutcome(
        fresh=fresh,
        placed=placed,
        removed=removed,
        moved=moved,
        tables=tables,
        rotations=rotations,
        reports=reports,
    )


@transaction.atomic
def _save_plan(
    meeting: Meeting,
    hosts: list[Contributor],
    plan: Plan[int],
    *,
    read: datetime.datetime | None = None,
) -> None:
    locked = Meeting.objects.locked(meeting.pk)
    if not day_open(locked):
        raise NotAllocated  # the meeting ended meanwhile
    if read is not None and locked.updated_at != read:
        raise PlanChanged  # computed from seats another plan replaced
    TableSeat.objects.filter(meeting=locked).delete()
    seats = [
        TableSeat(meeting=locked, rotation=r, table=table, contributor=host)
        for r in range(1, locked.rotations + 1)
        for table, host in enumerate(hosts, start=1)
    ]
    seats += [
        TableSeat(meeting=locked, rotation=r, table=table, application_id=pk)
        for r, rotation in enumerate(plan, start=1)
        for pk, table in sorted(rotation.items())
    ]
    TableSeat.objects.bulk_create(seats)
    locked.save(update_fields=["updated_at"])


# --- Moving one person by hand ------------------------------------------------------------


class PlanChangedMeanwhile(DayRefused):
    message = _(
        "The table plan changed while you were choosing (it was composed again or someone "
        "was moved): nobody was moved. Check the plan and choose again."
    )


class MoveRefused(DayRefused):
    """A hard rule: the sentence says which (see `tables.moves`)."""


class ContributorStays(DayRefused):
    message = _("%(name)s hosts table %(table)d: a contributor stays at their own table.")


class SoftRulesNotAccepted(DayRefused):
    message = _("This move breaks some of the plan's rules: confirm that you move anyway.")


@transaction.atomic
def move_citizen(
    meeting: Meeting,
    application_id: int,
    number: int,
    table: int,
    *,
    digest: str,
    accept_soft: bool = False,
) -> list[MoveFinding[int]]:
    """Seat one citizen at `table` in rotation `number`, the rules checked again under
    the lock: refused on a hard rule (capacity, already there), or a soft one (repeat,
    revisit) not accepted, or when the plan is no longer the one the move was checked
    against (`digest`). Returns the soft rules it breaks."""
    locked = Meeting.objects.locked(meeting.pk)
    if not day_open(locked) or not 1 <= number <= locked.rotations:
        raise NotAllocated
    seats = list(TableSeat.objects.select_for_update().filter(meeting=locked))
    if plan_digest(seats) != digest:
        raise PlanChangedMeanwhile
    plan: Plan[int] = [{} for _ in range(locked.rotations)]
    host_of: dict[int, str] = {}
    for seat in seats:
        if seat.application_id is not None and 1 <= seat.rotation <= locked.rotations:
            plan[seat.rotation - 1][seat.application_id] = seat.table
        elif seat.contributor_id is not None:
            host_of[seat.table] = ""
    mine = next(
        (s for s in seats if s.application_id == application_id and s.rotation == number), None
    )
    if mine is None or table not in host_of:
        raise NotExpected
    findings = check_move(plan, application_id, number, table, len(host_of))
    hard = [f for f in findings if f.hard]
    if hard:
        names = dict(
            Application.objects.filter(pk=application_id).values_list("pk", "user__display_name")
        )
        raise MoveRefused(
            move_sentence(
                hard[0], person=names.get(application_id, "?"), table=table, names={}, hosts={}
            )
        )
    if findings and not accept_soft:
        raise SoftRulesNotAccepted
    mine.table = table
    mine.save(update_fields=["table"])
    locked.save(update_fields=["updated_at"])
    return findings


# --- Check-in, timer, the end --------------------------------------------------------------


@transaction.atomic
def mark_application(
    meeting: Meeting, application_id: int, *, arrived: bool, now: datetime.datetime | None = None
) -> Application:
    """A confirmed applicant arrives at the door (or the mark is undone)."""
    locked = Meeting.objects.locked(meeting.pk)
    if not day_open(locked):
        raise NotAllocated
    application = expected_citizens(locked).select_for_update().filter(pk=application_id).first()
    if application is None:
        raise NotExpected
    application.checked_in_at = (now or timezone.now()) if arrived else None
    application.save(update_fields=["checked_in_at"])
    return application


@transaction.atomic
def mark_contributor(
    meeting: Meeting, contributor_id: int, *, arrived: bool, now: datetime.datetime | None = None
) -> Contributor:
    """An accepted contributor arrives at the door (or the mark is undone)."""
    locked = Meeting.objects.locked(meeting.pk)
    if not day_open(locked):
        raise NotAllocated
    contributor = (
        Contributor.objects.select_for_update()
        .filter(meeting=locked, status=ContributorStatus.ACCEPTED, pk=contributor_id)
        .first()
    )
    if contributor is None:
        raise NotExpected
    contributor.checked_in_at = (now or timezone.now()) if arrived else None
    contributor.save(update_fields=["checked_in_at"])
    return contributor


@transaction.atomic
def start_rotation(
    meeting: Meeting, number: int, *, now: datetime.datetime | None = None
) -> Meeting:
    """Start rotation `number`'s timer: it ends `rotation_minutes` from now."""
    locked = Meeting.objects.locked(meeting.pk)
    if not day_open(locked) or not 1 <= number <= locked.rotations:
        raise NotAllocated
    locked.current_rotation = number
    locked.rotation_ends_at = round_ends_at(now or timezone.now(), locked.rotation_minutes)
    locked.save(update_fields=["current_rotation", "rotation_ends_at", "updated_at"])
    return locked


@transaction.atomic
def end_meeting(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """The meeting is over (allocated -> held); keeps how many citizens came."""
    locked = Meeting.objects.locked(meeting.pk)
    if not MACHINE.can_transition(locked.state, MeetingState.HELD):
        raise NotAllocated(_("Only a meeting whose seats are allocated can end."))
    attended = expected_citizens(locked).filter(checked_in_at__isnull=False).count()
    locked.attended_count = attended
    locked.held_at = now or timezone.now()
    locked.current_rotation = 0
    locked.rotation_ends_at = None
    return transition(
        locked,
        MeetingState.HELD,
        also=("attended_count", "held_at", "current_rotation", "rotation_ends_at"),
    )
