"""Starting, running and applying an analysis of a season's mixing potential."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.cast import Cast
from tests.potential.conftest import THURSDAY
from tierslien.circles.models import Season, SeasonState
from tierslien.lib.jobs import JobState
from tierslien.potential import services
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
