"""Fewer, fuller groups: `close_groups` closes a group whose members all fit elsewhere.

A group of 5 closed into groups of 5 turns 10 pairs into 25, so diversity rises;
the closing must keep the grouping valid and place exactly the same people, and a
closing that does not work out must leave the layout exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mixing.test_placement import crowded
from tierslien.mixing import Group, Problem, Round, Solution, SolveParams, violations
from tierslien.mixing.construct import Builder, Layout
from tierslien.mixing.distance import encode
from tierslien.mixing.feasibility import Sites, compute_sites
from tierslien.mixing.placement import close_groups


def _problem(groups_of: dict[str, list[str]], slots_of: dict[str, list[str]]) -> Problem:
    people = [
        {"id": pid, "attributes": {"job": "abc"[k % 3]}, "slots": slots_of[pid[0]]}
        for members in groups_of.values()
        for k, pid in enumerate(members)
    ]
    return Problem.from_dict(
        {
            "version": 1,
            "group_size": {"min": 2, "max": 3},
            "criteria": [{"name": "job", "kind": "categorical"}],
            "venues": [
                {"id": "hall", "slots": ["mon"], "capacity": 2},
                {"id": "cafe", "slots": ["tue"], "capacity": 2},
            ],
            "people": people,
        }
    )


def _site(problem: Problem, sites: Sites, venue: str, slot: str) -> int:
    index = [v.id for v in problem.venues].index(venue)
    return next(s for s in range(sites.count) if sites.venue[s] == index and sites.slot[s] == slot)


def _layout(problem: Problem, sites: Sites, groups_of: dict[str, list[str]]) -> Layout:
    where = {"a": ("hall", "mon"), "b": ("cafe", "tue"), "c": ("hall", "mon"), "d": ("cafe", "tue")}
    return Layout(
        site=[_site(problem, sites, *where[name]) for name in groups_of],
        members=[[problem.index[pid] for pid in members] for members in groups_of.values()],
    )


def _solution(problem: Problem, sites: Sites, layout: Layout) -> Solution:
    groups = []
    for site, members in zip(layout.site, layout.members, strict=True):
        if members:
            venue = problem.venues[int(sites.venue[site])].id if sites.venue[site] >= 0 else None
            ids = tuple(problem.people[i].id for i in members)
            groups.append(Group(members=ids, venue=venue, slot=sites.slot[site]))
    return Solution(rounds=(Round(groups=tuple(groups)),), unplaced=())


# a1..a3 may meet on Monday or Tuesday; b, c and d people only on their group's day.
SLOTS = {"a": ["mon", "tue"], "b": ["tue"], "c": ["mon"], "d": ["tue"]}


def _four_groups() -> tuple[Problem, Sites, Layout]:
    """a full on Monday; b, d on Tuesday and c on Monday, each with one seat left."""
    groups_of = {
        "a": ["a1", "a2", "a3"],
        "b": ["b1", "b2"],
        "c": ["c1", "c2"],
        "d": ["d1", "d2"],
    }
    problem = _problem(groups_of, SLOTS)
    sites = compute_sites(problem)
    return problem, sites, _layout(problem, sites, groups_of)


def test_a_group_closes_when_others_make_room_by_moving_someone() -> None:
    # c1 and c2 can only meet on Monday, where group a is full: two people of a move
    # to Tuesday's groups with room, and c1, c2 take their places.
    problem, sites, layout = _four_groups()

    assert close_groups(problem, sites, layout) == 1

    sizes = sorted(len(m) for m in layout.members)
    assert sizes == [0, 3, 3, 3]
    assert not violations(problem, _solution(problem, sites, layout))


def test_a_group_that_does_not_fit_elsewhere_is_left_exactly_as_it_was() -> None:
    # Only one seat is free on Tuesday and none on Monday: c1 could move, c2 cannot.
    groups_of = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2"], "c": ["c1", "c2"]}
    problem = _problem(groups_of, SLOTS)
    sites = compute_sites(problem)
    layout = _layout(problem, sites, groups_of)
    before = copy.deepcopy((layout.site, layout.members))

    assert close_groups(problem, sites, layout) == 0

    assert (layout.site, layout.members) == before


def test_groups_holding_locked_people_are_kept() -> None:
    problem, sites, layout = _four_groups()
    # Without the locks, group a would close (a1 to c, a2 to b, a3 to d).
    layout.locked = {problem.index["a1"], problem.index["c1"]}

    assert close_groups(problem, sites, layout) == 0


def _roomy(data: dict[str, Any]) -> dict[str, Any]:
    """Groups of min to min + 2: room to close groups into."""
    low = data["group_size"]["min"]
    return {**data, "group_size": {"min": low, "max": low + 2}}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded().map(_roomy), st.integers(0, 3))
def test_closing_keeps_the_grouping_valid_and_everyone_placed(
    data: dict[str, Any], seed: int
) -> None:
    problem = Problem.from_dict(data)
    sites = compute_sites(problem)
    enc = encode(problem)
    # The greedy construction without its own merge: more groups to close.
    builder = Builder(problem, enc, sites, np.random.default_rng(seed))
    builder._consolidate = lambda: None  # type: ignore[method-assign]
    layout = builder.build([i for i in range(problem.n) if i not in sites.reasons])
    layout.compact()
    placed = sorted(i for m in layout.members for i in m)
    groups = sum(1 for m in layout.members if m)

    closed = close_groups(problem, sites, layout)
    print("CLOSED", closed)

    assert sorted(i for m in layout.members for i in m) == placed
    assert sum(1 for m in layout.members if m) == groups - closed
    layout.compact()
    assert not violations(problem, _solution(problem, sites, layout))


def test_several_constructions_must_be_at_least_one() -> None:
    try:
        SolveParams(layout_starts=0)
    except ValueError as error:
        assert "layout_starts" in str(error)
    else:
        raise AssertionError("layout_starts=0 was accepted")
