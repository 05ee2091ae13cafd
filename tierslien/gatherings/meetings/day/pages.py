"""What the day's pages read: who is expected, the stored plan, the tables of a rotation,
the door's and the plan's counts. No writes here (see services.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)
from tierslien.gatherings.tables import Plan, RoundReport, round_reports
from tierslien.gatherings.tables.moves import MoveFinding


def day_open(meeting: Meeting) -> bool:
    """The plan, the door and the timer work while the seats are allocated (not before,
    not once the meeting is over)."""
    return bool(meeting.state == MeetingState.ALLOCATED)


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
    return bool(expected_citizens(meeting).filter(checked_in_at__isnull=False).exists())


def plan_citizens(meeting: Meeting) -> list[Application]:
    """Who gets a seat: the confirmed applicants, or those checked in once check-in started."""
    citizens = expected_citizens(meeting)
    if check_in_started(meeting):
        citizens = citizens.filter(checked_in_at__isnull=False)
    return list(citizens.order_by("pk"))


def display_first_name(display_name: str) -> str:
    """What the table plan shows of someone: the first word of their display name."""
    return (display_name.split() or ["?"])[0][:40]


# --- The stored plan -----------------------------------------------------------------------


def stored_plan(meeting: Meeting) -> tuple[Plan[int], dict[int, int], int]:
    """The plan in the database: per rotation application id -> table, contributor
    id -> table (from rotation 1), and the number of rotations it holds."""
    plan: Plan[int] = [{} for _ in range(meeting.rotations)]
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


def plan_exists(meeting: Meeting) -> bool:
    return bool(TableSeat.objects.filter(meeting=meeting).exists())


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
    reports: list[RoundReport]

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
    plan: Plan[int] = [{} for _ in range(meeting.rotations)]
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
    reports: list[RoundReport] = []
    if with_reports and seated:
        keys = list(meeting.criteria.values_list("key", flat=True))
        reports = round_reports(plan, len(tables), answers, keys)
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


# --- Moving one person by hand -------------------------------------------------------------


def plan_digest(seats: Iterable[TableSeat]) -> str:
    """A fingerprint of the stored plan: a move checked against one plan is not saved
    into another (recomposed, or changed by another move, meanwhile)."""
    rows = sorted(
        (seat.rotation, seat.table, seat.application_id or 0, seat.contributor_id or 0)
        for seat in seats
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]


def current_digest(meeting: Meeting) -> str:
    return plan_digest(
        TableSeat.objects.filter(meeting=meeting).only(
            "rotation", "table", "application_id", "contributor_id"
        )
    )


def seated_names(meeting: Meeting) -> dict[int, str]:
    """Display names of the citizens in the stored plan (application id -> name)."""
    return {
        pk: name
        for pk, name in Application.objects.filter(table_seats__meeting=meeting)
        .distinct()
        .values_list("pk", "user__display_name")
    }


def host_names(meeting: Meeting) -> dict[int, str]:
    """Table number -> its contributor's name, in the stored plan."""
    return {
        table: name
        for table, name in TableSeat.objects.filter(meeting=meeting, contributor__isnull=False)
        .values_list("table", "contributor__name")
        .distinct()
    }


def _rotations(numbers: tuple[int, ...]) -> str:
    return ", ".join(str(n) for n in numbers)


def move_sentence(
    finding: MoveFinding[int],
    *,
    person: str,
    table: int,
    names: Mapping[int, str],
    hosts: Mapping[int, str],
) -> str:
    """One broken rule in words: people's and tables' names only (nothing else is known
    here, so no answer of anyone's can show)."""
    if finding.rule == "same_table":
        return _("%(person)s already sits at table %(table)d in this rotation.") % {
            "person": person,
            "table": table,
        }
    if finding.rule == "capacity":
        return _("Table %(table)d would have %(people)d people, more than its %(seats)d seats.") % {
            "table": table,
            "people": finding.people,
            "seats": finding.seats,
        }
    if finding.rule == "repeat":
        return ngettext(
            "%(person)s would sit again with %(other)s, met in rotation %(rotations)s.",
            "%(person)s would sit again with %(other)s, met in rotations %(rotations)s.",
            len(finding.rounds),
        ) % {
            "person": person,
            "other": names.get(finding.other or 0, "?"),
            "rotations": _rotations(finding.rounds),
        }
    return ngettext(
        "%(person)s would visit table %(table)d's contributor (%(host)s) a second time: "
        "already there in rotation %(rotations)s.",
        "%(person)s would visit table %(table)d's contributor (%(host)s) again: "
        "already there in rotations %(rotations)s.",
        len(finding.rounds),
    ) % {
        "person": person,
        "table": table,
        "host": hosts.get(table, "?"),
        "rotations": _rotations(finding.rounds),
    }


def rotation_hosts(meeting: Meeting, number: int) -> list[tuple[int, str, int]]:
    """(contributor id, name, table) of the hosts in one rotation of the stored plan."""
    return list(
        TableSeat.objects.filter(meeting=meeting, rotation=number, contributor__isnull=False)
        .order_by("table")
        .values_list("contributor_id", "contributor__name", "table")
    )
