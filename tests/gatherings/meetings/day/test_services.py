"""The table plan of a themed meeting: tables = contributors, citizens move over rotations.

Also the helpers the other day tests import (`day_meeting`, `add_contributors`, ...):
rows made directly, so the tests do not depend on the core and seats services.
"""

from __future__ import annotations

import datetime
from collections import Counter
from itertools import combinations
from typing import Any

import pytest
from django.utils import timezone

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import Applicants, make_meeting
from tierslien.gatherings.meetings.day import pages, services
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_plan(settings: object) -> None:
    settings.MEETING_PLAN_SECONDS = 0.3  # type: ignore[attr-defined]


# --- Helpers (imported by the other day tests) ---------------------------------------------


def add_contributors(meeting: Meeting, count: int, *, start: int = 0) -> list[Contributor]:
    """Accepted contributors, invited one minute apart (table order)."""
    now = timezone.now()
    return [
        Contributor.objects.create(
            meeting=meeting,
            name=f"Host {k}",
            organisation=f"Association {k}",
            email=f"host{k}@example.org",
            token_hash=f"{meeting.pk:08d}{k:056d}",
            status=ContributorStatus.ACCEPTED,
            invited_at=now + datetime.timedelta(minutes=k),
            responded_at=now,
            title=f"Contribution {k}",
            format="table",
        )
        for k in range(start, start + count)
    ]


def more_applicants(meeting: Meeting, count: int, *, prefix: str) -> list[Application]:
    """Applications of new people (the `applicants` fixture can run once per test)."""
    made = []
    for k in range(count):
        user = make_user(f"{prefix}{k}@example.org", f"{prefix.title()} {k}", language="en")
        made.append(
            Application.objects.create(
                meeting=meeting,
                user=user,
                pseudonym=f"{prefix[:8]}{k:04d}",
                answers={"occupation": ["2", "5", "8"][k % 3]},
                applied_at=timezone.now(),
            )
        )
    return made


def confirm(applications: list[Application]) -> list[Application]:
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(
        status=ApplicationStatus.CONFIRMED, confirmed_at=timezone.now()
    )
    for application in applications:
        application.status = ApplicationStatus.CONFIRMED
    return applications


def check_in(applications: list[Application]) -> None:
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(
        checked_in_at=timezone.now()
    )


def allocate(meeting: Meeting) -> Meeting:
    meeting.state = MeetingState.ALLOCATED
    meeting.save(update_fields=["state"])
    return meeting


def day_meeting(
    cast: Cast,
    applicants: Applicants,
    *,
    citizens: int = 20,
    contributors: int = 3,
    rotations: int = 2,
    other: bool = False,
) -> Meeting:
    """An allocated meeting with accepted contributors and confirmed applicants."""
    meeting = make_meeting(cast, other=other, rotations=rotations, seats=max(citizens, 2))
    allocate(meeting)
    add_contributors(meeting, contributors)
    if citizens:
        confirm(applicants(meeting, citizens))
    return meeting


def plan_of(meeting: Meeting) -> list[dict[int, int]]:
    plan, _, _ = pages.stored_plan(meeting)
    return plan


def repeats(plan: list[dict[int, int]]) -> int:
    seen: Counter[frozenset[int]] = Counter()
    for rotation in plan:
        tables: dict[int, list[int]] = {}
        for person, table in rotation.items():
            tables.setdefault(table, []).append(person)
        for people in tables.values():
            seen.update(frozenset(p) for p in combinations(people, 2))
    return sum(c - 1 for c in seen.values() if c > 1)


def revisits(plan: list[dict[int, int]]) -> int:
    people = set().union(*(set(r) for r in plan))
    return sum(len(plan) - len({r[p] for r in plan}) for p in people)


# --- Refusals ------------------------------------------------------------------------------


def test_no_contributor_is_refused(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, contributors=0)
    with pytest.raises(services.NoContributor):
        services.compose_table_plan(meeting)
    assert not TableSeat.objects.exists()


def test_invited_or_declined_contributors_hold_no_table(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, contributors=0)
    host = add_contributors(meeting, 1)[0]
    for status in (ContributorStatus.INVITED, ContributorStatus.DECLINED):
        Contributor.objects.filter(pk=host.pk).update(status=status)
        with pytest.raises(services.NoContributor):
            services.compose_table_plan(meeting)


def test_no_citizen_is_refused(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0)
    applicants(meeting, 5)  # applied, not confirmed
    with pytest.raises(services.NoCitizen):
        services.compose_table_plan(meeting)
    assert not TableSeat.objects.exists()


@pytest.mark.parametrize("state", ["draft", "open", "held", "archived"])
def test_only_an_allocated_meeting_gets_a_plan(
    cast: Cast, applicants: Applicants, state: str
) -> None:
    meeting = day_meeting(cast, applicants)
    Meeting.objects.filter(pk=meeting.pk).update(state=state)
    with pytest.raises(services.NotAllocated):
        services.compose_table_plan(meeting)
    assert not TableSeat.objects.exists()


# --- Composing -----------------------------------------------------------------------------


def test_three_tables_two_rotations(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=20, contributors=3, rotations=2)
    outcome = services.compose_table_plan(meeting)
    assert (outcome.fresh, outcome.tables, outcome.rotations, outcome.placed) == (
        True,
        3,
        2,
        20,
    )
    plan = plan_of(meeting)
    ids = set(Application.objects.filter(meeting=meeting).values_list("pk", flat=True))
    for rotation in plan:
        assert set(rotation) == ids
        assert sorted(Counter(rotation.values()).values()) == [6, 7, 7]
    assert revisits(plan) == 0 == outcome.revisits
    assert repeats(plan) == outcome.repeats
    # Each contributor stays at their table (in invitation order) in every rotation.
    hosts = TableSeat.objects.filter(meeting=meeting, contributor__isnull=False)
    assert hosts.count() == 6
    for seat in hosts:
        assert seat.table == int(seat.contributor.name.split()[-1]) + 1
    assert [r.citizens for r in outcome.reports] == [20, 20]


def test_no_repeat_when_the_room_allows_it(cast: Cast, applicants: Applicants) -> None:
    """12 citizens at 4 tables of 3, 2 rotations: nobody meets anyone twice or revisits."""
    meeting = day_meeting(cast, applicants, citizens=12, contributors=4, rotations=2)
    outcome = services.compose_table_plan(meeting)
    assert outcome.repeats == 0 == repeats(plan_of(meeting))
    assert outcome.revisits == 0


def test_one_table(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=5, contributors=1, rotations=2)
    outcome = services.compose_table_plan(meeting)
    assert all(set(r.values()) == {1} for r in plan_of(meeting))
    assert outcome.more_rotations_than_tables
    assert outcome.revisits == 5


def test_more_rotations_than_tables_still_seats_everyone(
    cast: Cast, applicants: Applicants
) -> None:
    meeting = day_meeting(cast, applicants, citizens=9, contributors=2, rotations=3)
    outcome = services.compose_table_plan(meeting)
    assert outcome.more_rotations_than_tables
    plan = plan_of(meeting)
    assert all(len(r) == 9 for r in plan)
    # Two tables, three rotations: each citizen comes back exactly once, no more.
    assert revisits(plan) == 9


def test_odd_sizes_and_fewer_citizens_than_tables(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=7, contributors=3, rotations=2)
    services.compose_table_plan(meeting)
    for rotation in plan_of(meeting):
        assert sorted(Counter(rotation.values()).values()) == [2, 2, 3]
    small = day_meeting(cast, applicants, citizens=0, contributors=3, rotations=2, other=True)
    confirm(more_applicants(small, 2, prefix="few"))
    outcome = services.compose_table_plan(small)
    assert outcome.revisits == 0 and outcome.repeats == 0
    assert TableSeat.objects.filter(meeting=small, contributor__isnull=False).count() == 6


def test_composing_again_replaces_the_plan(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=10, contributors=2)
    services.compose_table_plan(meeting)
    services.compose_table_plan(meeting, fresh=True, seed=3)
    assert TableSeat.objects.filter(meeting=meeting).count() == 2 * (10 + 2)


def test_once_check_in_started_only_arrivals_are_seated(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0)
    people = confirm(applicants(meeting, 12))
    check_in(people[:8])
    services.compose_table_plan(meeting)
    assert set(plan_of(meeting)[0]) == {a.pk for a in people[:8]}


def test_late_arrivals_move_nobody(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0, contributors=3)
    people = confirm(applicants(meeting, 18))
    check_in(people[:15])
    services.compose_table_plan(meeting)
    before = plan_of(meeting)
    check_in(people[15:])
    outcome = services.compose_table_plan(meeting)
    after = plan_of(meeting)
    assert (outcome.fresh, outcome.placed, outcome.moved, outcome.removed) == (False, 3, 0, 0)
    for old, new in zip(before, after, strict=True):
        assert all(new[pk] == table for pk, table in old.items())
        assert len(new) == 18
        assert sorted(Counter(new.values()).values()) == [6, 6, 6]
    for late in people[15:]:
        assert len({rotation[late.pk] for rotation in after}) == 2  # no revisit


def test_absentees_free_their_seats(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0, contributors=3)
    people = confirm(applicants(meeting, 12))
    services.compose_table_plan(meeting)  # before the day: every confirmed seat
    before = plan_of(meeting)
    check_in(people[:10])
    outcome = services.compose_table_plan(meeting)
    assert (outcome.placed, outcome.removed, outcome.moved) == (0, 2, 0)
    after = plan_of(meeting)
    for old, new in zip(before, after, strict=True):
        assert set(new) == {a.pk for a in people[:10]}
        assert all(old[pk] == table for pk, table in new.items())


def test_a_new_contributor_means_a_fresh_plan(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=12, contributors=2)
    services.compose_table_plan(meeting)
    add_contributors(meeting, 1, start=5)
    outcome = services.compose_table_plan(meeting)
    assert outcome.fresh and outcome.tables == 3
    assert {t for r in plan_of(meeting) for t in r.values()} == {1, 2, 3}


def test_the_engine_sees_only_the_meetings_criteria_and_tolerates_odd_answers(
    cast: Cast, applicants: Applicants
) -> None:
    meeting = day_meeting(cast, applicants, citizens=6, contributors=2)
    Application.objects.filter(meeting=meeting).update(
        answers={"occupation": ["not", "a", "label"], "age_bracket": "999", "unknown": "x"}
    )
    outcome = services.compose_table_plan(meeting)
    assert outcome.placed == 6


# --- Door, timer, end ----------------------------------------------------------------------


def test_check_in_and_undo(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=3, contributors=1)
    person = Application.objects.filter(meeting=meeting).first()
    assert person is not None
    services.mark_application(meeting, person.pk, arrived=True)
    person.refresh_from_db()
    assert person.checked_in_at is not None
    services.mark_application(meeting, person.pk, arrived=False)
    person.refresh_from_db()
    assert person.checked_in_at is None
    host = Contributor.objects.get(meeting=meeting)
    services.mark_contributor(meeting, host.pk, arrived=True)
    host.refresh_from_db()
    assert host.checked_in_at is not None


def test_only_expected_people_check_in(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0, contributors=0)
    waiting = applicants(meeting, 2)[0]  # applied only
    other = day_meeting(cast, applicants, citizens=0, contributors=1, other=True)
    stranger = confirm(more_applicants(other, 1, prefix="stranger"))[0]
    foreign_host = Contributor.objects.get(meeting=other)
    for pk in (waiting.pk, stranger.pk, 999999):
        with pytest.raises(services.NotExpected):
            services.mark_application(meeting, pk, arrived=True)
    with pytest.raises(services.NotExpected):
        services.mark_contributor(meeting, foreign_host.pk, arrived=True)
    assert not Application.objects.filter(checked_in_at__isnull=False).exists()
    assert not Contributor.objects.filter(checked_in_at__isnull=False).exists()


def test_door_closed_outside_the_day(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=1, contributors=1)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.OPEN)
    person = Application.objects.get(meeting=meeting)
    with pytest.raises(services.NotAllocated):
        services.mark_application(meeting, person.pk, arrived=True)
    with pytest.raises(services.NotAllocated):
        services.start_rotation(meeting, 1)
    with pytest.raises(services.NotAllocated):
        services.end_meeting(meeting)


def test_rotation_timer(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=1, contributors=1)
    now = timezone.now().replace(microsecond=0)
    services.start_rotation(meeting, 2, now=now)
    meeting.refresh_from_db()
    assert meeting.current_rotation == 2
    assert meeting.rotation_ends_at == now + datetime.timedelta(minutes=meeting.rotation_minutes)
    with pytest.raises(services.NotAllocated):
        services.start_rotation(meeting, 3)


def test_the_meeting_is_over(cast: Cast, applicants: Applicants) -> None:
    meeting = day_meeting(cast, applicants, citizens=0, contributors=1)
    people = confirm(applicants(meeting, 5))
    check_in(people[:3])
    services.end_meeting(meeting)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.attended_count) == (MeetingState.HELD, 3)
    assert meeting.held_at is not None
    with pytest.raises(services.NotAllocated):
        services.end_meeting(meeting)


def test_a_plan_saved_meanwhile_is_computed_again(
    cast: Cast, applicants: Applicants, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = day_meeting(cast, applicants, citizens=12)
    real = services.hosted_plan
    calls = []

    def other_click_saves_first(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # another click saves a plan while this one computes
            Meeting.objects.get(pk=meeting.pk).save(update_fields=["updated_at"])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "hosted_plan", other_click_saves_first)
    services.compose_table_plan(meeting)
    assert len(calls) == 2
    assert sum(len(rotation) for rotation in plan_of(meeting)) == 12 * meeting.rotations
