"""The demo town's running season: the analysis names a costliest constraint and a top lever."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tierslien.circles.models import Season, SeasonState
from tierslien.potential import pages, services
from tierslien.potential.models import SeasonAnalysis

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_running_season_has_a_costliest_constraint_and_a_top_lever(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DEBUG = True
    settings.ANALYSIS_TIME_LIMIT = 10
    settings.ANALYSIS_MAX_ITERATIONS = 300
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    season = Season.objects.get(state=SeasonState.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_analysis(season)
    found = pages.read(SeasonAnalysis.objects.get(season=season, kind="season"))
    print(pages.costliest_sentence(found))
    for item in (*found.relaxations, *found.levers[:3]):
        print(item.title, "|", item.sentence, "| changed", item.changed)
    assert found.costliest is not None
    assert found.top is not None
