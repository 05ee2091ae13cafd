"""Properties of the shared table plans: nobody is left standing, seated people stay, counts
agree with their definitions. Plain data, no database."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierslien.gatherings.tables import (
    PlanChanged,
    best_of_tries,
    place_newcomers,
    repeats,
    revisits,
    round_reports,
    until_saved,
)
from tierslien.gatherings.tables.plan import Plan


def _zero(a: int, b: int) -> float:
    return 0.0


def _distance(a: int, b: int) -> float:
    return abs(a - b) / 100


@st.composite
def open_plans(draw: st.DrawFn) -> tuple[Plan[int], list[int], int, int]:
    """An evening's plan of 1-3 rounds (tables between the sizes), and newcomers."""
    min_size = draw(st.integers(2, 4))
    max_size = min_size + draw(st.integers(0, 2))
    people = draw(st.integers(min_size, 24))
    rounds = draw(st.integers(1, 3))
    plan: Plan[int] = []
    for _ in range(rounds):
        order = draw(st.permutations(range(people)))
        tables = max(1, people // min_size)
        plan.append({person: 1 + k % tables for k, person in enumerate(order)})
    newcomers = list(range(100, 100 + draw(st.integers(0, 6))))
    return plan, newcomers, min_size, max_size


@settings(max_examples=60, deadline=None)
@given(open_plans())
def test_open_tables_seat_every_newcomer_and_move_only_the_moved(
    case: tuple[Plan[int], list[int], int, int],
) -> None:
    plan, newcomers, min_size, max_size = case
    before = [dict(a) for a in plan]
    placement = place_newcomers(
        plan, newcomers, min_size=min_size, max_size=max_size, dissimilarity=_distance
    )
    assert plan == before  # the input is not changed
    for r, assignment in enumerate(placement.plan):
        assert set(assignment) == set(before[r]) | set(newcomers)
        for person, table in before[r].items():
            assert assignment[person] == table or person in placement.moved


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 3),
    st.integers(0, 20),
    st.integers(0, 6),
    st.randoms(use_true_random=False),
)
def test_hosted_tables_move_nobody_and_stay_balanced(
    hosts: int, rounds: int, seated: int, late: int, rng: object
) -> None:
    plan: Plan[int] = []
    for _ in range(rounds):
        people = list(range(seated))
        rng.shuffle(people)  # type: ignore[attr-defined]
        plan.append({person: 1 + k % hosts for k, person in enumerate(people)})
    newcomers = list(range(100, 100 + late))
    placement = place_newcomers(plan, newcomers, hosts=hosts, dissimilarity=_zero)
    assert placement.moved == frozenset()
    cap = -(-(seated + late) // hosts)
    for r, assignment in enumerate(placement.plan):
        assert {p: t for p, t in assignment.items() if p < 100} == plan[r]
        assert set(assignment) == set(plan[r]) | set(newcomers)
        assert set(assignment.values()) <= set(range(1, hosts + 1))
        assert max(Counter(assignment.values()).values(), default=0) <= cap


def test_open_tables_need_a_largest_size() -> None:
    with pytest.raises(ValueError):
        place_newcomers([{1: 1}], [2], dissimilarity=_zero)


@given(st.lists(st.dictionaries(st.integers(0, 12), st.integers(1, 4)), max_size=4))
def test_repeats_and_revisits_match_their_definitions(plan: Plan[int]) -> None:
    pairs: Counter[frozenset[int]] = Counter()
    for assignment in plan:
        for a, b in combinations(sorted(assignment), 2):
            if assignment[a] == assignment[b]:
                pairs[frozenset((a, b))] += 1
    assert repeats(plan) == sum(c - 1 for c in pairs.values() if c > 1)
    people = {p for assignment in plan for p in assignment}
    expected = sum(sum(p in a for a in plan) - len({a[p] for a in plan if p in a}) for p in people)
    assert revisits(plan) == expected
    reports = round_reports(plan, 4, {}, [])
    assert sum(r.repeats for r in reports) == repeats(plan)
    assert sum(r.revisits for r in reports) == revisits(plan)


def test_best_of_tries_stops_at_a_faultless_plan_and_keeps_the_best() -> None:
    calls: list[tuple[float, int]] = []
    faults = iter([(2, 1), (1, 5), (1, 3), (3, 0), (0, 4), (5, 5)])

    def compute(seconds: float, seed: int) -> tuple[int, int]:
        calls.append((seconds, seed))
        return next(faults)

    best = best_of_tries(compute, lambda found: found, seconds=1.0, seed=7, retry=True)
    assert best == (1, 3)
    assert calls == [(1.0, 7), (2.0, 8), (4.0, 9)]
    calls.clear()
    once = best_of_tries(compute, lambda found: found, seconds=1.0, seed=0, retry=False)
    assert (once, calls) == ((3, 0), [(1.0, 0)])  # no retry: the first plan, however bad
    calls.clear()
    assert best_of_tries(compute, lambda found: found, seconds=1.0, seed=0, retry=True) == (0, 4)
    assert len(calls) == 1  # faultless at once: no second try


def test_until_saved_computes_again_and_the_last_try_does_not_check() -> None:
    checks: list[bool] = []

    def compose_once(check: bool) -> str:
        checks.append(check)
        if check:
            raise PlanChanged
        return "saved"

    assert until_saved(compose_once, tries=3) == "saved"
    assert checks == [True, True, False]
