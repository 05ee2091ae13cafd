"""Per-person explanations of a multi-round result: every round, counts only."""

from __future__ import annotations

from tests.mixing.factories import FAST, problem_dict
from tierslien.mixing import Problem, SolveParams, solve


def test_every_round_is_explained_without_revealing_answers() -> None:
    problem = Problem.from_dict(problem_dict(16, group_size={"min": 4, "max": 4}, rounds=3))
    result = solve(problem, time_limit=30, seed=0, params=FAST)
    assert set(result.explanations) == {p.id for p in problem.people}
    for pid, explanation in result.explanations.items():
        assert [r.round for r in explanation.rounds] == [0, 1, 2]
        for r, entry in enumerate(explanation.rounds):
            group = result.solution.rounds[r].groups[entry.group]
            assert pid in group.members
            assert entry.size == len(group.members)
            assert f"Round {r + 1}: your group of 4" in explanation.text
        assert explanation.rounds[0].new == 3
        # Repeat-free rounds: everyone at the table is new to them, 9 people in all.
        assert [r.new for r in explanation.rounds] == [3, 3, 3]
        assert explanation.met == 9
        assert explanation.text.endswith("In all you meet 9 different people.")
        for value in ("ouvrier", "cadre", "etudiant", "retraite"):
            assert value not in explanation.text
        data = explanation.to_dict()
        assert [entry["round"] for entry in data["rounds"]] == [0, 1, 2]
        assert data["met"] == 9
        assert set(data["rounds"][1]["counts"]) == {"occupation", "age"}


def test_a_repeated_encounter_shows_as_fewer_new_people() -> None:
    # Four people in pairs for four rounds: the fourth round repeats a pairing.
    problem = Problem.from_dict(problem_dict(4, group_size={"min": 2, "max": 2}, rounds=4))
    result = solve(problem, time_limit=30, seed=0, params=FAST)
    assert result.report.repeats == 2
    news = [r.new for e in result.explanations.values() for r in e.rounds]
    assert news.count(0) == 4  # the two pairs meeting again, seen by each of the four
    assert all(e.met == 3 for e in result.explanations.values())


def test_one_round_keeps_the_circle_sentence() -> None:
    problem = Problem.from_dict(problem_dict(12))
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    explanation = result.explanations["p0"]
    assert explanation.text.startswith("Your circle brings together ")
    assert len(explanation.rounds) == 1
    assert "rounds" not in explanation.to_dict()


def test_people_staying_together_keep_their_table_in_a_schedule_without_repeats() -> None:
    data = problem_dict(30, group_size={"min": 5, "max": 5}, rounds=3)
    data["together"] = [["p0", "p1"]]
    data["apart"] = [["p2", "p3"]]
    problem = Problem.from_dict(data)
    result = solve(problem, time_limit=60, seed=0, params=SolveParams(max_iterations=20_000))
    tables = [
        {m: g for g, group in enumerate(rnd.groups) for m in group.members}
        for rnd in result.solution.rounds
    ]
    assert all(t["p0"] == t["p1"] for t in tables)
    assert all(t["p2"] != t["p3"] for t in tables)
    assert result.report.repeats == 2  # only the pair who asked to stay together
