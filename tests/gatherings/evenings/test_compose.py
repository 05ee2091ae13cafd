"""Composing every round at once, then seating late arrivals."""

from __future__ import annotations

import itertools

import pytest

from tests.gatherings.conftest import Crowd
from tierslien.gatherings.evenings import services
from tierslien.gatherings.evenings.problem import companion_pairs, person_id
from tierslien.gatherings.models import Attendee, Companion, Evening, EveningState, Seat
from tierslien.gatherings.tables import repeats

pytestmark = pytest.mark.django_db


def plan_of(evening: Evening) -> list[dict[str, int]]:
    plan: list[dict[str, int]] = [{} for _ in range(evening.rounds)]
    for seat in Seat.objects.filter(evening=evening):
        plan[seat.round - 1][person_id(seat.attendee_id)] = seat.table
    return plan


def table_sizes(assignment: dict[str, int]) -> list[int]:
    sizes: dict[int, int] = {}
    for table in assignment.values():
        sizes[table] = sizes.get(table, 0) + 1
    return sorted(sizes.values())


def test_thirty_people_two_rounds_no_repeat_and_companions_apart(
    evening: Evening, crowd: Crowd
) -> None:
    people = crowd(evening, 27)
    # Two groups who came together: a couple (apart) and a pair who want to stay together.
    ana = services.check_in(
        evening, first_name="Ana", answers={}, came_with=[people[0].pk, people[1].pk]
    )
    duo = services.check_in(
        evening, first_name="Karim", answers={}, came_with=[people[2].pk], stay_together=True
    )
    # A second pair staying together: both pairs must not share a table (they would
    # then meet again in every round).
    other_duo = services.check_in(
        evening, first_name="Josiane", answers={}, came_with=[people[3].pk], stay_together=True
    )
    outcome = services.compose_tables(evening)
    evening.refresh_from_db()
    assert evening.state == EveningState.COMPOSED
    assert outcome.fresh and outcome.repeats == 0
    plan = plan_of(evening)
    assert len(plan) == 2
    for assignment in plan:
        assert len(assignment) == 30
        assert all(4 <= size <= 5 for size in table_sizes(assignment))
        assert assignment[person_id(ana.pk)] != assignment[person_id(people[0].pk)]
        assert assignment[person_id(ana.pk)] != assignment[person_id(people[1].pk)]
        assert assignment[person_id(duo.pk)] == assignment[person_id(people[2].pk)]
        assert assignment[person_id(other_duo.pk)] == assignment[person_id(people[3].pk)]
        assert assignment[person_id(duo.pk)] != assignment[person_id(other_duo.pk)]
    together = {
        frozenset((person_id(duo.pk), person_id(people[2].pk))),
        frozenset((person_id(other_duo.pk), person_id(people[3].pk))),
    }
    assert repeats(plan, ignore=together) == 0


def test_late_arrivals_move_few_people_and_meet_nobody_twice(
    evening: Evening, crowd: Crowd
) -> None:
    crowd(evening, 30)
    services.compose_tables(evening)
    before = plan_of(evening)
    late = [services.check_in(evening, first_name=f"Late {k}", answers={}) for k in range(2)]
    outcome = services.compose_tables(evening)
    after = plan_of(evening)
    assert not outcome.fresh and outcome.placed == 2
    # Every table was full (6 x 5): round 1 opens a table of the two newcomers and two people
    # from full tables; in round 2 they must sit apart: three people join one of them.
    assert outcome.moved <= 5
    for r in range(2):
        assert all(person_id(a.pk) in after[r] for a in late)
        assert all(4 <= size <= 5 for size in table_sizes(after[r]))
        changed = [p for p, t in before[r].items() if after[r][p] != t]
        assert len(changed) <= 3
    assert repeats(after) == 0


def test_late_arrival_fills_a_table_with_room(evening: Evening, crowd: Crowd) -> None:
    crowd(evening, 12)  # 3 tables of 4
    services.compose_tables(evening)
    before = plan_of(evening)
    services.check_in(evening, first_name="Zoé", answers={})
    outcome = services.compose_tables(evening)
    assert outcome.moved == 0
    after = plan_of(evening)
    for r in range(2):
        assert {p: t for p, t in after[r].items() if p in before[r]} == before[r]
        assert sorted(table_sizes(after[r])) == [4, 4, 5]


def test_fresh_composition_recomposes_everyone(evening: Evening, crowd: Crowd) -> None:
    crowd(evening, 10)
    services.compose_tables(evening)
    services.check_in(evening, first_name="Zoé", answers={})
    outcome = services.compose_tables(evening, fresh=True)
    assert outcome.fresh and outcome.placed == 11
    assert Seat.objects.count() == 22


def test_nobody_is_left_standing_when_sizes_do_not_divide(evening: Evening, crowd: Crowd) -> None:
    crowd(evening, 6)  # 6 cannot be split into tables of 4 or 5
    services.compose_tables(evening)
    for assignment in plan_of(evening):
        assert len(assignment) == 6


def test_too_few_people(evening: Evening, crowd: Crowd) -> None:
    crowd(evening, 3)
    with pytest.raises(services.TooFewAttendees):
        services.compose_tables(evening)


def test_an_evening_over_cannot_be_recomposed(evening: Evening, crowd: Crowd) -> None:
    crowd(evening, 8)
    services.compose_tables(evening)
    services.mark_held(evening)
    with pytest.raises(services.EveningClosed):
        services.compose_tables(evening)
    with pytest.raises(services.EveningClosed):
        services.check_in(evening, first_name="Late", answers={})
    with pytest.raises(services.EveningClosed):
        services.mark_held(evening)


def test_companion_pairs_together_wins_and_oversized_groups_are_dropped(
    evening: Evening, crowd: Crowd
) -> None:
    people = crowd(evening, 7)
    ids = [p.pk for p in people]
    # A big family of 7 asking to stay together cannot fit at a table of 5.
    for a, b in itertools.pairwise(ids):
        Attendee.objects.get(pk=b).companions.create(other_id=a, together=True)
    Attendee.objects.get(pk=ids[1]).companions.create(other_id=ids[3], together=False)
    together, apart = companion_pairs(list(Companion.objects.all()), 5)
    assert together == set()
    assert apart == set()
    together, apart = companion_pairs(list(Companion.objects.all()), 8)
    assert len(together) == 6
    assert apart == set()


def test_someone_checking_in_while_the_engine_runs_is_a_late_arrival(
    evening: Evening, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(evening, 8)
    engine_plan = services._engine_plan

    def slow(built: object, seed: int) -> object:
        services.check_in(evening, first_name="Meanwhile", answers={})
        return engine_plan(built, seed)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "_engine_plan", slow)
    services.compose_tables(evening)
    meanwhile = Attendee.objects.get(first_name="Meanwhile")
    assert not meanwhile.seats.exists()
    assert Attendee.objects.unseated().count() == 1
    services.compose_tables(evening)
    assert meanwhile.seats.count() == 2


def test_evening_over_while_the_engine_runs_keeps_no_plan(
    evening: Evening, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(evening, 8)
    engine_plan = services._engine_plan

    def slow(built: object, seed: int) -> object:
        plan = engine_plan(built, seed)  # type: ignore[arg-type]
        services.purge_evening(evening)
        return plan

    monkeypatch.setattr(services, "_engine_plan", slow)
    with pytest.raises(services.EveningClosed):
        services.compose_tables(evening)
    assert not Seat.objects.exists()


def test_a_plan_saved_meanwhile_is_not_overwritten_with_stale_seats(
    evening: Evening, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clicks at once: the second plan was computed before the first was saved; it is
    computed again from the saved plan, so the late arrival the first one seated keeps a
    seat (was: overwritten, unseated)."""
    crowd(evening, 12)
    services.compose_tables(evening)
    late = services.check_in(evening, first_name="Zoé", answers={})
    real = services.place_newcomers
    calls = []

    def other_click_saves_first(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:  # meanwhile, another click seats the late arrival and saves
            monkeypatch.setattr(services, "place_newcomers", real)
            services.compose_tables(evening)
            monkeypatch.setattr(services, "place_newcomers", other_click_saves_first)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "place_newcomers", other_click_saves_first)
    services.compose_tables(evening)
    assert len(calls) == 2  # computed again from the saved plan
    assert all(person_id(late.pk) in rotation for rotation in plan_of(evening))
