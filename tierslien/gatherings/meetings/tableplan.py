"""The day of a themed meeting: the table plan over rotations, check-in, the end.

Tables are the meeting's accepted contributors, one per table, numbered from 1 in
the order they were invited; a contributor stays at their table in every
rotation and citizens move (world café). Citizens are the applicants holding a
confirmed seat, or, once check-in has started (someone checked in), those who
checked in.

Composing (`compose_table_plan`) calls the engine's rounds mode
(`tierslien.mixing.rounds.solve_rounds`) once for all rotations, with one group
per table. Each contributor takes part as a pinned member of their table (`fixed`
to that group, weight 0 to everyone): a citizen sitting twice at the same
contributor's table then "meets" that contributor twice, so the engine avoids
revisits exactly as it avoids repeated encounters between citizens, before
mixing the tables on the meeting's criteria (missing answer: prefer not to say).
A last pass solves one assignment problem per rotation (scipy's
`linear_sum_assignment`): it may swap whole groups of citizens between tables
when that removes revisits; nobody else changes.

Composing again once a plan exists (`fresh=False`) only updates it: people no
longer expected leave their seats and newcomers take, rotation by rotation, the
seat where they revisit nobody, meet nobody twice, at the smallest table, most
different from it. Everyone else stays where they were. `fresh=True` composes
everything again.

Everything here writes inside `transaction.atomic` with the meeting row locked.
The engine runs outside any transaction: the door keeps checking people in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from scipy.optimize import linear_sum_assignment

from tierslien import mixing
from tierslien.gatherings.meetings.core.lifecycle import ForbiddenTransition, transition
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)
from tierslien.gatherings.questions import engine_criterion
from tierslien.mixing import encode, solve_rounds

DEFAULT_PLAN_SECONDS = 1.0
MAX_HOST_WEIGHT = 12  # a revisit weighs as much as this many repeated encounters (at most)

Plan = list[dict[int, int]]  # per rotation: application id -> table number (from 1)


# --- Refusals ------------------------------------------------------------------------------


class DayRefused(Exception):
    """The meeting's day cannot do this now; `code` says why (the view words it)."""

    code = "refused"


class NotAllocated(DayRefused):
    code = "not_allocated"


class NoContributor(DayRefused):
    code = "no_contributor"


class NoCitizen(DayRefused):
    code = "no_citizen"


class NotExpected(DayRefused):
    """The person is not a confirmed applicant or accepted contributor of this meeting."""

    code = "not_expected"


# --- Who is expected -----------------------------------------------------------------------


def table_hosts(meeting: Meeting) -> list[Contributor]:
    """The accepted contributors, one per table: table k is the k-th of this list."""
    return list(
        Contributor.objects.filter(meeting=meeting, status=ContributorStatus.ACCEPTED).order_by(
            "invited_at", "pk"
        )
    )


def expected_citizens(meeting: Meeting) -> Any:
    """Applicants holding a confirmed seat (the check-in list)."""
    return Application.objects.filter(meeting=meeting, status=ApplicationStatus.CONFIRMED)


def check_in_started(meeting: Meeting) -> bool:
    return expected_citizens(meeting).filter(checked_in_at__isnull=False).exists()


def plan_citizens(meeting: Meeting) -> list[Application]:
    """Who gets a seat: the confirmed applicants, or those checked in once check-in started."""
    citizens = expected_citizens(meeting)
    if check_in_started(meeting):
        citizens = citizens.filter(checked_in_at__isnull=False)
    return list(citizens.order_by("pk"))


def display_first_name(display_name: str) -> str:
    """What the table plan shows of someone: the first word of their display name."""
    return (display_name.split() or ["?"])[0][:40]


# --- The engine ----------------------------------------------------------------------------


def _criteria(meeting: Meeting) -> list[mixing.Criterion]:
    out = []
    for criterion in meeting.criteria.order_by("position", "pk"):
        try:
            engine = engine_criterion(criterion)
        except mixing.ProblemError:
            continue
        out.append(engine)
    return out


def _attributes(
    criteria: Sequence[mixing.Criterion], answers: Mapping[str, Any]
) -> dict[str, mixing.problem.Value]:
    """The engine's values of one applicant; unknown or malformed answers: prefer not to say."""
    out: dict[str, mixing.problem.Value] = {}
    if not isinstance(answers, Mapping):
        return out
    for criterion in criteria:
        try:
            value = criterion.check_value(answers.get(criterion.name), where="answers")
        except mixing.ProblemError:
            value = None
        if value is not None:
            out[criterion.name] = value
    return out


def dissimilarities(
    criteria: Sequence[mixing.Criterion], answers: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """The engine's pair dissimilarity (spec v1) between the citizens, in [0, 1]."""
    n = len(answers)
    if n == 0 or not criteria:
        return np.zeros((n, n))
    people = tuple(
        mixing.Person(id=f"c{k}", attributes=_attributes(criteria, a))
        for k, a in enumerate(answers)
    )
    problem = mixing.Problem(
        people=people, min_size=1, max_size=max(n, 1), criteria=tuple(criteria)
    )
    return encode(problem).square(np.arange(n, dtype=np.int64))


def _plan_seconds() -> float:
    return float(getattr(settings, "MEETING_PLAN_SECONDS", DEFAULT_PLAN_SECONDS))


def engine_plan(
    weights: np.ndarray, tables: int, rotations: int, *, seed: int = 0, seconds: float = 1.0
) -> list[list[int]]:
    """Per rotation, each citizen's table index (from 0): sizes balanced, revisits and
    repeated encounters avoided first, then tables as mixed as possible."""
    n = weights.shape[0]
    if tables == 1 or n == 0:
        return [[0] * n for _ in range(rotations)]
    # Each contributor is `copies` pinned members of their table: one revisit counts as
    # that many repeated encounters, so the engine avoids revisits before repeats.
    per_table = -(-n // tables)
    copies = max(1, min(per_table, MAX_HOST_WEIGHT))
    m = n + tables * copies
    full = np.zeros((m, m))
    full[:n, :n] = weights
    fixed = -np.ones(m, dtype=np.int64)  # citizens move; contributors stay at their table
    for k in range(tables):
        fixed[n + k * copies : n + (k + 1) * copies] = k
    low, high = n // tables + copies, per_table + copies
    penalty = rotations * m * (high - 1) / 2.0 + 1.0
    # The search is anytime and the first one of a process may spend its time loading
    # compiled code: when revisits remain although a plan without any exists (no more
    # rotations than tables), try again with twice the time, twice at most.
    best: tuple[int, int, list[list[int]]] | None = None
    for attempt in range(3 if rotations <= tables else 1):
        result = solve_rounds(
            full,
            low,
            high,
            tables,
            rotations,
            met_before_penalty=penalty,
            fixed=fixed,
            time_limit=seconds * 2**attempt,
            seed=seed + attempt,
        )
        plan = reassign_groups([[int(g) for g in row[:n]] for row in result.assignments], tables)
        found = (_revisits(plan), _repeats(plan), plan)
        if best is None or found[:2] < best[:2]:
            best = found
        if found[0] == 0:
            break
    assert best is not None
    return best[2]


def _revisits(plan: list[list[int]]) -> int:
    n = len(plan[0]) if plan else 0
    return sum(len(plan) - len({row[i] for row in plan}) for i in range(n))


def _repeats(plan: list[list[int]]) -> int:
    arr = np.asarray(plan, dtype=np.int64)
    n = arr.shape[1] if arr.ndim == 2 else 0
    meetings = np.zeros((n, n), dtype=np.int64)
    for row in arr:
        meetings += row[:, None] == row[None, :]
    return int(np.maximum(np.triu(meetings, k=1) - 1, 0).sum())


def reassign_groups(plan: list[list[int]], tables: int) -> list[list[int]]:
    """Swap whole groups of citizens between tables, rotation by rotation, when that
    lowers the revisits (one assignment problem per rotation; never worse)."""
    plan = [list(row) for row in plan]
    n = len(plan[0]) if plan else 0
    for _ in range(2):
        changed = False
        for r in range(1, len(plan)):
            cost = np.zeros((tables, tables))
            for i in range(n):
                seen = {plan[s][i] for s in range(len(plan)) if s != r}
                for t in seen:
                    cost[plan[r][i], t] += 1
            rows, cols = linear_sum_assignment(cost)
            if cost[rows, cols].sum() < np.trace(cost) - 1e-9:
                mapping = dict(zip(rows.tolist(), cols.tolist(), strict=True))
                plan[r] = [mapping[g] for g in plan[r]]
                changed = True
        if not changed:
            break
    return plan


# --- Updating a plan: absentees leave, newcomers take seats ---------------------------------


def place_newcomers(
    plan: Plan,
    newcomers: Iterable[int],
    tables: int,
    dissimilarity: Mapping[tuple[int, int], float],
) -> Plan:
    """Seat the newcomers in every rotation without moving anyone.

    Rotation by rotation, one assignment problem (newcomers x free seats, each table
    filled up to the balanced size): first no revisit of a contributor, then nobody
    met twice, then the smallest tables, then the most different table."""
    plan = [dict(rotation) for rotation in plan]
    people = list(newcomers)
    if not people:
        return plan
    for r, rotation in enumerate(plan):
        members: dict[int, list[int]] = {t: [] for t in range(1, tables + 1)}
        for other, t in rotation.items():
            members.setdefault(t, []).append(other)
        cap = -(-(len(rotation) + len(people)) // tables)
        slots = [
            (t, len(members[t]) + j)
            for t in sorted(members)
            for j in range(max(0, cap - len(members[t])))
        ]
        cost = np.zeros((len(people), len(slots)))
        for k, person in enumerate(people):
            visited = {plan[s][person] for s in range(len(plan)) if s != r and person in plan[s]}
            met: set[int] = set()
            for s, other_rotation in enumerate(plan):
                if s != r and person in other_rotation:
                    here = other_rotation[person]
                    met.update(p for p, t in other_rotation.items() if t == here and p != person)
            base = {
                t: 1e6 * (t in visited)
                + 1e3 * len(met.intersection(others))
                - sum(dissimilarity.get((person, o), 0.0) for o in others) / (cap + 1)
                for t, others in members.items()
            }
            for j, (t, size) in enumerate(slots):
                cost[k, j] = base[t] + 10.0 * size
        rows, cols = linear_sum_assignment(cost)
        for k, j in zip(rows.tolist(), cols.tolist(), strict=True):
            rotation[people[k]] = slots[j][0]
    return plan


# --- Figures (counts only) -----------------------------------------------------------------


@dataclass(frozen=True)
class RotationReport:
    number: int
    citizens: int
    smallest: int  # fewest citizens at a table
    largest: int  # most citizens at a table
    repeats: int  # pairs of citizens already at the same table in an earlier rotation
    revisits: int  # citizens at a contributor's table they already visited
    shared_answers: int  # pairs at the same table with the same answer, summed over criteria
    random_shared: int  # what a random seating would give on average (rounded)


def rotation_reports(
    plan: Plan, tables: int, answers: Mapping[int, Mapping[str, Any]], keys: Sequence[str]
) -> list[RotationReport]:
    """Per rotation: sizes, repeats, revisits and a diversity indicator (fewer shared
    answers at the same table = more mixed), beside a random seating's figure."""
    out = []
    seen_pairs: set[frozenset[int]] = set()
    visited: dict[int, set[int]] = {}
    for number, rotation in enumerate(plan, start=1):
        members: dict[int, list[int]] = {t: [] for t in range(1, tables + 1)}
        for person, t in sorted(rotation.items()):
            members.setdefault(t, []).append(person)
        repeats = revisits = shared = 0
        pairs_now: set[frozenset[int]] = set()
        for t, people in members.items():
            for k, a in enumerate(people):
                for b in people[k + 1 :]:
                    pair = frozenset((a, b))
                    repeats += pair in seen_pairs
                    pairs_now.add(pair)
                    shared += _same_answers(answers.get(a, {}), answers.get(b, {}), keys)
            for person in people:
                revisits += t in visited.get(person, set())
        for t, people in members.items():
            for person in people:
                visited.setdefault(person, set()).add(t)
        seen_pairs |= pairs_now
        sizes = [len(people) for people in members.values()] or [0]
        out.append(
            RotationReport(
                number=number,
                citizens=len(rotation),
                smallest=min(sizes),
                largest=max(sizes),
                repeats=repeats,
                revisits=revisits,
                shared_answers=shared,
                random_shared=round(_random_shared(list(rotation), sizes, answers, keys)),
            )
        )
    return out


def _same_answers(a: Mapping[str, Any], b: Mapping[str, Any], keys: Sequence[str]) -> int:
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return 0
    return sum(
        1
        for key in keys
        if a.get(key) is not None and _hashable(a.get(key)) == _hashable(b.get(key))
    )


def _hashable(value: Any) -> Any:
    return tuple(sorted(map(str, value))) if isinstance(value, list) else value


def _random_shared(
    people: list[int],
    sizes: list[int],
    answers: Mapping[int, Mapping[str, Any]],
    keys: Sequence[str],
) -> float:
    """Expected same-answer pairs at the same table when seating at random (these sizes)."""
    n = len(people)
    if n < 2:
        return 0.0
    total_pairs = sum(s * (s - 1) / 2 for s in sizes)
    all_pairs = n * (n - 1) / 2
    same = 0
    for key in keys:
        counts: dict[Any, int] = {}
        for person in people:
            value = answers.get(person, {})
            value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None:
                counts[_hashable(value)] = counts.get(_hashable(value), 0) + 1
        same += sum(c * (c - 1) // 2 for c in counts.values())
    return same * total_pairs / all_pairs


# --- Composing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOutcome:
    fresh: bool  # composed from scratch by the engine
    placed: int  # citizens given seats by this action
    removed: int  # citizens no longer expected, whose seats were freed
    moved: int  # citizens already seated who changed table (0 unless fresh)
    tables: int
    rotations: int
    reports: list[RotationReport]

    @property
    def more_rotations_than_tables(self) -> bool:
        return self.rotations > self.tables

    @property
    def repeats(self) -> int:
        return sum(r.repeats for r in self.reports)

    @property
    def revisits(self) -> int:
        return sum(r.revisits for r in self.reports)


def stored_plan(meeting: Meeting) -> tuple[Plan, dict[int, int], int]:
    """The plan in the database: per rotation application id -> table, contributor
    id -> table (from rotation 1), and the number of rotations it holds."""
    plan: Plan = [{} for _ in range(meeting.rotations)]
    hosts: dict[int, int] = {}
    held = 0
    for seat in TableSeat.objects.filter(meeting=meeting).only(
        "rotation", "table", "application_id", "contributor_id"
    ):
        held = max(held, seat.rotation)
        if seat.contributor_id is not None:
            hosts.setdefault(seat.contributor_id, seat.table)
        elif 1 <= seat.rotation <= meeting.rotations and seat.application_id is not None:
            plan[seat.rotation - 1][seat.application_id] = seat.table
    return plan, hosts, held


PLAN_TRIES: Final = 5


class _PlanChanged(Exception):
    """The meeting (its plan) changed after this plan's seats were read: compute again."""


def compose_table_plan(meeting: Meeting, *, fresh: bool = False, seed: int = 0) -> PlanOutcome:
    """Seat the contributors and the citizens for every rotation, replacing any previous
    plan (fresh) or updating it, moving nobody already seated (not fresh). A plan computed
    from seats another click replaced meanwhile is computed again from the saved one."""
    for attempt in range(PLAN_TRIES):
        try:
            return _compose_once(meeting, fresh=fresh, seed=seed, check=attempt < PLAN_TRIES - 1)
        except _PlanChanged:
            continue
    raise AssertionError("unreachable: the last try does not check")


def _compose_once(meeting: Meeting, *, fresh: bool, seed: int, check: bool) -> PlanOutcome:
    current = Meeting.objects.get(pk=meeting.pk)
    if current.state != MeetingState.ALLOCATED:
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
        rows = engine_plan(weights, tables, rotations, seed=seed, seconds=_plan_seconds())
        plan: Plan = [{pk: row[k] + 1 for k, pk in enumerate(ids)} for row in rows]
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
            tables,
            pairs,
        )
        placed, moved = len(newcomers), 0
    _save_plan(current, hosts, plan, read=current.updated_at if check else None)
    keys = [c.name for c in criteria]
    reports = rotation_reports(plan, tables, {c.pk: c.answers for c in citizens}, keys)
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
    plan: Plan,
    *,
    read: datetime.datetime | None = None,
) -> None:
    locked = Meeting.objects.locked(meeting.pk)
    if locked.state != MeetingState.ALLOCATED:
        raise NotAllocated  # the meeting ended meanwhile
    if read is not None and locked.updated_at != read:
        raise _PlanChanged  # computed from seats another plan replaced
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


# --- Check-in, timer, the end --------------------------------------------------------------


@transaction.atomic
def mark_application(
    meeting: Meeting, application_id: int, *, arrived: bool, now: datetime.datetime | None = None
) -> Application:
    """A confirmed applicant arrives at the door (or the mark is undone)."""
    locked = Meeting.objects.locked(meeting.pk)
    if locked.state != MeetingState.ALLOCATED:
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
    if locked.state != MeetingState.ALLOCATED:
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
    if locked.state != MeetingState.ALLOCATED or not 1 <= number <= locked.rotations:
        raise NotAllocated
    locked.current_rotation = number
    locked.rotation_ends_at = (now or timezone.now()) + datetime.timedelta(
        minutes=locked.rotation_minutes
    )
    locked.save(update_fields=["current_rotation", "rotation_ends_at", "updated_at"])
    return locked


@transaction.atomic
def end_meeting(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """The meeting is over (allocated -> held); keeps how many citizens came."""
    locked = Meeting.objects.locked(meeting.pk)
    try:
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
    except ForbiddenTransition:
        raise NotAllocated from None


def plan_exists(meeting: Meeting) -> bool:
    return TableSeat.objects.filter(meeting=meeting).exists()


def rotation_numbers(meeting: Meeting) -> list[int]:
    return list(range(1, meeting.rotations + 1))


# --- Reading the plan (pages) --------------------------------------------------------------


@dataclass(frozen=True)
class TableCard:
    number: int
    host: Contributor | None
    names: list[str]  # citizens' first names, sorted


def rotation_tables(meeting: Meeting, number: int) -> list[TableCard]:
    """The tables of one rotation: host and citizens' first names (one query)."""
    seats = (
        TableSeat.objects.filter(meeting=meeting, rotation=number)
        .select_related("contributor", "application__user")
        .only(
            "table",
            "contributor__name",
            "contributor__organisation",
            "contributor__title",
            "contributor__format",
            "application__user__display_name",
        )
        .order_by("table", "pk")
    )
    hosts: dict[int, Contributor] = {}
    names: dict[int, list[str]] = {}
    for seat in seats:
        names.setdefault(seat.table, [])
        if seat.contributor is not None:
            hosts.setdefault(seat.table, seat.contributor)
        elif seat.application is not None:
            names[seat.table].append(display_first_name(seat.application.user.display_name))
    return [
        TableCard(number=t, host=hosts.get(t), names=sorted(names[t], key=str.casefold))
        for t in sorted(names)
    ]


@dataclass(frozen=True)
class DayState:
    """What the day pages say about the plan and the door (counts only)."""

    hosts: int  # accepted contributors (tables)
    hosts_arrived: int
    expected: int  # confirmed applicants
    arrived: int  # of them, checked in
    seated: int  # citizens in the plan
    unseated: int  # citizens to seat who are not in the plan yet
    absent: int  # citizens in the plan no longer to seat (not checked in, withdrawn)
    plan_tables: int  # tables in the stored plan
    reports: list[RotationReport]

    @property
    def planned(self) -> bool:
        return self.plan_tables > 0

    @property
    def out_of_date(self) -> bool:
        return self.planned and (
            self.unseated > 0 or self.absent > 0 or self.plan_tables != self.hosts
        )


def day_state(meeting: Meeting, *, with_reports: bool = False) -> DayState:
    """A fixed number of queries whatever the number of people."""
    hosts = Contributor.objects.filter(meeting=meeting, status=ContributorStatus.ACCEPTED)
    host_count = hosts.count()
    hosts_arrived = hosts.filter(checked_in_at__isnull=False).count()
    rows = list(expected_citizens(meeting).values_list("pk", "checked_in_at"))
    arrived = {pk for pk, at in rows if at is not None}
    to_seat = arrived or {pk for pk, _ in rows}
    plan: Plan = [{} for _ in range(meeting.rotations)]
    tables: set[int] = set()
    answers: dict[int, Any] = {}
    seats = TableSeat.objects.filter(meeting=meeting).only(
        "rotation", "table", "contributor_id", "application_id"
    )
    if with_reports:
        seats = (
            TableSeat.objects.filter(meeting=meeting)
            .select_related("application")
            .only("rotation", "table", "contributor_id", "application__answers")
        )
    for seat in seats:
        if seat.contributor_id is not None:
            tables.add(seat.table)
        elif seat.application_id is not None and 1 <= seat.rotation <= meeting.rotations:
            plan[seat.rotation - 1][seat.application_id] = seat.table
            if with_reports and seat.application is not None:
                answers[seat.application_id] = seat.application.answers
    seated = set().union(*(set(r) for r in plan)) if plan else set()
    reports: list[RotationReport] = []
    if with_reports and seated:
        keys = list(meeting.criteria.values_list("key", flat=True))
        reports = rotation_reports(plan, len(tables), answers, keys)
    return DayState(
        hosts=host_count,
        hosts_arrived=hosts_arrived,
        expected=len(rows),
        arrived=len(arrived),
        seated=len(seated),
        unseated=len(to_seat - seated),
        absent=len(seated - to_seat),
        plan_tables=len(tables),
        reports=reports,
    )
