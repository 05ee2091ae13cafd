from __future__ import annotations

import pytest

from tests.mixing.factories import FAST, people, problem_dict
from tierslien.mixing import Problem, SolveParams, is_valid, solve, violations


def test_everyone_placed_in_valid_groups() -> None:
    problem = Problem.from_dict(problem_dict(14))
    result = solve(problem, time_limit=5, seed=1, params=FAST)
    assert violations(problem, result.solution) == []
    assert result.report.placed == 14
    assert not result.solution.unplaced


def test_prefers_fewer_fuller_groups() -> None:
    # 12 people in groups of 3-4: three groups of 4 hold more pairs than four of 3.
    problem = Problem.from_dict(problem_dict(12))
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    assert sorted(len(g.members) for g in result.solution.rounds[0].groups) == [4, 4, 4]


def test_deterministic_for_a_seed_and_budget() -> None:
    problem = Problem.from_dict(problem_dict(30))
    params = SolveParams(max_iterations=500)
    a = solve(problem, time_limit=30, seed=7, params=params)
    b = solve(problem, time_limit=30, seed=7, params=params)
    assert a.solution == b.solution


def test_mixes_occupations() -> None:
    problem = Problem.from_dict(problem_dict(16))
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    for group in result.solution.rounds[0].groups:
        occupations = [
            problem.people[problem.index[m]].attributes["occupation"] for m in group.members
        ]
        assert len(set(occupations)) == len(occupations)
    (occupation,) = [c for c in result.report.criteria if c.name == "occupation"]
    assert occupation.same_value_pairs == 0
    assert occupation.entre_soi == 1.0


def test_too_few_people_are_unplaced_with_a_reason() -> None:
    problem = Problem.from_dict(problem_dict(2))
    result = solve(problem, time_limit=1, seed=0, params=FAST)
    assert result.solution.rounds[0].groups == ()
    assert {u.reason.code for u in result.solution.unplaced} == {"too_few_nearby"}
    assert "at least 3" in result.solution.unplaced[0].reason.message


def test_slots_venues_travel_and_needs() -> None:
    home = {"lat": 48.11, "lon": -1.68}
    crowd = people(8, slots=["tue-evening", "sat-morning"], location=home, max_km=5)
    crowd.append(
        {
            "id": "far",
            "location": {"lat": 48.5, "lon": -1.68},
            "max_km": 5,
            "slots": ["tue-evening"],
        }
    )
    crowd.append({"id": "thursday", "location": home, "max_km": 5, "slots": ["thu-evening"]})
    crowd.append({"id": "wheel", "location": home, "max_km": 5, "needs": ["step-free"]})
    data = problem_dict(
        0,
        people=crowd,
        venues=[
            {
                "id": "hall",
                "location": {"lat": 48.112, "lon": -1.679},
                "slots": ["tue-evening"],
                "capacity": 1,
            },
            {
                "id": "cafe",
                "location": {"lat": 48.109, "lon": -1.681},
                "slots": ["sat-morning"],
                "capacity": 1,
            },
            {"id": "far-hall", "location": {"lat": 48.9, "lon": -1.68}, "slots": ["thu-evening"]},
        ],
    )
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    assert is_valid(problem, result.solution)
    reasons = {u.id: u.reason for u in result.solution.unplaced}
    assert reasons["far"].code == "no_venue_in_range"
    assert reasons["far"].message == "no venue within 5 km of their home"
    assert reasons["thursday"].code == "no_venue_open"
    assert reasons["thursday"].message == "no venue within 5 km is open on thu-evening"
    assert reasons["wheel"].code == "no_venue_with_needs"
    assert "step-free" in reasons["wheel"].message
    groups = result.solution.rounds[0].groups
    assert sum(len(g.members) for g in groups) == 8
    assert all(g.venue in ("hall", "cafe") and g.slot for g in groups)


def test_capacity_leaves_people_unplaced() -> None:
    data = problem_dict(10, venues=[{"id": "room", "capacity": 1}])
    data["group_size"] = {"min": 3, "max": 4}
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=1, seed=0, params=FAST)
    assert is_valid(problem, result.solution)
    assert len(result.solution.rounds[0].groups) == 1
    assert {u.reason.code for u in result.solution.unplaced} == {"venues_full"}


def test_apart_and_together() -> None:
    data = problem_dict(
        12, apart=[["p0", "p4"], ["p1", "p5"]], together=[["p0", "p8"], ["p2", "p3"]]
    )
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=5, seed=3, params=FAST)
    assert is_valid(problem, result.solution)
    where = {
        m: g for g, group in enumerate(result.solution.rounds[0].groups) for m in group.members
    }
    assert where["p0"] == where["p8"] and where["p2"] == where["p3"]
    assert where["p0"] != where["p4"] and where["p1"] != where["p5"]


def test_contradictory_together_and_apart_is_explained() -> None:
    data = problem_dict(12, apart=[["p0", "p1"]], together=[["p0", "p1"]])
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=1, seed=0, params=FAST)
    codes = {u.id: u.reason.code for u in result.solution.unplaced}
    assert codes == {"p0": "together_and_apart", "p1": "together_and_apart"}


def test_shared_criteria_hold() -> None:
    crowd = people(16)
    for k, person in enumerate(crowd):
        person["attributes"]["languages"] = [["fr"], ["fr", "ar"], ["ar"], ["fr", "en"]][k % 4]
        person["attributes"]["intention"] = "discovery" if k < 12 else None
    data = problem_dict(
        0,
        people=crowd,
        criteria=[
            {"name": "occupation", "kind": "categorical"},
            {"name": "age", "kind": "numeric"},
            {"name": "languages", "kind": "multi", "goal": "shared"},
            {"name": "intention", "kind": "categorical", "goal": "shared"},
        ],
    )
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    assert is_valid(problem, result.solution)
    assert result.report.placed == 16


@pytest.mark.parametrize("rounds", [2, 3])
def test_rounds_avoid_repeats(rounds: int) -> None:
    problem = Problem.from_dict(problem_dict(24, rounds=rounds))
    result = solve(problem, time_limit=10, seed=0, params=SolveParams(max_iterations=3000))
    assert is_valid(problem, result.solution)
    assert len(result.solution.rounds) == rounds
    assert result.report.repeats == 0


def test_met_before_pairs_are_avoided() -> None:
    pairs = [[f"p{i}", f"p{j}"] for i in range(6) for j in range(i + 1, 6)]
    problem = Problem.from_dict(problem_dict(12, met_before=pairs))
    result = solve(problem, time_limit=5, seed=0, params=SolveParams(max_iterations=2000))
    # Six people who all met before, four groups of 3: at best 2 of them per group (1 pair).
    assert result.report.repeats <= 3


def test_distance_matrix_problem() -> None:
    n = 9
    matrix = [[abs(i - j) * 1.0 for j in range(n)] for i in range(n)]
    data = {
        "version": 1,
        "group_size": {"min": 3, "max": 3},
        "people": [{"id": str(i)} for i in range(n)],
        "distances": matrix,
    }
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    assert is_valid(problem, result.solution)
    assert result.report.diversity <= result.report.upper_bound + 1e-9


def test_progress_is_reported() -> None:
    seen = []
    problem = Problem.from_dict(problem_dict(20))
    solve(problem, time_limit=5, seed=0, params=FAST, progress=seen.append)
    assert seen and seen[-1].fraction == 1.0
    assert {p.phase for p in seen} >= {"construct", "report"}


def test_blocks_decompose_large_problems() -> None:
    problem = Problem.from_dict(problem_dict(200))
    params = SolveParams(block_size=40, passes=2, max_iterations=200)
    result = solve(problem, time_limit=10, seed=0, params=params)
    assert is_valid(problem, result.solution)
    assert result.report.placed == 200


def test_two_workers_give_a_valid_grouping() -> None:
    problem = Problem.from_dict(problem_dict(30))
    result = solve(problem, time_limit=5, seed=0, params=SolveParams(max_iterations=200, workers=2))
    assert is_valid(problem, result.solution)
    assert result.report.placed == 30


def test_solve_params_are_validated() -> None:
    with pytest.raises(ValueError, match="block_size"):
        SolveParams(block_size=3)
    with pytest.raises(ValueError, match="time_limit"):
        solve(Problem.from_dict(problem_dict(6)), time_limit=-1)
