"""Hosted plans after the swaps between tables: valid, never worse, no needless revisit.
Plain data, no database (Hypothesis draws the people, tables and starting plans)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tierslien.gatherings.tables import hosted_plan, repeats, revisits
from tierslien.gatherings.tables.bounds import even_split_pairs, round_repeat_floor
from tierslien.gatherings.tables.hosted import _engine_plan
from tierslien.gatherings.tables.swaps import improve_by_swaps, quality


def _weights(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 3, size=(n, 3))
    return (answers[:, None, :] != answers[None, :, :]).mean(axis=2)


@st.composite
def hosted_cases(draw: st.DrawFn) -> tuple[np.ndarray, list[list[int]], int]:
    """People, a balanced starting plan over 1-4 rounds at 2-5 tables."""
    tables = draw(st.integers(2, 5))
    n = draw(st.integers(tables, 24))
    rounds = draw(st.integers(1, 4))
    rows = []
    for _ in range(rounds):
        order = draw(st.permutations(range(n)))
        row = [0] * n
        for k, person in enumerate(order):
            row[person] = k % tables
        rows.append(row)
    return _weights(n, draw(st.integers(0, 99))), rows, tables


def _sizes(row: list[int], tables: int) -> list[int]:
    return sorted(np.bincount(np.asarray(row), minlength=tables).tolist())


@settings(max_examples=60, deadline=None)
@given(hosted_cases(), st.integers(0, 9))
def test_swaps_keep_table_sizes_and_never_make_a_plan_worse(
    case: tuple[np.ndarray, list[list[int]], int], seed: int
) -> None:
    weights, rows, tables = case
    after = improve_by_swaps(weights, rows, tables, seed=seed)
    for before_row, after_row in zip(rows, after, strict=True):
        assert _sizes(after_row, tables) == _sizes(before_row, tables)
    assert quality(weights, after, tables).key() <= quality(weights, rows, tables).key()


@settings(max_examples=60, deadline=None)
@given(hosted_cases())
def test_quality_counts_as_the_plan_counts(case: tuple[np.ndarray, list[list[int]], int]) -> None:
    weights, rows, tables = case
    plan = [dict(enumerate(row)) for row in rows]
    found = quality(weights, rows, tables)
    assert (found.revisits, found.repeats) == (revisits(plan), repeats(plan))


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 5), st.integers(0, 12), st.integers(1, 4), st.integers(0, 9))
def test_hosted_plans_are_balanced_and_revisit_free_whenever_possible(
    tables: int, extra: int, rounds: int, seed: int
) -> None:
    n = tables + extra
    weights = _weights(n, seed)
    rows = hosted_plan(weights, tables, rounds, seed=seed, seconds=0.05)
    assert len(rows) == rounds
    for row in rows:
        sizes = _sizes(row, tables)
        assert sizes[-1] - sizes[0] <= 1  # balanced, every table (and its host) used
    plan = [dict(enumerate(row)) for row in rows]
    if rounds <= tables:
        assert revisits(plan) == 0
    else:  # each extra round sends everyone back once, no more
        assert revisits(plan) == n * (rounds - tables)
    # Never below the floor: the bound holds for whatever the engine found.
    for r in range(1, rounds):
        met_before = {
            frozenset((a, b))
            for row in rows[:r]
            for a in range(n)
            for b in range(a + 1, n)
            if row[a] == row[b]
        }
        again = sum(
            1
            for a in range(n)
            for b in range(a + 1, n)
            if rows[r][a] == rows[r][b] and frozenset((a, b)) in met_before
        )
        assert again >= round_repeat_floor(n, tables, revisit_free=rounds <= tables)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 20))
def test_swaps_never_repeat_more_than_the_engine_alone_on_seeded_meetings(seed: int) -> None:
    weights = _weights(18, seed)
    engine = _engine_plan(weights, 3, 3, seed=seed, seconds=0.05)
    after = improve_by_swaps(weights, engine, 3, seed=seed)
    assert quality(weights, after, 3).repeats <= quality(weights, engine, 3).repeats
    assert quality(weights, after, 3).revisits <= quality(weights, engine, 3).revisits


def test_the_floor_of_twenty_people_at_three_tables() -> None:
    # Round 2: 7, 7 and 6 people from 3 round-1 tables (3+2+2, 3+2+2, 2+2+2): 13 pairs met;
    # without revisits only from 2 tables (4+3, 4+3, 3+3): 24.
    assert even_split_pairs(7, 3) == 5
    assert round_repeat_floor(20, 3, revisit_free=False) == 13
    assert round_repeat_floor(20, 3, revisit_free=True) == 24
