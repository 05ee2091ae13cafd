"""The repeats no plan can avoid: a lower bound, checked against every plan of tiny evenings;
and the round timer's end, to the second.

Plain data, no database: for up to six people over up to three rounds, every way of seating
them is tried (round by round, keeping the fewest encounters for each set of pairs already
met) and the true fewest repeats must never be below the bound.
"""

from __future__ import annotations

import datetime
from functools import cache
from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from tierslien.gatherings.tables import (
    fewest_pairs_per_round,
    repeats,
    round_ends_at,
    unavoidable_repeats,
)
from tierslien.gatherings.tables.plan import Plan

type Pairs = frozenset[frozenset[int]]


def _partitions(people: tuple[int, ...], low: int, high: int) -> list[list[tuple[int, ...]]]:
    """Every way of seating `people` at tables of `low` to `high` people."""
    if not people:
        return [[]]
    first, rest = people[0], people[1:]
    out = []
    for size in range(low, high + 1):
        for others in combinations(rest, size - 1):
            left = tuple(p for p in rest if p not in others)
            for tail in _partitions(left, low, high):
                out.append([(first, *others), *tail])
    return out


def _pairs(partition: list[tuple[int, ...]]) -> list[frozenset[int]]:
    return [frozenset(pair) for table in partition for pair in combinations(table, 2)]


@cache
def _fewest_repeats(
    people: int, rounds: int, low: int, high: int, together: Pairs = frozenset()
) -> int | None:
    """The true fewest repeats over every plan (None: nobody can be seated so)."""
    partitions = _partitions(tuple(range(people)), low, high)
    if not partitions:
        return None
    first = partitions
    if not together:  # people are interchangeable: one first round per list of sizes
        by_sizes = {tuple(sorted(len(t) for t in p)): p for p in partitions}
        first = list(by_sizes.values())
    # met pairs -> fewest encounters (pairs asked to stay together left out) to meet them
    states: dict[Pairs, int] = {frozenset(): 0}
    for number in range(rounds):
        following: dict[Pairs, int] = {}
        for met, count in states.items():
            for partition in first if number == 0 else partitions:
                pairs = [p for p in _pairs(partition) if p not in together]
                now = met | frozenset(pairs)
                if following.get(now, count + len(pairs) + 1) > count + len(pairs):
                    following[now] = count + len(pairs)
        states = following
    return min(count - len(met) for met, count in states.items())


def test_the_fewest_repeats_of_the_brute_force_agree_with_repeats() -> None:
    plan: Plan[int] = [{0: 1, 1: 1, 2: 2, 3: 2}, {0: 1, 1: 1, 2: 2, 3: 2}]
    assert repeats(plan) == 2
    assert _fewest_repeats(4, 2, 2, 2) == 0  # {01,23} then {02,13}
    assert _fewest_repeats(4, 2, 4, 4) == 6  # one table twice: all six pairs again


@given(
    people=st.integers(2, 6),
    rounds=st.integers(1, 3),
    low=st.integers(2, 4),
    extra=st.integers(0, 2),
)
def test_the_bound_never_exceeds_the_fewest_repeats_of_any_plan(
    people: int, rounds: int, low: int, extra: int
) -> None:
    fewest = _fewest_repeats(people, rounds, low, low + extra)
    bound = unavoidable_repeats(people, rounds, low, low + extra)
    if fewest is None:
        assert bound == 0
        assert fewest_pairs_per_round(people, low, low + extra) is None
    else:
        assert 0 <= bound <= fewest


@given(
    people=st.integers(2, 5),
    rounds=st.integers(2, 3),
    low=st.integers(2, 3),
    extra=st.integers(0, 2),
    chosen=st.sets(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=3),
)
def test_pairs_staying_together_keep_the_bound_below_the_fewest_repeats(
    people: int, rounds: int, low: int, extra: int, chosen: set[tuple[int, int]]
) -> None:
    together = frozenset(frozenset(p) for p in chosen if p[0] != p[1] and max(p) < people)
    fewest = _fewest_repeats(people, rounds, low, low + extra, together)
    bound = unavoidable_repeats(people, rounds, low, low + extra, together=len(together))
    assert 0 <= bound <= (fewest if fewest is not None else 0)


def test_a_small_evening_with_many_rounds_must_repeat() -> None:
    # 8 people at 2 tables of 4 over 3 rounds: 12 pairs a round, 28 pairs in all.
    assert fewest_pairs_per_round(8, 4, 4) == 12
    assert unavoidable_repeats(8, 3, 4, 4) == 36 - 28
    # 20 people at tables of 4 to 5 over 2 rounds: no repeat is forced.
    assert unavoidable_repeats(20, 2, 4, 5) == 0
    assert unavoidable_repeats(5, 1, 5, 5) == 0  # a single round never repeats


def test_a_timer_rings_on_a_whole_second() -> None:
    start = datetime.datetime(2026, 12, 3, 19, 0, 12, 926084, tzinfo=datetime.UTC)
    assert round_ends_at(start, 30) == datetime.datetime(
        2026, 12, 3, 19, 30, 12, tzinfo=datetime.UTC
    )
