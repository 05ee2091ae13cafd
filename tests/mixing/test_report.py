from __future__ import annotations

import numpy as np

from tests.mixing.factories import FAST, problem_dict
from tierslien.mixing import Problem, solve
from tierslien.mixing.report import _fewest_pairs, _max_pairs


def test_fewest_same_value_pairs_spread_evenly() -> None:
    assert _fewest_pairs(7, [5, 5]) == 3 + 6  # 4 and 3
    assert _fewest_pairs(2, [5, 5, 5]) == 0
    assert _fewest_pairs(6, [2, 5]) == 1 + 6  # the small group takes 2, the other 4
    assert _max_pairs(5, [3, 3]) == 3 + 1


def test_report_figures_are_consistent() -> None:
    problem = Problem.from_dict(problem_dict(24))
    report = solve(problem, time_limit=5, seed=0, params=FAST).report
    assert 0 < report.diversity <= report.upper_bound + 1e-9
    assert report.ratio_to_bound == report.diversity / report.upper_bound
    assert report.lift > 1.0  # better than a random grouping
    assert report.weakest_group_diversity <= report.mean_group_diversity
    assert abs(sum(c.diversity for c in report.criteria) - report.diversity) < 1e-6
    assert "entre-soi index" in report.summary()


def test_entre_soi_of_a_segregated_grouping() -> None:
    from tierslien.mixing.distance import encode
    from tierslien.mixing.report import build_report
    from tierslien.mixing.solution import Group, Round, Solution

    problem = Problem.from_dict(problem_dict(8, group_size={"min": 4, "max": 4}))
    # Sorted by occupation: each group holds two pairs of identical occupations.
    by_job = sorted(problem.people, key=lambda p: str(p.attributes["occupation"]))
    ids = [p.id for p in by_job]
    solution = Solution(rounds=(Round(groups=(Group(tuple(ids[:4])), Group(tuple(ids[4:])))),))
    report = build_report(problem, encode(problem), solution)
    (occupation,) = [c for c in report.criteria if c.name == "occupation"]
    assert occupation.same_value_pairs == 4
    assert occupation.fewest_same_value_pairs == 0
    # Random draw: 8 pairs of identical occupations among C(8,2) = 28, 12 pairs in groups.
    random = 12 * 4 / 28
    assert occupation.random_same_value_pairs == round(random, 2)
    assert occupation.entre_soi == round(1 + 4 / random, 4)


def test_explanations_give_counts_not_answers() -> None:
    problem = Problem.from_dict(problem_dict(12))
    result = solve(problem, time_limit=5, seed=0, params=FAST)
    assert set(result.explanations) == {p.id for p in problem.people}
    text = result.explanations["p0"].text
    assert text.startswith("Your circle brings together ")
    assert "occupations" in text
    for value in ("ouvrier", "cadre", "etudiant", "retraite"):
        assert value not in text
    counts = dict(result.explanations["p0"].counts)
    assert counts["occupation"] == 4


def test_upper_bound_holds_on_random_problems() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        data = problem_dict(int(rng.integers(8, 30)))
        for person in data["people"]:
            person["attributes"]["age"] = int(rng.integers(18, 90))
        problem = Problem.from_dict(data)
        report = solve(problem, time_limit=5, seed=0, params=FAST).report
        assert report.diversity <= report.upper_bound + 1e-9
