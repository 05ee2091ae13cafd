"""The bound that knows who can meet whom (bound.py): never below a grouping that
exists, below the separable bound where travel keeps people apart."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.mixing import Problem, SolveParams, solve, violations
from tierslien.mixing import bound as bound_module
from tierslien.mixing.bound import (
    categorical_pairs_bound,
    matrix_bound,
    meeting_bound,
    meeting_components,
    site_lp_bound,
)
from tierslien.mixing.distance import Encoded, encode
from tierslien.mixing.feasibility import compute_sites
from tierslien.mixing.report import (
    _refined_bound,
    build_report,
    component_bounds,
    criterion_bound,
)
from tierslien.mixing.solution import Group, Round, Solution

SLOTS = ["mon", "tue", "sat"]
PARAMS = SolveParams(max_iterations=60)
TOLERANCE = 1e-6


@st.composite
def problems(draw: st.DrawFn, most: int = 14) -> dict[str, Any]:
    """Small problems with venues, slots, travel, needs, a shared criterion, apart pairs."""
    n = draw(st.integers(2, most))
    lo = draw(st.integers(2, 3))
    hi = draw(st.integers(lo, lo + 2))

    def coord() -> dict[str, float]:
        return {"lat": 48.0 + draw(st.floats(0, 0.03)), "lon": -1.6 + draw(st.floats(0, 0.03))}

    people = []
    for i in range(n):
        person: dict[str, Any] = {
            "id": f"p{i}",
            "attributes": {
                "job": draw(st.sampled_from(["a", "b", "c", "d", None])),
                "age": draw(st.one_of(st.none(), st.integers(18, 90))),
                "side": draw(st.sampled_from(["x", "y"])),
                "lang": draw(st.sampled_from(["fr", "ar", None])),
            },
            "location": coord(),
            "max_km": draw(st.sampled_from([2, 5, 20])),
        }
        if draw(st.booleans()):
            person["slots"] = draw(st.lists(st.sampled_from(SLOTS), unique=True, max_size=3))
        if draw(st.integers(0, 4)) == 0:
            person["needs"] = ["step-free"]
        people.append(person)
    venues = []
    for v in range(draw(st.integers(1, 3))):
        venue: dict[str, Any] = {"id": f"v{v}", "location": coord(), "capacity": 3}
        if draw(st.booleans()):
            venue["slots"] = draw(st.lists(st.sampled_from(SLOTS), unique=True, min_size=1))
        if draw(st.booleans()):
            venue["features"] = ["step-free"]
        venues.append(venue)
    ids = [p["id"] for p in people]
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)
    return {
        "version": 1,
        "group_size": {"min": lo, "max": hi},
        "criteria": [
            {"name": "job", "kind": "categorical", "weight": 2},
            {"name": "age", "kind": "numeric"},
            {"name": "side", "kind": "categorical"},
            {"name": "lang", "kind": "categorical", "goal": "shared"},
        ],
        "people": people,
        "venues": venues,
        "apart": draw(st.lists(pair, max_size=4)),
    }


def random_grouping(problem: Problem, seed: int) -> Solution:
    """A random valid round: groups formed at random sites among their eligible people."""
    rng = np.random.default_rng(seed)
    sites = compute_sites(problem)
    apart = {frozenset(p) for p in problem.apart}
    free = np.ones(problem.n, dtype=np.bool_)
    hosted: dict[int, int] = {}
    groups: list[Group] = []
    for k in rng.permutation(sites.count).tolist():
        key = int(sites.key[k])
        while hosted.get(key, 0) < int(sites.capacity[key]):
            eligible = [i for i in range(problem.n) if free[i] and k in sites.of(i)]
            members: list[int] = []
            for i in rng.permutation(eligible).tolist():
                ids = {problem.people[i].id}
                if all(frozenset(ids | {problem.people[j].id}) not in apart for j in members):
                    members.append(i)
                if len(members) == problem.max_size:
                    break
            if len(members) < problem.min_size:
                break
            members = members[: int(rng.integers(problem.min_size, len(members) + 1))]
            free[members] = False
            hosted[key] = hosted.get(key, 0) + 1
            venue = int(sites.venue[k])
            groups.append(
                Group(
                    members=tuple(problem.people[i].id for i in members),
                    venue=problem.venues[venue].id if venue >= 0 else None,
                    slot=sites.slot[k],
                )
            )
    return Solution(rounds=(Round(groups=tuple(groups)),))


def diversity_of(problem: Problem, enc: Encoded, solution: Solution) -> float:
    return sum(
        enc.group_diversity(np.array([problem.index[m] for m in g.members], dtype=np.int64))
        for g in solution.rounds[0].groups
    )


def placed_and_sizes(problem: Problem, solution: Solution) -> tuple[np.ndarray, list[int]]:
    groups = [[problem.index[m] for m in g.members] for g in solution.rounds[0].groups]
    placed = np.array([i for g in groups for i in g], dtype=np.int64)
    return placed, [len(g) for g in groups]


HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(data=problems(), seed=st.integers(0, 3))
def test_bound_is_never_below_a_random_valid_grouping(data: dict[str, Any], seed: int) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    grouping = random_grouping(problem, seed)
    assert violations(problem, grouping) == []
    found = diversity_of(problem, enc, grouping)
    assert meeting_bound(problem, enc).value >= found - TOLERANCE
    if grouping.rounds[0].groups:
        placed, sizes = placed_and_sizes(problem, grouping)
        given_people = meeting_bound(problem, enc, people=placed, sizes=sizes)
        assert given_people.value >= found - TOLERANCE
    report = build_report(problem, enc, grouping)
    assert report.diversity == pytest.approx(found)
    assert report.diversity <= report.upper_bound + TOLERANCE
    assert report.separable_bound is not None
    assert report.upper_bound <= report.separable_bound + TOLERANCE


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems(), seed=st.integers(0, 3))
def test_bound_is_never_below_the_engine(data: dict[str, Any], seed: int) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    result = solve(problem, time_limit=5, seed=seed, params=PARAMS)
    found = diversity_of(problem, enc, result.solution)
    assert meeting_bound(problem, enc).value >= found - TOLERANCE
    assert result.report.upper_bound >= result.report.diversity - TOLERANCE


# ----- brute force on tiny instances -----


def _groupings(items: list[int], lo: int, hi: int) -> Iterator[list[tuple[int, ...]]]:
    """Every way to put some of the items in groups of lo..hi (the others wait)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    yield from _groupings(rest, lo, hi)  # the first one waits
    for size in range(lo, hi + 1):
        for others in itertools.combinations(rest, size - 1):
            left = [x for x in rest if x not in others]
            for tail in _groupings(left, lo, hi):
                yield [(first, *others), *tail]


def exact_optima(
    problem: Problem, enc: Encoded
) -> dict[tuple[tuple[int, ...], tuple[int, ...]], float]:
    """The best diversity of a round for each (people placed, group sizes), by
    enumeration (table capacities ignored: this can only raise the optima, so the
    tests are stricter)."""
    sites = compute_sites(problem)
    eligible = [set(sites.of(i).tolist()) for i in range(problem.n)]
    apart = {frozenset((problem.index[a], problem.index[b])) for a, b in problem.apart}
    value: dict[tuple[int, ...], float] = {}

    def worth(group: tuple[int, ...]) -> float:
        if group not in value:
            common = set.intersection(*(eligible[i] for i in group))
            pairs = (frozenset(p) for p in itertools.combinations(group, 2))
            ok = bool(common) and not any(p in apart for p in pairs)
            value[group] = enc.group_diversity(np.array(group)) if ok else -np.inf
        return value[group]

    best: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}
    for grouping in _groupings(list(range(problem.n)), problem.min_size, problem.max_size):
        total = sum(worth(g) for g in grouping)
        if total == -np.inf:
            continue
        key = (tuple(sorted(i for g in grouping for i in g)), tuple(sorted(map(len, grouping))))
        best[key] = max(best.get(key, -np.inf), total)
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems(most=7))
def test_bound_is_never_below_the_exact_optimum(data: dict[str, Any]) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    optima = exact_optima(problem, enc)
    assert meeting_bound(problem, enc).value >= max(optima.values()) - TOLERANCE
    # Given the people placed and the group sizes, as the report asks.
    for (placed, sizes), best in optima.items():
        if sizes:
            people = np.array(placed, dtype=np.int64)
            given = meeting_bound(problem, enc, people=people, sizes=list(sizes))
            assert given.value >= best - TOLERANCE


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 9),
    lo=st.integers(2, 3),
    extra=st.integers(0, 2),
    seed=st.integers(0, 10_000),
)
def test_matrix_bound_is_never_below_the_exact_optimum(
    n: int, lo: int, extra: int, seed: int
) -> None:
    """Everyone placed in a given number of groups, as in MDGPLIB: the bound may then
    force min_size - 1 partners and price partners for the most pairs the sizes allow."""
    hi = lo + extra
    count = n // lo  # groups
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 100, size=(n, n)).astype(np.float64)
    weights = np.triu(weights, 1) + np.triu(weights, 1).T
    partitions = [
        g
        for g in _groupings(list(range(n)), lo, hi)
        if len(g) == count and sum(len(group) for group in g) == n
    ]
    found = matrix_bound(weights, [lo] * count, [hi] * count).value
    if not partitions:
        assert found == -np.inf
        return
    best = max(sum(weights[np.ix_(grp, grp)].sum() / 2.0 for grp in g) for g in partitions)
    assert found >= best - TOLERANCE


# ----- where the bound sees what the separable one cannot -----


def two_villages(*, max_km: float | None) -> Problem:
    """Two villages 30 km apart, each homogeneous (same job, same side, close ages), each
    with its own venue. Within reach, nobody can meet the other village."""
    people = []
    for v, (lat, job, side) in enumerate([(48.0, "a", "x"), (48.27, "b", "y")]):
        for k in range(6):
            person: dict[str, Any] = {
                "id": f"v{v}p{k}",
                "attributes": {"job": job, "side": side, "age": 30 + 40 * v + k},
                "location": {"lat": lat + 0.001 * k, "lon": -1.6},
            }
            if max_km is not None:
                person["max_km"] = max_km
            people.append(person)
    return Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 3, "max": 4},
            "criteria": [
                {"name": "job", "kind": "categorical", "weight": 2},
                {"name": "side", "kind": "categorical"},
                {"name": "age", "kind": "numeric"},
            ],
            "people": people,
            "venues": [
                {"id": "north", "location": {"lat": 48.0, "lon": -1.6}, "capacity": 4},
                {"id": "south", "location": {"lat": 48.27, "lon": -1.6}, "capacity": 4},
            ],
        }
    )


def test_bound_sees_that_travel_keeps_the_villages_apart() -> None:
    near = two_villages(max_km=5)
    anywhere = two_villages(max_km=None)
    with_travel = meeting_bound(near, encode(near)).value
    without_travel = meeting_bound(anywhere, encode(anywhere)).value
    assert with_travel < 0.5 * without_travel  # fails if travel were ignored
    result = solve(near, time_limit=5, seed=0, params=PARAMS)
    report = result.report
    assert report.separable_bound is not None
    assert report.diversity <= report.upper_bound + TOLERANCE
    assert report.upper_bound < 0.5 * report.separable_bound
    assert with_travel < report.separable_bound  # even for any grouping of the round
    assert "A finer count (who can meet whom, unanswered questions) lowers" in report.summary()
    assert report.to_dict()["separable_bound"] == pytest.approx(report.separable_bound)


def test_apart_pairs_lower_the_bound() -> None:
    problem = two_villages(max_km=None)
    enc = encode(problem)
    data = problem.to_dict()
    north = [p["id"] for p in data["people"] if p["id"].startswith("v0")]
    south = [p["id"] for p in data["people"] if p["id"].startswith("v1")]
    data["apart"] = [[a, b] for a in north for b in south]
    apart = Problem.from_dict(data)
    assert meeting_bound(apart, encode(apart)).value < meeting_bound(problem, enc).value


def test_over_budget_the_report_keeps_the_separable_bound_per_component(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the star, the report still bounds each village alone (cheap)."""
    problem = two_villages(max_km=5)
    enc = encode(problem)
    monkeypatch.setattr(bound_module, "DENSE_LIMIT", 4)
    assert meeting_bound(problem, enc).value == np.inf
    result = solve(problem, time_limit=5, seed=0, params=PARAMS)
    groups = [
        np.array([problem.index[m] for m in g.members], dtype=np.int64)
        for g in result.solution.rounds[0].groups
    ]
    split = component_bounds(problem, enc, groups)
    assert split is not None
    assert result.report.upper_bound == pytest.approx(float(split[1].sum()))
    assert result.report.separable_bound is not None
    assert result.report.upper_bound < result.report.separable_bound


def test_a_grouping_that_breaks_a_rule_keeps_the_separable_bound() -> None:
    """A facilitator may force a move the rules forbid (a longer trip): the bound of
    valid groupings no longer applies, and the report must not fall below the diversity."""
    problem = two_villages(max_km=5)
    north = [f"v0p{k}" for k in range(6)]
    south = [f"v1p{k}" for k in range(6)]
    forced = Solution(
        rounds=(
            Round(
                groups=(
                    Group(members=(*north[:2], *south[:2]), venue="north"),
                    Group(members=(*north[2:4], *south[2:4]), venue="north"),
                    Group(members=(*north[4:], *south[4:]), venue="south"),
                )
            ),
        )
    )
    assert violations(problem, forced) != []
    report = build_report(problem, encode(problem), forced)
    assert report.upper_bound == report.separable_bound
    assert report.diversity <= report.upper_bound + TOLERANCE


@settings(max_examples=60, deadline=None)
@given(
    answers=st.lists(st.integers(-1, 2), min_size=4, max_size=9),
    lo=st.integers(2, 3),
    extra=st.integers(0, 1),
)
def test_unanswered_count_is_never_below_the_exact_optimum(
    answers: list[int], lo: int, extra: int
) -> None:
    """One categorical question, -1 for "prefer not to say" (differs from nobody): for
    every way to group everyone, the bound for those group sizes holds."""
    codes = np.array(answers, dtype=np.int64)
    best: dict[tuple[int, ...], int] = {}
    for grouping in _groupings(list(range(codes.size)), lo, lo + extra):
        if sum(len(g) for g in grouping) != codes.size:
            continue
        differ = sum(
            int(codes[i] >= 0 and codes[j] >= 0 and codes[i] != codes[j])
            for g in grouping
            for i, j in itertools.combinations(g, 2)
        )
        key = tuple(sorted(len(g) for g in grouping))
        best[key] = max(best.get(key, 0), differ)
    for sizes, most in best.items():
        assert categorical_pairs_bound(codes, list(sizes)) >= most - TOLERANCE


def test_unanswered_count_is_below_the_separable_one() -> None:
    """Six who did not answer, four "a" and two "b", in four groups of three. The
    separable count packs the six answers into two groups (6 pairs) and spreads the
    four "a" over four groups (no pair alike): 6. At best each "b" sits with two "a":
    4 pairs differ, which is what the count with the unanswered finds."""
    codes = np.array([-1] * 6 + [0] * 4 + [1] * 2, dtype=np.int64)
    assert categorical_pairs_bound(codes, [3, 3, 3, 3]) == pytest.approx(4.0, abs=1e-6)


# ----- people who can never share a group are bounded apart -----


def opposite_villages() -> Problem:
    """Two villages 30 km apart, out of each other's reach, with opposite compositions:
    five "a" and one "b" in the north, one "a" and five "b" in the south. Anyone
    anywhere, four groups of three could each mix both jobs; village by village,
    each group has at most one person of the rare job."""
    people = []
    for v, (lat, common, rare) in enumerate([(48.0, "a", "b"), (48.27, "b", "a")]):
        for k in range(6):
            people.append(
                {
                    "id": f"v{v}p{k}",
                    "attributes": {"job": rare if k == 0 else common},
                    "location": {"lat": lat + 0.001 * k, "lon": -1.6},
                    "max_km": 5,
                }
            )
    return Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 3, "max": 3},
            "criteria": [{"name": "job", "kind": "categorical"}],
            "people": people,
            "venues": [
                {"id": "north", "location": {"lat": 48.0, "lon": -1.6}, "capacity": 4},
                {"id": "south", "location": {"lat": 48.27, "lon": -1.6}, "capacity": 4},
            ],
        }
    )


def test_villages_out_of_reach_are_separate_components() -> None:
    problem = opposite_villages()
    labels = meeting_components(problem)
    assert len(set(labels[:6].tolist())) == 1
    assert len(set(labels[6:].tolist())) == 1
    assert labels[0] != labels[6]
    assert (labels >= 0).all()


def test_decomposed_bound_is_below_the_separable_one_and_above_the_optimum() -> None:
    problem = opposite_villages()
    enc = encode(problem)
    result = solve(problem, time_limit=5, seed=0, params=PARAMS)
    report = result.report
    assert report.separable_bound is not None
    # Separable: 6 "a" and 6 "b" over four groups of three, every group mixed: 8 pairs.
    assert report.separable_bound == pytest.approx(8.0)
    # Village by village: the one rare person's group has 2 differing pairs, the others 0.
    assert report.upper_bound == pytest.approx(4.0)
    assert report.diversity == pytest.approx(4.0)  # and the engine reaches it
    groups = [
        np.array([problem.index[m] for m in g.members], dtype=np.int64)
        for g in result.solution.rounds[0].groups
    ]
    split = component_bounds(problem, enc, groups)
    assert split is not None
    assert float(split[1].sum()) == pytest.approx(4.0)


def test_a_straddling_group_is_not_split() -> None:
    problem = opposite_villages()
    groups = [np.array([0, 1, 6]), np.array([2, 3, 4]), np.array([7, 8, 9])]
    assert component_bounds(problem, encode(problem), groups) is None


@st.composite
def villages(draw: st.DrawFn, most: int = 8) -> dict[str, Any]:
    """Two or three villages 30 km apart, a venue each (sometimes two slots), people
    within 5 or 20 km: the villages never meet. Answers vary, some are missing, a
    shared language splits some villages further, a few pairs are kept apart."""
    n = draw(st.integers(4, most))
    count = draw(st.integers(2, 3))
    lo = draw(st.integers(2, 3))
    people = []
    for i in range(n):
        village = draw(st.integers(0, count - 1))
        person: dict[str, Any] = {
            "id": f"p{i}",
            "attributes": {
                "job": draw(st.sampled_from(["a", "b", "c", None])),
                "age": draw(st.one_of(st.none(), st.integers(18, 90))),
                "lang": draw(st.sampled_from(["fr", "fr", "ar", None])),
            },
            "location": {"lat": 48.0 + 0.3 * village + draw(st.floats(0, 0.01)), "lon": -1.6},
            "max_km": draw(st.sampled_from([5, 20])),
        }
        if draw(st.integers(0, 3)) == 0:
            person["slots"] = [draw(st.sampled_from(SLOTS[:2]))]
        people.append(person)
    venues = [
        {
            "id": f"v{v}",
            "location": {"lat": 48.0 + 0.3 * v, "lon": -1.6},
            "capacity": 3,
            "slots": SLOTS[:2],
        }
        for v in range(count)
    ]
    ids = [p["id"] for p in people]
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)
    return {
        "version": 1,
        "group_size": {"min": lo, "max": draw(st.integers(lo, lo + 1))},
        "criteria": [
            {"name": "job", "kind": "categorical", "weight": 2},
            {"name": "age", "kind": "numeric"},
            {"name": "lang", "kind": "categorical", "goal": "shared"},
        ],
        "people": people,
        "venues": venues,
        "apart": draw(st.lists(pair, max_size=2)),
    }


def exact_optima_by_component(
    problem: Problem, enc: Encoded
) -> dict[tuple[tuple[int, ...], tuple[tuple[int, int], ...]], tuple[float, list[np.ndarray]]]:
    """The best diversity of a round for each (people placed, sizes of the groups in each
    component), with one grouping of that kind, by enumeration (capacities ignored)."""
    sites = compute_sites(problem)
    eligible = [set(sites.of(i).tolist()) for i in range(problem.n)]
    apart = {frozenset((problem.index[a], problem.index[b])) for a, b in problem.apart}
    best: dict[
        tuple[tuple[int, ...], tuple[tuple[int, int], ...]], tuple[float, list[np.ndarray]]
    ] = {}
    for grouping in _groupings(list(range(problem.n)), problem.min_size, problem.max_size):
        if not grouping:
            continue
        ok = all(
            set.intersection(*(eligible[i] for i in g))
            and not any(frozenset(p) in apart for p in itertools.combinations(g, 2))
            for g in grouping
        )
        if not ok:
            continue
        groups = [np.array(g, dtype=np.int64) for g in grouping]
        placed = np.concatenate(groups)
        labels = meeting_components(problem, people=placed)
        key = (
            tuple(sorted(placed.tolist())),
            tuple(sorted((int(labels[g[0]]), len(g)) for g in groups)),
        )
        total = sum(enc.group_diversity(g) for g in groups)
        if key not in best or total > best[key][0]:
            best[key] = (total, groups)
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=villages())
def test_decomposed_bound_is_never_below_the_exact_optimum(data: dict[str, Any]) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    for (placed, _sizes), (best, groups) in exact_optima_by_component(problem, enc).items():
        split = component_bounds(problem, enc, groups)
        if split is None:  # one component: the separable bound applies as it is
            continue
        assert float(split[0] + split[1].sum()) >= best - TOLERANCE
        people = np.array(placed, dtype=np.int64)
        assert meeting_components(problem, people=people)[people].min() >= 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=villages(most=14), seed=st.integers(0, 3))
def test_report_bound_over_villages_is_never_below_the_engine_or_random(
    data: dict[str, Any], seed: int
) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    for solution in (
        solve(problem, time_limit=5, seed=seed, params=PARAMS).solution,
        random_grouping(problem, seed),
    ):
        report = build_report(problem, enc, solution)
        assert report.separable_bound is not None
        assert report.diversity <= report.upper_bound + TOLERANCE
        assert report.upper_bound <= report.separable_bound + TOLERANCE


# ----- the site LP: one assignment of people to sites serves every criterion -----


def categorical_only(enc: Encoded) -> Encoded:
    kept = tuple(ec for ec in enc.criteria if ec.codes is not None)
    return Encoded(n=enc.n, criteria=kept, matrix=None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems(most=7))
def test_site_lp_bound_is_never_below_the_exact_optimum(data: dict[str, Any]) -> None:
    """At most 3 groups of 2+ among 7 people and venues hosting 3: capacities never bind,
    so the optima that ignore them are the optima."""
    problem = Problem.from_dict(data)
    enc = categorical_only(encode(problem))
    for (placed, sizes), best in exact_optima(problem, enc).items():
        if sizes:
            people = np.array(placed, dtype=np.int64)
            assert site_lp_bound(problem, enc, people, list(sizes)) >= best - TOLERANCE


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=villages(most=7))
def test_site_lp_bound_over_villages_is_never_below_the_exact_optimum(
    data: dict[str, Any],
) -> None:
    problem = Problem.from_dict(data)
    enc = categorical_only(encode(problem))
    for (placed, sizes), best in exact_optima(problem, enc).items():
        if sizes:
            people = np.array(placed, dtype=np.int64)
            caps = [criterion_bound(ec, people, list(sizes)) for ec in enc.criteria]
            capped = site_lp_bound(problem, enc, people, list(sizes), caps=caps)
            assert capped >= best - TOLERANCE
            assert capped <= sum(caps) + TOLERANCE


def bridged_villages() -> Problem:
    """The opposite villages, one northerner able to travel to the south: one component,
    but each venue still draws almost only from its own village."""
    data = opposite_villages().to_dict()
    data["people"][1]["max_km"] = 40
    return Problem.from_dict(data)


def test_site_lp_sees_the_villages_a_bridge_joins() -> None:
    problem = bridged_villages()
    enc = encode(problem)
    assert len(set(meeting_components(problem).tolist())) == 1
    north = [f"v0p{k}" for k in range(6)]
    south = [f"v1p{k}" for k in range(6)]
    grouping = Solution(
        rounds=(
            Round(
                groups=(
                    Group(members=(north[0], north[2], north[3]), venue="north"),
                    Group(members=(north[1], north[4], north[5]), venue="north"),
                    Group(members=(south[0], south[1], south[2]), venue="south"),
                    Group(members=(south[3], south[4], south[5]), venue="south"),
                )
            ),
        )
    )
    assert violations(problem, grouping) == []
    report = build_report(problem, enc, grouping)
    assert report.diversity == pytest.approx(4.0)
    assert report.separable_bound == pytest.approx(8.0)  # every group mixed
    assert report.upper_bound == pytest.approx(6.0)  # the LP, fractional: 4 at best
    assert report.diversity <= report.upper_bound + TOLERANCE
    placed, sizes = placed_and_sizes(problem, grouping)
    assert site_lp_bound(problem, enc, placed, sizes) == pytest.approx(report.upper_bound)


@st.composite
def one_site(draw: st.DrawFn) -> tuple[dict[str, Any], list[int]]:
    """An evening's shape: no venue, no slot, categorical answers with some missing, and
    the sizes of one round that places everyone."""
    lo = draw(st.integers(2, 4))
    hi = draw(st.integers(lo, lo + 2))
    sizes = draw(st.lists(st.integers(lo, hi), min_size=1, max_size=8))
    people = [
        {
            "id": f"p{i}",
            "attributes": {
                "job": draw(st.sampled_from(["a", "b", "c", None])),
                "side": draw(st.sampled_from(["x", "y", None])),
            },
        }
        for i in range(sum(sizes))
    ]
    data = {
        "version": 1,
        "group_size": {"min": lo, "max": hi},
        "criteria": [
            {"name": "job", "kind": "categorical"},
            {"name": "side", "kind": "categorical", "weight": 0.5},
        ],
        "people": people,
    }
    return data, sizes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=one_site())
def test_with_one_site_the_lp_never_beats_the_separable_terms(
    case: tuple[dict[str, Any], list[int]],
) -> None:
    """Why `site_lp_bound` returns the caps without solving when there is one site."""
    data, sizes = case
    problem = Problem.from_dict(data)
    enc = encode(problem)
    placed = np.arange(problem.n, dtype=np.int64)
    caps = [_refined_bound(ec, placed, sizes) for ec in enc.criteria]  # the report's caps
    assert site_lp_bound(problem, enc, placed, sizes) >= sum(caps) - TOLERANCE
    assert site_lp_bound(problem, enc, placed, sizes, caps=caps) == pytest.approx(sum(caps))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems(most=12), seed=st.integers(0, 3))
def test_merging_sites_usable_by_the_same_people_keeps_the_lp_value(
    data: dict[str, Any], seed: int
) -> None:
    problem = Problem.from_dict(data)
    enc = encode(problem)
    solution = solve(problem, time_limit=5, seed=seed, params=PARAMS).solution
    if not solution.rounds or not solution.rounds[0].groups:
        return
    placed, sizes = placed_and_sizes(problem, solution)
    merged = site_lp_bound(problem, enc, placed, sizes)
    apart = site_lp_bound(problem, enc, placed, sizes, merge_sites=False)
    assert merged == pytest.approx(apart, rel=1e-6, abs=1e-6)


def test_one_venue_on_two_evenings_is_one_class_of_the_same_value() -> None:
    """Everyone free both evenings at the one venue: two sites, usable by the same people."""
    people = [
        {"id": f"p{i}", "attributes": {"job": "ab"[i % 2] if i % 3 else "c"}} for i in range(12)
    ]
    problem = Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 3, "max": 4},
            "criteria": [{"name": "job", "kind": "categorical"}],
            "venues": [{"id": "hall", "slots": ["mon", "tue"], "capacity": 2}],
            "people": people,
        }
    )
    enc = encode(problem)
    placed = np.arange(12, dtype=np.int64)
    assert compute_sites(problem).count == 2
    merged = site_lp_bound(problem, enc, placed, [4, 4, 4])
    apart = site_lp_bound(problem, enc, placed, [4, 4, 4], merge_sites=False)
    assert merged == pytest.approx(apart)
    assert merged < math.inf
