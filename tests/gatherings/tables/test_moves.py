"""Which rules moving one person by hand would break (plain data, no database)."""

from __future__ import annotations

from tierslien.gatherings.tables.moves import check_move, moved, seats_per_table

# Two rounds at 2 tables: 1 and 2 sat together at table 1 in round 1.
PLAN = [{1: 1, 2: 1, 3: 2, 4: 2}, {1: 2, 2: 1, 3: 1, 4: 2}]


def test_a_move_to_ones_own_table_is_refused() -> None:
    [finding] = check_move(PLAN, 1, 2, 2, tables=2)
    assert (finding.rule, finding.hard) == ("same_table", True)


def test_a_full_table_is_refused_with_its_count_and_seats() -> None:
    findings = check_move(PLAN, 2, 2, 2, tables=2)
    capacity = next(f for f in findings if f.rule == "capacity")
    assert (capacity.hard, capacity.people, capacity.seats) == (True, 3, 2)


def test_meeting_again_and_coming_back_are_soft_and_say_when() -> None:
    plan = [{1: 1, 2: 1, 3: 2, 4: 2, 5: 3}, {1: 2, 2: 3, 3: 1, 4: 1, 5: 2}]
    findings = check_move(plan, 1, 2, 3, tables=3)  # to table 3, where 2 sits
    assert [(f.rule, f.other, f.rounds) for f in findings] == [("repeat", 2, (1,))]
    assert not any(f.hard for f in findings)
    findings = check_move(plan, 5, 1, 2, tables=3)  # table 2 again, and it is full
    assert [f.rule for f in findings] == ["capacity", "revisit"]
    revisit = next(f for f in findings if f.rule == "revisit")
    assert revisit.rounds == (2,)


def test_moved_copies_the_plan_and_seats_evenly() -> None:
    after = moved(PLAN, 1, 1, 2)
    assert after[0][1] == 2 and PLAN[0][1] == 1
    assert seats_per_table(20, 3) == 7
