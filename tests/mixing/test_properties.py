"""Property-based tests: whatever the (random, often infeasible) problem, the
engine returns a valid grouping, checked by the independent validator."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.mixing import Problem, SolveParams, solve, violations

PARAMS = SolveParams(max_iterations=60)
SLOTS = ["mon", "tue", "sat"]


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 14))
    lo = draw(st.integers(1, 4))
    hi = draw(st.integers(lo, lo + 2))
    with_venues = draw(st.booleans())
    with_slots = draw(st.booleans())
    shared = draw(st.booleans())

    def coord() -> dict[str, float]:
        return {"lat": 48.0 + draw(st.floats(0, 0.1)), "lon": -1.6 + draw(st.floats(0, 0.1))}

    people = []
    for i in range(n):
        person: dict[str, Any] = {
            "id": f"p{i}",
            "attributes": {
                "job": draw(st.sampled_from(["a", "b", "c", None])),
                "age": draw(st.one_of(st.none(), st.integers(18, 90))),
                "edu": draw(st.sampled_from(["low", "mid", "high", None])),
                "worlds": draw(st.one_of(st.none(), st.lists(st.sampled_from("xyz"), max_size=3))),
            },
        }
        if shared:
            person["attributes"]["lang"] = draw(
                st.one_of(st.none(), st.lists(st.sampled_from(["fr", "ar", "en"]), max_size=2))
            )
        if with_slots and draw(st.booleans()):
            person["slots"] = draw(st.lists(st.sampled_from(SLOTS), unique=True, max_size=3))
        if with_venues and draw(st.booleans()):
            person["location"] = coord()
            person["max_km"] = draw(st.sampled_from([1, 3, 8, 20]))
        if with_venues and draw(st.integers(0, 4)) == 0:
            person["needs"] = ["step-free"]
        people.append(person)
    venues = []
    if with_venues:
        for v in range(draw(st.integers(1, 3))):
            venue: dict[str, Any] = {
                "id": f"v{v}",
                "location": coord(),
                "capacity": draw(st.integers(0, 2)),
            }
            if draw(st.booleans()):
                venue["slots"] = draw(st.lists(st.sampled_from(SLOTS), unique=True, min_size=1))
            if draw(st.booleans()):
                venue["features"] = ["step-free"]
            venues.append(venue)
    ids = [p["id"] for p in people]
    pair = (
        st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)
        if n >= 2
        else st.nothing()
    )
    criteria: list[dict[str, Any]] = [
        {"name": "job", "kind": "categorical", "weight": 2},
        {"name": "age", "kind": "numeric"},
        {"name": "edu", "kind": "ordinal", "levels": ["low", "mid", "high"]},
        {"name": "worlds", "kind": "multi", "weight": 0.5},
    ]
    if shared:
        criteria.append({"name": "lang", "kind": "multi", "goal": "shared"})
    data: dict[str, Any] = {
        "version": 1,
        "group_size": {"min": lo, "max": hi},
        "rounds": draw(st.integers(1, 2)),
        "criteria": criteria,
        "people": people,
        "venues": venues,
    }
    if n >= 2:
        for key in ("met_before", "apart", "together"):
            data[key] = draw(st.lists(pair, max_size=3))
    return data


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=problems(), seed=st.integers(0, 3))
def test_any_solution_is_valid(
    data: dict[str, Any], seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    problem = Problem.from_dict(data)
    caplog.clear()
    result = solve(problem, time_limit=5, seed=seed, params=PARAMS)
    # The search itself stayed valid (no fallback to the construction was needed).
    assert not [r for r in caplog.records if "invalid grouping" in r.getMessage()]
    assert violations(problem, result.solution) == []
    for r, rnd in enumerate(result.solution.rounds):
        placed = [m for g in rnd.groups for m in g.members]
        unplaced = [u.id for u in result.solution.unplaced if u.round == r]
        assert sorted(placed + unplaced) == sorted(p.id for p in problem.people)
    assert all(u.reason.message and u.reason.code for u in result.solution.unplaced)
    report = result.report
    assert report.diversity <= report.upper_bound + 1e-6
    for c in report.criteria:
        if c.fewest_same_value_pairs is not None:
            assert c.same_value_pairs is not None
            assert c.fewest_same_value_pairs <= c.same_value_pairs


# ----- brute force as the oracle on tiny instances -----


def _partitions(items: list[int], lo: int, hi: int) -> Any:
    """All partitions of items into groups of lo..hi members."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for size in range(lo, hi + 1):
        for others in itertools.combinations(rest, size - 1):
            left = [x for x in rest if x not in others]
            for tail in _partitions(left, lo, hi):
                yield [(first, *others), *tail]


@settings(max_examples=25, deadline=None)
@given(
    st.integers(6, 9),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=9, max_size=9),
    st.lists(st.integers(0, 50), min_size=9, max_size=9),
)
def test_matches_brute_force_optimum(n: int, jobs: list[str], ages: list[int]) -> None:
    lo, hi = 3, 3
    if n % 3:
        lo, hi = 2, 3
    data = {
        "version": 1,
        "group_size": {"min": lo, "max": hi},
        "criteria": [{"name": "job", "kind": "categorical"}, {"name": "age", "kind": "numeric"}],
        "people": [
            {"id": f"p{i}", "attributes": {"job": jobs[i], "age": ages[i]}} for i in range(n)
        ],
    }
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=10, seed=0, params=SolveParams(max_iterations=2000))
    from tierslien.mixing.distance import encode

    enc = encode(problem)
    groups_count = len(result.solution.rounds[0].groups)
    best = max(
        sum(enc.group_diversity(np.array(g)) for g in partition)
        for partition in _partitions(list(range(n)), lo, hi)
        if len(partition) == groups_count
    )
    assert result.report.placed == n
    assert result.report.diversity >= best - 1e-9
    assert result.report.upper_bound >= best - 1e-9
