"""The quality floor: whatever the clock, the result is a local optimum.

No single move (one person to another group) or swap (two people of different
groups) improves it, checked by brute force, with a time limit of a microsecond
and with a clock that jumps past every deadline at once.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.mixing import (
    Group,
    Problem,
    Round,
    Solution,
    build_report,
    encode,
    solve,
    solve_rounds,
    violations,
)
from tierslien.mixing.core import CoreInstance, improve
from tierslien.mixing.rounds import count_repeats, diversity
from tierslien.mixing.search import allowed_matrix, is_local_optimum

TINY = 1e-6


@pytest.fixture
def jumping_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every reading of the clock is 1,000 s after the previous one."""
    now = [time.perf_counter()]

    def clock() -> float:
        now[0] += 1000.0
        return now[0]

    monkeypatch.setattr(time, "perf_counter", clock)
    yield


@st.composite
def instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    n_groups = draw(st.integers(2, 6))
    lo = draw(st.integers(1, 4))
    hi = lo + draw(st.integers(0, 2))
    n = draw(st.integers(n_groups * lo, n_groups * hi))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) if draw(st.booleans()) else rng.integers(0, 4, (n, n)).astype(float)
    w = (w + w.T) / 2.0
    np.fill_diagonal(w, 0.0)
    fixed = None
    if draw(st.booleans()):
        # Lock a few people in their group of a feasible round-robin assignment.
        fixed = -np.ones(n, dtype=np.int64)
        start = np.sort(np.arange(n) % n_groups)
        for i in rng.choice(n, size=min(n, 3), replace=False).tolist():
            fixed[i] = start[i]
        sizes = np.bincount(start, minlength=n_groups)
        if (sizes < lo).any() or (sizes > hi).any():
            fixed = None
    return (
        w,
        np.full(n_groups, lo, dtype=np.int64),
        np.full(n_groups, hi, dtype=np.int64),
        fixed,
    )


@settings(max_examples=60, deadline=None)
@given(instance=instances(), seed=st.integers(0, 5))
def test_core_at_a_microsecond_is_a_local_optimum(instance: Any, seed: int) -> None:
    w, lo, hi, fixed = instance
    result = improve(CoreInstance(w, lo, hi, fixed=fixed), time_limit=TINY, seed=seed)
    allowed = allowed_matrix(w.shape[0], lo.shape[0], None, fixed)
    assert allowed[np.arange(w.shape[0]), result.assignment].all()
    assert is_local_optimum(w, lo, hi, allowed, result.assignment)


def test_core_under_a_jumping_clock_is_a_local_optimum(jumping_clock: None) -> None:
    rng = np.random.default_rng(3)
    w = rng.random((60, 60))
    w = (w + w.T) / 2.0
    np.fill_diagonal(w, 0.0)
    lo, hi = np.full(12, 5, dtype=np.int64), np.full(12, 5, dtype=np.int64)
    result = improve(CoreInstance(w, lo, hi), time_limit=1.0, seed=0)
    assert is_local_optimum(w, lo, hi, np.ones((60, 12), dtype=bool), result.assignment)


def _schedule_value(w: np.ndarray, a: np.ndarray, penalty: float) -> float:
    return diversity(w, a) - penalty * count_repeats(a)


def _rounds_local_optimum(w: np.ndarray, a: np.ndarray, lo: int, hi: int, penalty: float) -> bool:
    """Brute force on the whole schedule's objective."""
    base = _schedule_value(w, a, penalty)
    eps = 1e-9 * max(1.0, penalty)
    rounds, n = a.shape
    for r in range(rounds):
        sizes = np.bincount(a[r], minlength=int(a.max()) + 1)
        for i in range(n):
            for h in range(len(sizes)):
                g = a[r, i]
                if h == g:
                    continue
                if sizes[g] > lo and sizes[h] < hi:
                    b = a.copy()
                    b[r, i] = h
                    if _schedule_value(w, b, penalty) > base + eps:
                        return False
                for j in np.flatnonzero(a[r] == h).tolist():
                    b = a.copy()
                    b[r, i], b[r, j] = h, g
                    if _schedule_value(w, b, penalty) > base + eps:
                        return False
    return True


@settings(max_examples=25, deadline=None)
@given(
    n_groups=st.integers(2, 3),
    size=st.integers(2, 4),
    rounds=st.integers(2, 3),
    seed=st.integers(0, 1000),
)
def test_rounds_at_a_microsecond_are_a_local_optimum(
    n_groups: int, size: int, rounds: int, seed: int
) -> None:
    n = n_groups * size
    rng = np.random.default_rng(seed)
    w = rng.random((n, n))
    w = (w + w.T) / 2.0
    np.fill_diagonal(w, 0.0)
    penalty = n * size + 1.0
    result = solve_rounds(
        w, size, size, n_groups, rounds, met_before_penalty=penalty, time_limit=TINY, seed=seed
    )
    assert _rounds_local_optimum(w, result.assignments, size, size, penalty)


def test_rounds_under_a_jumping_clock_are_a_local_optimum(jumping_clock: None) -> None:
    rng = np.random.default_rng(5)
    n, n_groups, size, rounds = 12, 3, 4, 2
    w = rng.random((n, n))
    w = (w + w.T) / 2.0
    np.fill_diagonal(w, 0.0)
    penalty = 50.0
    result = solve_rounds(
        w, size, size, n_groups, rounds, met_before_penalty=penalty, time_limit=1.0, seed=0
    )
    assert _rounds_local_optimum(w, result.assignments, size, size, penalty)


def _solve_local_optimum(problem: Problem, solution: Solution) -> bool:
    """No valid move or swap between the solution's groups raises its diversity."""
    enc = encode(problem)
    groups = list(solution.rounds[0].groups)

    def value(gs: list[Group]) -> float:
        sol = Solution(rounds=(Round(groups=tuple(gs)),), unplaced=solution.unplaced)
        return build_report(problem, enc, sol).diversity

    def valid(gs: list[Group]) -> bool:
        sol = Solution(rounds=(Round(groups=tuple(gs)),), unplaced=solution.unplaced)
        return violations(problem, sol) == []

    base = value(groups)
    for g, h in itertools.permutations(range(len(groups)), 2):
        a, b = groups[g], groups[h]
        for x in a.members:
            rest = tuple(m for m in a.members if m != x)
            moved = list(groups)
            moved[g] = Group(rest, a.venue, a.slot)
            moved[h] = Group((*b.members, x), b.venue, b.slot)
            if valid(moved) and value(moved) > base + 1e-9:
                return False
            for y in b.members:
                swapped = list(groups)
                swapped[g] = Group((*rest, y), a.venue, a.slot)
                swapped[h] = Group(tuple(m for m in b.members if m != y) + (x,), b.venue, b.slot)
                if valid(swapped) and value(swapped) > base + 1e-9:
                    return False
    return True


def _people_problem(seed: int, n: int) -> Problem:
    rng = np.random.default_rng(seed)
    people: list[dict[str, Any]] = [
        {
            "id": f"p{i}",
            "attributes": {
                "job": str(rng.choice(["a", "b", "c", "d"])),
                "age": int(rng.integers(18, 90)),
            },
            "slots": sorted(
                rng.choice(["mon", "tue"], size=int(rng.integers(1, 3)), replace=False).tolist()
            ),
        }
        for i in range(n)
    ]
    return Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 3, "max": 4},
            "criteria": [
                {"name": "job", "kind": "categorical", "weight": 2},
                {"name": "age", "kind": "numeric"},
            ],
            "people": people,
        }
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(6, 14))
def test_solve_at_a_microsecond_is_a_local_optimum(seed: int, n: int) -> None:
    problem = _people_problem(seed, n)
    result = solve(problem, time_limit=TINY, seed=seed)
    assert violations(problem, result.solution) == []
    assert _solve_local_optimum(problem, result.solution)


def test_solve_under_a_jumping_clock_is_a_local_optimum(jumping_clock: None) -> None:
    problem = _people_problem(7, 14)
    result = solve(problem, time_limit=1.0, seed=0)
    assert violations(problem, result.solution) == []
    assert _solve_local_optimum(problem, result.solution)
