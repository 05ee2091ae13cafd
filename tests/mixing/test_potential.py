"""The what-if analysis (issue 14): relaxations and levers, each measured by a re-solve."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest

from tierslien.mixing import (
    Group,
    Location,
    Problem,
    ProblemError,
    Round,
    Solution,
    SolveParams,
    solve,
)
from tierslien.mixing.potential import (
    Analysis,
    analyse,
    apply_change,
    encounter_table,
    evaluate,
    figures_of,
    figures_of_solution,
)
from tierslien.mixing.potential.analyse import changed_circles, likely_range
from tierslien.mixing.potential.figures import without_criteria

FAST = SolveParams(max_iterations=200)
KM_LAT = 1 / 111.0


def segregated_by_distance(seed: int = 3) -> dict[str, Any]:
    """Two villages 6 km apart, each with its own venue and its own occupations;
    everyone travels at most 1 km, so travel alone keeps them apart."""
    rng = np.random.default_rng(seed)
    people = []
    for village, jobs in ((0, ["ouvrier", "employe"]), (1, ["cadre", "etudiant"])):
        for k in range(40):
            people.append(
                {
                    "id": f"v{village}p{k}",
                    "attributes": {
                        "occupation": jobs[int(rng.integers(0, 2))],
                        "age": int(rng.integers(20, 80)),
                        "sector": f"village{village}",
                    },
                    "location": {
                        "lat": 48.0 + village * 6 * KM_LAT + rng.normal(0, 0.1) * KM_LAT,
                        "lon": -1.7 + rng.normal(0, 0.1) * KM_LAT,
                    },
                    "max_km": 1.0,
                }
            )
    venues = [
        {"id": f"hall{v}", "location": {"lat": 48.0 + v * 6 * KM_LAT, "lon": -1.7}, "capacity": 20}
        for v in (0, 1)
    ]
    return {
        "version": 1,
        "group_size": {"min": 5, "max": 6},
        "criteria": [
            {"name": "occupation", "kind": "categorical", "weight": 2.0},
            {"name": "age", "kind": "numeric"},
            {"name": "sector", "kind": "categorical"},
        ],
        "people": people,
        "venues": venues,
    }


def closed_on_the_common_slot(seed: int = 5) -> dict[str, Any]:
    """Most people are free only on Tuesday; the large hall opens only on Monday and
    the small room on Tuesday hosts two circles: most people cannot be placed."""
    rng = np.random.default_rng(seed)
    jobs = ["ouvrier", "cadre", "etudiant", "retraite"]
    people = [
        {
            "id": f"p{k}",
            "attributes": {"occupation": jobs[int(rng.integers(0, 4))]},
            "slots": ["tue"] if k % 5 else ["mon", "tue"],
        }
        for k in range(70)
    ]
    venues = [
        {"id": "hall", "slots": ["mon"], "capacity": 12},
        {"id": "room", "slots": ["tue"], "capacity": 2},
    ]
    return {
        "version": 1,
        "group_size": {"min": 5, "max": 6},
        "criteria": [{"name": "occupation", "kind": "categorical"}],
        "people": people,
        "venues": venues,
    }


def sectors_of(problem: Problem) -> dict[str, str]:
    return {p.id: str(p.attributes["sector"]) for p in problem.people if "sector" in p.attributes}


def test_travel_is_the_costliest_constraint_when_villages_are_apart() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    analysis = analyse(
        problem, sectors=sectors_of(problem), time_limit=5, seed=1, params=FAST, max_levers=3
    )
    top = analysis.costliest
    assert top is not None and top.kind == "travel"
    assert top.gain_entre_soi["occupation"] > 0.5  # segregated -> mixed
    assert analysis.baseline.entre_soi["occupation"] > 2.0
    assert "The costliest constraint is the travel distance" in "\n".join(analysis.sentences())


def test_opening_the_big_hall_on_the_common_slot_is_the_top_lever() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, seed=1, params=FAST, max_levers=4)
    best = analysis.best_lever
    assert best is not None
    assert (best.kind, best.params) == ("open_slot", {"venue": "hall", "slot": "tue"})
    assert best.gain_placed > 30
    assert analysis.costliest is not None and analysis.costliest.kind == "venues_times"
    assert any(s.startswith("Best lever: open venue hall on tue:") for s in analysis.sentences())


def test_applying_a_change_and_re_solving_reproduces_its_figures() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, seed=2, params=FAST, max_levers=2)
    for change in analysis.levers + analysis.relaxations:
        changed = apply_change(problem, change.kind, change.params)
        again = figures_of(solve(changed, time_limit=5, seed=2, params=FAST))
        assert again == change.figures, change.kind
        if change.kept is not None:
            previous = analysis.baseline.solution()
            kept = solve(changed, time_limit=5, seed=2, params=FAST, previous=previous)
            assert figures_of(kept) == change.kept, change.kind


def test_evaluate_by_hand_matches_the_analysis() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, seed=0, params=FAST, max_levers=1, draws=1)
    lever = analysis.levers[0]
    by_hand = evaluate(
        problem,
        lever.kind,
        lever.params,
        baseline=analysis.baseline,
        time_limit=5,
        seed=0,
        params_solve=FAST,
    )
    assert by_hand == lever


def test_the_whole_analysis_is_deterministic_with_bounded_iterations() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    runs = [
        analyse(problem, sectors=sectors_of(problem), time_limit=5, seed=4, params=FAST)
        for _ in range(2)
    ]
    first, second = (dict(r.to_dict(), elapsed=0) for r in runs)
    assert first == second


def test_progress_moves_within_solves_up_to_one() -> None:
    data = closed_on_the_common_slot()
    data["rounds"] = 2  # the solver reports after each round: a share inside a solve
    problem = Problem.from_dict(data)
    seen: list[float] = []
    analysis = analyse(problem, time_limit=5, params=FAST, max_levers=2, progress=seen.append)
    # Every lever is solved twice (recomposing, keeping today's circles), and the best
    # one's recomposition twice more with other seeds.
    assert analysis.levers[0].spread is not None
    assert analysis.solves == 1 + len(analysis.relaxations) + 2 * len(analysis.levers) + 2
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 1 / analysis.solves
    boundaries = {k / analysis.solves for k in range(analysis.solves + 1)}
    inside = [s for s in seen if all(abs(s - b) > 1e-9 for b in boundaries)]
    assert inside, "progress only moved between solves"
    assert len(seen) > analysis.solves


def test_analysis_survives_a_json_round_trip() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, params=FAST, max_levers=2)
    data = json.loads(json.dumps(analysis.to_dict()))
    assert Analysis.from_dict(data) == analysis
    assert all(c.kept is not None for c in Analysis.from_dict(data).levers)


def test_an_analysis_stored_before_kept_existed_still_reads() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    data = analyse(problem, time_limit=5, params=FAST, max_levers=1).to_dict()
    for change in data["levers"] + data["relaxations"]:
        for key in ("kept", "kept_changed", "kept_gain_placed", "kept_gain_entre_soi"):
            del change[key]
    old = Analysis.from_dict(data)
    lever = old.levers[0]
    assert (lever.kept, lever.kept_changed, lever.kept_gain_placed) == (None, 0, 0)
    assert lever.gain_placed > 0 and lever.changed > 0  # the recomposition is all there
    assert "keeping today's circles" not in "\n".join(old.sentences())


def test_the_best_lever_is_drawn_again_with_other_seeds() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, seed=4, params=FAST, max_levers=3, draws=3)
    best = analysis.best_lever
    assert best is not None and best.spread is not None
    assert all(c.spread is None for c in analysis.levers[1:] + analysis.relaxations)
    changed = apply_change(problem, best.kind, best.params)
    draws = [best.figures] + [
        figures_of(solve(changed, time_limit=5, seed=seed, params=FAST)) for seed in (5, 6)
    ]
    assert best.spread.draws == 3
    assert best.spread.placed == tuple(d.placed for d in draws)
    assert best.spread.entre_soi.keys() == best.figures.entre_soi.keys()
    for name, values in best.spread.entre_soi.items():
        assert values == tuple(d.entre_soi[name] for d in draws)
        low, high = best.spread.likely[name]
        assert low <= sum(values) / 3 <= high and low >= 1.0
    said = [s for s in analysis.sentences() if s.startswith("Likely, 8 compositions in 10")]
    assert said == [said[0]] and "(from 3 draws)" in said[0]
    assert Analysis.from_dict(json.loads(json.dumps(analysis.to_dict()))) == analysis


def test_the_likely_range_is_students_prediction_interval() -> None:
    assert likely_range([1.0, 2.0, 3.0]) == pytest.approx((-0.1778, 4.1778), abs=1e-4)
    assert likely_range([1.0, 2.0, 3.0], floor=1.0) == pytest.approx((1.0, 4.1778), abs=1e-4)
    assert likely_range([1.5]) == (1.5, 1.5)
    assert likely_range([1.5, 1.5, 1.5]) == (1.5, 1.5)


@pytest.mark.parametrize("k", [3, 5])
def test_the_likely_range_holds_one_more_draw_eight_times_in_ten(k: int) -> None:
    rng = np.random.default_rng(7)
    trials = 4000
    inside = 0
    for _ in range(trials):
        values = rng.normal(1.5, 0.1, size=k + 1)
        low, high = likely_range(values[:k].tolist())
        inside += int(low <= values[k] <= high)
    assert 0.77 <= inside / trials <= 0.83


def test_one_draw_draws_nothing_again_and_zero_is_refused() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    once = analyse(problem, time_limit=5, params=FAST, max_levers=1, draws=1)
    assert once.levers[0].spread is None
    assert once.solves == 1 + len(once.relaxations) + 2
    with pytest.raises(ProblemError, match="draws must be >= 1"):
        analyse(problem, time_limit=5, params=FAST, max_levers=1, draws=0)


def test_an_analysis_stored_before_spread_existed_reads_as_none() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    data = analyse(problem, time_limit=5, params=FAST, max_levers=1).to_dict()
    assert data["levers"][0]["spread"] is not None
    for change in data["levers"] + data["relaxations"]:
        del change["spread"]
    assert Analysis.from_dict(data).levers[0].spread is None


def test_a_lever_kept_from_todays_circles_moves_few_people() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, seed=1, params=FAST, max_levers=1)
    lever = analysis.levers[0]
    kept = lever.kept
    assert kept is not None and (lever.kind, lever.params["slot"]) == ("open_slot", "tue")
    # Every circle of today is still whole, the newcomers were placed around them.
    for members in analysis.baseline.groups:
        assert any(set(members) <= set(g) for g in kept.groups), members
    assert lever.kept_gain_placed == kept.placed - analysis.baseline.placed > 30
    assert lever.kept_changed == changed_circles(analysis.baseline, kept)
    assert lever.kept_changed < lever.changed
    assert lever.kept_gain_entre_soi == {
        name: round(before - kept.entre_soi[name], 4)
        for name, before in analysis.baseline.entre_soi.items()
    }
    sentence = next(s for s in analysis.sentences() if s.startswith("Best lever"))
    assert "recomposing everything, " in sentence
    assert f"({lever.changed} people's circles change)" in sentence
    assert f"keeping today's circles, {lever.kept_gain_placed} more placed" in sentence
    assert sentence.endswith(f"and {lever.kept_changed} people's circles change.")


def test_relaxations_are_not_solved_from_todays_circles() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, params=FAST, max_levers=0)
    assert analysis.relaxations and all(c.kept is None for c in analysis.relaxations)
    assert analysis.solves == 1 + len(analysis.relaxations)


def test_changed_counts_people_whose_circle_differs() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    analysis = analyse(problem, time_limit=5, params=FAST, max_levers=1)
    lever = analysis.levers[0]
    before, after = analysis.baseline.circles(), lever.figures.circles()
    everyone = {p.id for p in problem.people}
    assert lever.changed == sum(1 for pid in everyone if before.get(pid) != after.get(pid))
    assert lever.changed >= lever.gain_placed  # the newly placed all changed


def test_relaxations_that_change_nothing_are_not_solved() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())  # no travel limit, no shared
    analysis = analyse(problem, time_limit=5, params=FAST, max_levers=0)
    assert {c.kind for c in analysis.relaxations} == {"venues_times", "sizes"}
    assert analysis.levers == ()


# ----- apply_change -----


def test_apply_change_relaxations() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    assert all(p.max_km is None for p in apply_change(problem, "travel", {}).people)
    sizes = apply_change(problem, "sizes", {})
    assert (sizes.min_size, sizes.max_size) == (4, 7)
    open_all = apply_change(Problem.from_dict(closed_on_the_common_slot()), "venues_times", {})
    assert all(v.slots == ("mon", "tue") and v.capacity >= 14 for v in open_all.venues)
    assert all(p.slots == ("mon", "tue") for p in open_all.people)


def test_shared_relaxation_drops_shared_criteria_and_answers() -> None:
    data = closed_on_the_common_slot()
    data["criteria"].append({"name": "language", "kind": "categorical", "goal": "shared"})
    for k, person in enumerate(data["people"]):
        person["attributes"]["language"] = "fr" if k % 2 else "br"
    relaxed = apply_change(Problem.from_dict(data), "shared", {})
    assert [c.name for c in relaxed.criteria] == ["occupation"]
    assert all("language" not in p.attributes for p in relaxed.people)


def test_levers_change_what_they_say() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    opened = apply_change(problem, "open_slot", {"venue": "hall", "slot": "tue"})
    assert opened.venues[0].slots == ("mon", "tue")
    added = apply_change(problem, "add_venue", {"lat": 48.1, "lon": -1.6, "label": "Centre"})
    new = added.venues[-1]
    assert (new.id, new.capacity, new.slots) == ("new@Centre", 2, ("mon", "tue"))
    widened = apply_change(
        problem, "widen", {"sector": "north"}, sectors={"p1": "north"}, slots=["mon", "tue", "wed"]
    )
    assert widened.people[1].slots == ("mon", "tue", "wed")
    assert widened.people[2].slots == problem.people[2].slots


def test_online_lever_is_usable_only_by_those_who_accept() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    accept = frozenset({"v0p0", "v0p1", "v1p0"})
    online = apply_change(problem, "online", {"people": 3}, accept_online=accept)
    extra = [v for v in online.venues if v.id.startswith("online@")]
    assert len(extra) == 3 and all(v.capacity == problem.n for v in extra)
    for person in online.people:
        assert ("in-person" in person.needs) == (person.id not in accept)
    assert all("in-person" in v.features for v in online.venues if v not in extra)
    assert all("in-person" not in v.features for v in extra)


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("teleport", {}, "unknown change 'teleport'"),
        ("open_slot", {"venue": "nowhere", "slot": "tue"}, "unknown venue 'nowhere'"),
        ("open_slot", {"slot": "tue"}, "missing parameter 'venue'"),
        ("add_venue", {"lat": "north", "lon": 1.0}, "parameter 'lat' must be a number"),
        ("add_venue", {"lat": 123.0, "lon": 1.0}, "latitude must be a number in [-90, 90]"),
        ("widen", {"sector": "atlantis"}, "unknown sector 'atlantis'"),
        ("online", {}, "nobody accepts online circles"),
    ],
)
def test_bad_changes_are_refused_with_a_clear_message(
    kind: str, params: dict[str, Any], message: str
) -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    with pytest.raises(ProblemError, match="what-if") as error:
        apply_change(problem, kind, params)
    assert message in str(error.value)


# ----- encounters -----


def test_encounter_table_counts_pairs_by_hand() -> None:
    groups = [["a1", "a2", "b1"], ["a3", "b2", "c1", "x"]]
    labels = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C"}
    table = encounter_table(groups, labels)
    assert table.labels == ("A", "B", "C")
    # group 1: a1-a2 (A,A), a1-b1 and a2-b1 (A,B); group 2: a3-b2 (A,B), a3-c1 (A,C),
    # b2-c1 (B,C); x has no label and c2 was not grouped.
    assert table.counts == ((1, 3, 1), (3, 0, 1), (1, 1, 0))
    assert table.count("B", "A") == 3


def test_two_sector_centres_reaching_the_same_people_are_solved_once() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())  # nobody has a travel limit
    points = {"north": Location(48.2, -1.7), "south": Location(48.0, -1.7)}
    sectors = {p.id: ("north" if k % 2 else "south") for k, p in enumerate(problem.people)}
    analysis = analyse(
        problem, sectors=sectors, sector_points=points, time_limit=5, params=FAST, max_levers=8
    )
    assert [c.params["label"] for c in analysis.levers if c.kind == "add_venue"] == ["north"]


def test_todays_circles_equal_to_the_baseline_change_nothing() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    without = analyse(problem, time_limit=5, seed=1, params=FAST, max_levers=2)
    today = without.baseline.solution()
    given = analyse(problem, time_limit=5, seed=1, params=FAST, max_levers=2, current=today)
    # Today's figures are read without solving, and equal the solve's own.
    assert given.current == figures_of_solution(problem, today) == without.baseline
    assert without.current is None
    assert dataclasses.replace(given, current=None) == without


def test_a_lever_kept_from_saved_circles_keeps_them_whole_and_counts_against_them() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    # Today's circles: not what a fresh solve would make (two hand-made circles of
    # Monday-free people in the hall, one of Tuesday-only people in the room).
    monday = [p.id for p in problem.people if p.slots is not None and "mon" in p.slots]
    tuesday = [p.id for p in problem.people if p.id not in monday]
    groups = (
        Group(members=tuple(monday[0:5]), venue="hall", slot="mon"),
        Group(members=tuple(monday[5:10]), venue="hall", slot="mon"),
        Group(members=tuple(tuesday[0:5]), venue="room", slot="tue"),
    )
    today = Solution(rounds=(Round(groups=groups),))
    analysis = analyse(
        problem, time_limit=5, seed=1, params=FAST, max_levers=1, current=today, draws=1
    )
    current = analysis.current
    assert current is not None and current.placed == 15
    assert current.groups == tuple(g.members for g in groups)
    lever = analysis.levers[0]
    kept = lever.kept
    assert kept is not None and (lever.kind, lever.params["slot"]) == ("open_slot", "tue")
    for group in groups:  # every saved circle is whole in the kept variant
        assert any(set(group.members) <= set(g) for g in kept.groups), group.members
    assert lever.kept_changed == changed_circles(current, kept)
    assert lever.changed == changed_circles(current, lever.figures)
    assert lever.kept_changed < lever.changed
    # Gains stay against the fresh baseline (both solves, same seed and limits).
    assert lever.kept_gain_placed == kept.placed - analysis.baseline.placed
    assert lever.gain_placed == lever.figures.placed - analysis.baseline.placed
    again = solve(
        apply_change(problem, lever.kind, lever.params),
        time_limit=5,
        seed=1,
        params=FAST,
        previous=today,
    )
    assert figures_of(again) == kept
    by_hand = evaluate(
        problem,
        lever.kind,
        lever.params,
        baseline=analysis.baseline,
        time_limit=5,
        seed=1,
        params_solve=FAST,
        current=today,
    )
    assert by_hand == lever
    assert analysis.sentences()[0] == "Today's circles: 15 people placed, 55 unplaced" + (
        f"; entre-soi occupation {current.entre_soi['occupation']:.2f}."
    )
    assert Analysis.from_dict(json.loads(json.dumps(analysis.to_dict()))) == analysis


def test_an_analysis_stored_before_current_existed_reads_as_none() -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    data = analyse(problem, time_limit=5, params=FAST, max_levers=0).to_dict()
    del data["current"]
    assert Analysis.from_dict(data).current is None


@pytest.mark.parametrize(
    ("members", "message"),
    [(("p1", "ghost"), "unknown person id 'ghost'"), (("p1", "p1"), "'p1' is in two groups")],
)
def test_todays_circles_with_bad_ids_are_refused(members: tuple[str, ...], message: str) -> None:
    problem = Problem.from_dict(closed_on_the_common_slot())
    today = Solution(rounds=(Round(groups=(Group(members=members),)),))
    with pytest.raises(ProblemError, match=message):
        analyse(problem, time_limit=5, params=FAST, max_levers=0, current=today)
    with pytest.raises(ProblemError, match=message):
        figures_of_solution(problem, today)
    baseline = figures_of(solve(problem, time_limit=5, params=FAST))
    with pytest.raises(ProblemError, match=message):
        evaluate(problem, "sizes", {}, baseline=baseline, params_solve=FAST, current=today)


def test_figures_without_a_criterion_are_those_of_the_problem_without_it() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    hidden = frozenset({"age"})
    bare = without_criteria(problem, hidden)
    analysis = analyse(
        problem,
        sectors=sectors_of(problem),
        time_limit=5,
        seed=1,
        params=FAST,
        max_levers=2,
        figures_without=hidden,
    )
    assert [c.name for c in bare.criteria] == ["occupation", "sector"]
    assert all("age" not in p.attributes for p in bare.people)
    baseline = analysis.baseline
    assert baseline == figures_of_solution(bare, baseline.solution())
    for change in analysis.levers + analysis.relaxations:
        assert change.figures == figures_of_solution(
            without_criteria(apply_change(problem, change.kind, change.params), hidden),
            change.figures.solution(),
        ), change.kind


def test_evaluate_leaves_the_hidden_criterion_out_of_every_figure() -> None:
    problem = Problem.from_dict(segregated_by_distance())
    hidden = frozenset({"sector"})
    full = figures_of(solve(problem, time_limit=5, seed=3, params=FAST))
    assert "sector" in full.entre_soi
    baseline = figures_of(solve(problem, time_limit=5, seed=3, params=FAST), hidden)
    assert "sector" not in baseline.entre_soi and baseline.groups == full.groups
    assert (
        baseline.diversity
        == figures_of_solution(without_criteria(problem, hidden), full.solution()).diversity
    )
    change = evaluate(
        problem,
        "travel",
        {},
        baseline=baseline,
        time_limit=5,
        seed=3,
        params_solve=FAST,
        current=full.solution(),
        figures_without=hidden,
    )
    assert set(change.figures.entre_soi) == {"occupation"}
    assert set(change.gain_entre_soi) == {"occupation"}
