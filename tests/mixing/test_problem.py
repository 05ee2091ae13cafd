from __future__ import annotations

import logging

import pytest

from tests.mixing.factories import problem_dict
from tierslien.mixing import Problem, ProblemError


def test_round_trip_through_dict() -> None:
    data = problem_dict(
        8,
        venues=[
            {"id": "v1", "location": {"lat": 48.1, "lon": -1.6}, "slots": ["tue"], "capacity": 2}
        ],
        apart=[["p0", "p1"]],
    )
    problem = Problem.from_dict(data)
    again = Problem.from_dict(problem.to_dict())
    assert again.people == problem.people
    assert again.venues == problem.venues
    assert again.apart == (("p0", "p1"),)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"group_size": {"min": 6, "max": 5}}, "group_size: min (6) is larger than max (5)"),
        ({"version": 2}, "unsupported version"),
        ({"people": "nobody"}, "people: must be a list"),
        ({"people": []}, "no people"),
        ({"apart": [["p0", "zed"]]}, "apart: unknown person 'zed'"),
        ({"together": [["p0", "p0"]]}, "themself"),
        ({"criteria": [{"name": "age", "kind": "colour"}]}, "criterion 'age': kind must be one of"),
        ({"criteria": [{"name": "e", "kind": "ordinal", "levels": ["a"]}]}, "at least 2 levels"),
        ({"criteria": [{"name": "a", "kind": "numeric", "goal": "shared"}]}, "shared"),
        ({"criteria": [{"name": "a", "kind": "numeric", "weight": -1}]}, "weight"),
        ({"venues": [{"id": "v1", "capacity": -1}]}, "venue 'v1': capacity must be >= 0"),
        ({"venues": [{"id": "v1"}, {"id": "v1"}]}, "venue 'v1': appears twice"),
    ],
)
def test_malformed_problem_names_the_culprit(change: dict[str, object], expected: str) -> None:
    with pytest.raises(ProblemError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        Problem.from_dict(problem_dict(6, **change))


def test_bad_attribute_names_the_person() -> None:
    data = problem_dict(6)
    data["people"][3]["attributes"]["age"] = "old"
    with pytest.raises(ProblemError, match="person 'p3': 'age' must be a number"):
        Problem.from_dict(data)


def test_undeclared_attributes_are_ignored_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = problem_dict(6)
    data["people"][2]["attributes"]["height"] = 180
    data["people"][4]["attributes"]["height"] = 175
    data["people"][4]["attributes"]["Name"] = "Ada"
    with caplog.at_level(logging.WARNING, logger="tierslien.mixing.problem"):
        problem = Problem.from_dict(data)
    assert [r.getMessage() for r in caplog.records] == [
        "ignored attribute(s) that name no declared criterion: 'Name' (1 people), "
        "'height' (2 people)"
    ]
    # Ignored as if absent: the same problem as without the extra keys.
    assert problem == Problem.from_dict(problem_dict(6))
    assert all("height" not in p.attributes for p in problem.people)


def test_declared_attributes_only_give_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tierslien.mixing.problem"):
        Problem.from_dict(problem_dict(6))
    assert caplog.records == []


def test_strict_mode_rejects_an_undeclared_attribute_naming_the_person() -> None:
    data = problem_dict(6)
    data["people"][2]["attributes"]["height"] = 180
    with pytest.raises(ProblemError, match="person 'p2': attribute 'height'"):
        Problem.from_dict(data, strict=True)


def test_keys_the_format_does_not_define_are_ignored_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = problem_dict(6, venues=[{"id": "hall", "name": "Salle des fêtes"}])
    data["groups"] = {"min": 2, "max": 3}  # a misspelt group_size
    data["group_size"]["max_"] = 9
    data["criteria"][0]["label"] = "Âge"
    data["people"][1]["slot"] = ["tue"]  # a misspelt slots: the person stays free at any time
    data["people"][4]["slot"] = ["wed"]
    with caplog.at_level(logging.WARNING, logger="tierslien.mixing.problem"):
        problem = Problem.from_dict(data)
    assert [r.getMessage() for r in caplog.records] == [
        "ignored key(s) the format does not define: 'groups' (problem), 'max_' (group_size), "
        "'label' (criterion, 1), 'slot' (people, 2), 'name' (venue, 1)"
    ]
    assert problem == Problem.from_dict(problem_dict(6, venues=[{"id": "hall"}]))
    assert all(p.slots is None for p in problem.people)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("problem", "the problem: 'groups' is not a key of a problem"),
        ("person", "person 'p1': 'slot' is not a key of a person"),
        ("venue", "venue 'hall': 'name' is not a key of a venue"),
    ],
)
def test_strict_mode_rejects_a_key_the_format_does_not_define(where: str, expected: str) -> None:
    data = problem_dict(6, venues=[{"id": "hall"}])
    if where == "problem":
        data["groups"] = {"min": 2, "max": 3}
    elif where == "person":
        data["people"][1]["slot"] = ["tue"]
    else:
        data["venues"][0]["name"] = "Salle des fêtes"
    Problem.from_dict(data)  # accepted, with a warning
    with pytest.raises(ProblemError, match=expected):
        Problem.from_dict(data, strict=True)


def test_duplicate_person() -> None:
    data = problem_dict(6)
    data["people"][5]["id"] = "p0"
    with pytest.raises(ProblemError, match="person 'p0': appears twice"):
        Problem.from_dict(data)


def test_bad_location_names_the_venue() -> None:
    data = problem_dict(6, venues=[{"id": "hall", "location": {"lat": 123, "lon": 0}}])
    with pytest.raises(ProblemError, match="venue 'hall': latitude"):
        Problem.from_dict(data)


def test_distances_must_be_symmetric() -> None:
    data = {"version": 1, "people": [{"id": "a"}, {"id": "b"}], "distances": [[0, 1], [2, 0]]}
    with pytest.raises(ProblemError, match="distances: must be symmetric"):
        Problem.from_dict(data)


def test_unanswered_is_none_and_null_is_dropped() -> None:
    data = problem_dict(6)
    data["people"][0]["attributes"]["age"] = None
    problem = Problem.from_dict(data)
    assert "age" not in problem.people[0].attributes
