"""The unplaced's reasons name the obstacle whose removal would place them.

Checked by counterfactual (`reasons.Analysis.check`): relaxing the named
obstacle makes the person placeable, relaxing any obstacle listed before it
does not, and as things stand they are not placeable.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.mixing import Problem, SolveParams, solve
from tierslien.mixing.reasons import KEPT, Analysis, reexamined_units
from tierslien.mixing.solution import Reason, Solution

FAST = SolveParams(max_iterations=100)
HOME = {"lat": 48.11, "lon": -1.68}
INTENTION = {"name": "intention", "kind": "categorical", "goal": "shared"}


def person(pid: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "attributes": {}, "slots": ["tue"], "location": HOME, "max_km": 3, **extra}


def with_intention(pid: str, intention: str, **extra: Any) -> dict[str, Any]:
    return person(pid, attributes={"intention": intention}, **extra)


def venue(vid: str, **extra: Any) -> dict[str, Any]:
    return {"id": vid, "location": HOME, "slots": ["tue"], "capacity": 4, **extra}


def problem_of(people: list[dict[str, Any]], **extra: Any) -> Problem:
    data: dict[str, Any] = {
        "version": 1,
        "group_size": {"min": 5, "max": 6},
        "criteria": [INTENTION],
        "people": people,
        "venues": [venue("hall")],
        **extra,
    }
    return Problem.from_dict(data)


def reasons_of(problem: Problem) -> dict[str, Reason]:
    result = solve(problem, time_limit=2, seed=0, params=FAST)
    return {u.id: u.reason for u in result.solution.unplaced}


def test_together_pair_with_different_intentions_is_told_the_criterion() -> None:
    crowd = [with_intention(f"m{k}", "meet") for k in range(12)]
    crowd += [with_intention(f"a{k}", "act") for k in range(12)]
    crowd += [with_intention("ana", "meet"), with_intention("bob", "act")]
    problem = problem_of(crowd, together=[["ana", "bob"]], venues=[venue("hall", capacity=8)])
    reasons = reasons_of(problem)
    assert reasons["ana"].code == reasons["bob"].code == "shared_criterion"
    assert reasons["ana"].params["criterion"] == "intention"
    assert reasons["ana"].params["venue"] == "hall"
    assert "no place and time in common" not in reasons["ana"].message


def test_together_pair_without_a_common_time_still_says_so() -> None:
    crowd = [person(f"p{k}", slots=["tue", "wed"]) for k in range(10)]
    crowd += [person("ana", slots=["tue"]), person("bob", slots=["wed"])]
    problem = problem_of(
        crowd, together=[["ana", "bob"]], venues=[venue("hall", slots=["tue", "wed"])]
    )
    reasons = reasons_of(problem)
    assert reasons["ana"].code == "together_no_common_site"


def test_not_too_few_nearby_when_enough_compatible_people_share_a_venue_and_time() -> None:
    # Six people can meet at the hall on tuesday, but its one table is taken by
    # another circle: the obstacle is the table, not the number of people.
    crowd = [person(f"p{k}") for k in range(11)]
    problem = problem_of(crowd, venues=[venue("hall", capacity=1)])
    reasons = reasons_of(problem)
    assert reasons
    for reason in reasons.values():
        assert reason.code != "too_few_nearby"
        assert reason.code == "venues_full"


def test_not_too_few_nearby_when_the_people_are_in_full_circles() -> None:
    # Eight people at one venue and time, circles of 5-6: six meet, two wait. Seven
    # could meet with each of them: the obstacle is that no circle can spare anyone.
    problem = problem_of([person(f"p{k}") for k in range(8)])
    reasons = reasons_of(problem)
    assert len(reasons) == 2
    for reason in reasons.values():
        assert reason.code == "circles_cannot_spare"
        assert reason.params["count"] == 7
        assert "5 to 6" in reason.message


def test_too_few_nearby_gives_the_best_count() -> None:
    problem = problem_of([person(f"p{k}") for k in range(3)])
    reasons = reasons_of(problem)
    assert {r.code for r in reasons.values()} == {"too_few_nearby"}
    assert reasons["p0"].params["count"] == 2
    assert reasons["p0"].params["min"] == 5


def test_travel_limit_is_named_with_the_distance() -> None:
    crowd = [person(f"p{k}") for k in range(5)]
    crowd.append(person("far", location={"lat": 48.14, "lon": -1.68}, max_km=2))
    problem = problem_of(
        crowd,
        venues=[
            venue("hall"),
            venue("annex", location={"lat": 48.15, "lon": -1.68}),
        ],
    )
    reasons = reasons_of(problem)
    assert reasons["far"].code == "too_far"
    assert reasons["far"].params["max_km"] == 2.0
    assert float(reasons["far"].params["km"]) > 2.0


# ----- properties on small generated towns -----


@st.composite
def small_towns(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(4, 16))
    slots = ["mon", "tue", "wed"]
    people = []
    for k in range(n):
        people.append(
            {
                "id": f"p{k}",
                "attributes": {"intention": draw(st.sampled_from(["meet", "act", None]))},
                "slots": draw(
                    st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True)
                ),
                "location": {
                    "lat": 48.10 + draw(st.integers(0, 4)) * 0.01,
                    "lon": -1.68,
                },
                "max_km": draw(st.sampled_from([0.5, 1.5, 3.0])),
            }
        )
    venues = [
        {
            "id": f"v{v}",
            "location": {"lat": 48.10 + draw(st.integers(0, 4)) * 0.01, "lon": -1.68},
            "slots": draw(st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True)),
            "capacity": draw(st.integers(1, 2)),
        }
        for v in range(draw(st.integers(1, 3)))
    ]
    ids = [p["id"] for p in people]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2))
    pairs = [list(p) for p in pairs if p[0] != p[1]]
    together = pairs[:1]
    apart = [p for p in pairs[1:] if set(p) != set(together[0] if together else [])]
    return Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 3, "max": 4},
            "criteria": [INTENTION],
            "people": people,
            "venues": venues,
            "together": together,
            "apart": apart,
        }
    )


def _check_every_reason(problem: Problem, solution: Solution) -> None:
    analysis = Analysis(problem, solution)
    reasons = {u.id: u.reason for u in solution.unplaced}
    for unit in reexamined_units(problem, solution):
        reason = reasons[problem.people[unit[0]].id]
        if reason.code == "not_placed":
            assert analysis.check(unit, analysis.obstacles(unit)) is None
            continue
        assert analysis.confirms(unit, reason), (reason, unit)
        if reason.code in ("compatible_in_circles", *KEPT):
            continue  # the construction's claim, confirmed: kept
        # Every obstacle before the named one, relaxed alone, leaves them unplaceable.
        named = {
            "no_common_time": "times",
            "together_no_common_site": "times",
            "too_far": "distance",
            "shared_criterion": f"criterion:{reason.params.get('criterion')}",
            "circles_cannot_spare": "circles",
            "too_few_nearby": "size",
            "venues_full": "capacity",
            "kept_apart": "apart",
        }.get(reason.code)
        order = analysis.obstacles(unit)
        earlier = order[: order.index(named)] if named in order else order
        for obstacle in earlier:
            assert analysis.check(unit, (obstacle,)) is None, (reason.code, obstacle)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_towns(), st.integers(0, 3))
def test_every_named_obstacle_is_binding(problem: Problem, seed: int) -> None:
    result = solve(problem, time_limit=1, seed=seed, params=FAST)
    _check_every_reason(problem, result.solution)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_towns())
def test_old_reasons_are_replaced_only_by_confirmed_ones(problem: Problem) -> None:
    old = solve(
        problem, time_limit=1, seed=0, params=SolveParams(max_iterations=100, true_reasons=False)
    )
    new = solve(problem, time_limit=1, seed=0, params=FAST)
    assert old.solution.rounds == new.solution.rounds
    analysis = Analysis(problem, new.solution)
    for unit in reexamined_units(problem, old.solution):
        before = {u.id: u.reason for u in old.solution.unplaced}[problem.people[unit[0]].id]
        after = {u.id: u.reason for u in new.solution.unplaced}[problem.people[unit[0]].id]
        if analysis.confirms(unit, before) and before.code != "several_obstacles":
            # A true old claim is kept, unless an earlier obstacle also suffices.
            assert after.code == before.code or analysis.confirms(unit, after)
