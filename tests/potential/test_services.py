"""Starting, running and applying an analysis of a season's mixing potential."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.cast import Cast
from tests.potential.conftest import THURSDAY
from tierslien import mixing
from tierslien.circles.engine import person_id
from tierslien.circles.models import Circle, Membership, Registration, Season, SeasonState
from tierslien.lib.jobs import JobState
from tierslien.mixing.potential.analyse import changed_circles
from tierslien.potential import jobs, services
from tierslien.potential.models import AnalysisKind, SeasonAnalysis

pytestmark = pytest.mark.django_db


def test_the_analysis_names_the_hall_closed_on_thursday_as_the_top_lever(
    analysed: SeasonAnalysis, cast: Cast
) -> None:
    assert analysed.job_state == JobState.DONE
    assert analysed.job_progress == 1.0
    result = analysed.result
    assert result["baseline"]["placed"] == 6
    assert result["relaxations"][0]["kind"] == "venues_times"
    top = result["levers"][0]
    assert top["kind"] == "open_slot"
    assert top["params"] == {"venue": f"v{cast.venue.pk}", "slot": THURSDAY}
    assert top["figures"]["placed"] == 18


def test_no_member_id_is_kept(analysed: SeasonAnalysis) -> None:
    result = analysed.result
    assert result["baseline"]["groups"] == []
    assert all(c["figures"]["groups"] == [] for c in result["relaxations"] + result["levers"])
    assert re.search(r'"r\d+"', json.dumps(result)) is None  # no person id anywhere


def test_applying_the_top_lever_opens_the_venue_and_keeps_the_prediction(
    analysed: SeasonAnalysis, cast: Cast
) -> None:
    venue = services.apply_lever(analysed.season, 0)
    assert THURSDAY in venue.opening_slots
    cast.venue.refresh_from_db()
    assert cast.venue.opening_slots == ["tue-evening", THURSDAY, "sat-morning"]
    analysed.refresh_from_db()
    assert analysed.applied["predicted"]["placed"] == 18
    assert analysed.applied["params"]["slot"] == THURSDAY


def test_applying_a_slot_already_open_is_refused_and_changes_nothing(
    analysed: SeasonAnalysis, cast: Cast
) -> None:
    services.apply_lever(analysed.season, 0)
    with pytest.raises(services.Refused):
        services.apply_lever(analysed.season, 0)
    cast.venue.refresh_from_db()
    assert cast.venue.opening_slots.count(THURSDAY) == 1


@pytest.mark.parametrize("index", [-1, 99])
def test_a_lever_that_is_not_there_is_refused(analysed: SeasonAnalysis, index: int) -> None:
    with pytest.raises(services.LeverGone):
        services.apply_lever(analysed.season, index)


def test_a_point_is_evaluated_against_a_fresh_baseline(
    town: Season, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.start_analysis(
            town,
            kind=AnalysisKind.POINT,
            params={"lat": 48.11, "lon": -1.68, "label": "Centre"},
        )
    point = SeasonAnalysis.objects.get(season=town, kind=AnalysisKind.POINT)
    assert point.job_state == JobState.DONE
    change = point.result["change"]
    assert change["kind"] == "add_venue"
    assert change["figures"]["placed"] > point.result["baseline"]["placed"]
    assert change["figures"]["groups"] == []


def test_starting_again_reuses_the_row_under_a_new_attempt(
    analysed: SeasonAnalysis, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        row = services.start_analysis(analysed.season)
    assert row.pk == analysed.pk
    assert row.job_attempt == analysed.job_attempt + 1
    assert row.job_state == JobState.QUEUED
    assert row.result == {}


def test_a_running_analysis_is_not_started_twice(
    town: Season, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        services.start_analysis(town)
        with pytest.raises(services.AnalysisRunning):
            services.start_analysis(town)


@pytest.mark.parametrize("state", [SeasonState.CLOSED, SeasonState.PURGED])
def test_a_season_that_is_over_is_not_analysed(town: Season, state: str) -> None:
    Season.objects.filter(pk=town.pk).update(state=state)
    town.refresh_from_db()
    with pytest.raises(services.SeasonOver):
        services.start_analysis(town)
    assert not SeasonAnalysis.objects.exists()


def test_analyses_of_purged_seasons_are_forgotten(analysed: SeasonAnalysis) -> None:
    assert services.forget_purged() == 0
    Season.objects.filter(pk=analysed.season_id).update(state=SeasonState.PURGED)
    assert services.forget_purged() == 1
    assert not SeasonAnalysis.objects.exists()


def _save_circle(season: Season, venue: Any, slot: str, registrations: list[Any]) -> Circle:
    circle = Circle.objects.create(season=season, venue=venue, slot=slot, number=1)
    for registration in registrations:
        Membership.objects.create(circle=circle, user=registration.user)
    return circle


def test_the_analysis_measures_costs_against_the_saved_circles(town: Season, cast: Cast) -> None:
    # Today's circle: five of the six people free on Tuesday (a fresh composition places
    # all six). The lever kept from today's circles keeps it whole; costs count against it.
    tuesday = list(Registration.objects.filter(season=town).order_by("pk"))[-6:]
    _save_circle(town, cast.venue, "tue-evening", tuesday[:5])
    saved = {person_id(r) for r in tuesday[:5]}
    result = jobs.compute(town, AnalysisKind.SEASON, {})
    analysis = mixing.potential.Analysis.from_dict(result)
    today = analysis.current
    assert today is not None and today.placed == 5 and set(today.groups[0]) == saved
    assert analysis.baseline.placed == 6
    top = analysis.levers[0]
    assert top.kind == "open_slot" and top.kept is not None
    assert any(saved <= set(group) for group in top.kept.groups)
    assert top.kept_changed == changed_circles(today, top.kept)
    assert top.changed == changed_circles(today, top.figures)
    assert top.kept_changed <= top.changed
    # Against the fresh composition (all six together) the count would differ: the sixth
    # person joining today's circle changes the circle of its five members.
    assert top.changed != changed_circles(analysis.baseline, top.figures)
    assert top.kept_gain_placed == top.kept.placed - analysis.baseline.placed  # vs the fresh


def test_without_saved_circles_there_is_no_today(town: Season) -> None:
    result = jobs.compute(town, AnalysisKind.SEASON, {})
    assert result["current"] is None


def test_a_point_counts_its_cost_against_the_saved_circles(town: Season, cast: Cast) -> None:
    tuesday = list(Registration.objects.filter(season=town).order_by("pk"))[-6:]
    _save_circle(town, cast.venue, "tue-evening", tuesday[:5])
    result = jobs.compute(town, AnalysisKind.POINT, {"lat": 48.11, "lon": -1.68, "label": "Centre"})
    today = mixing.potential.Figures.from_dict(result["current"])
    change = mixing.potential.Change.from_dict(result["change"])
    assert today.placed == 5
    assert change.changed == changed_circles(today, change.figures)
