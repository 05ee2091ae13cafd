"""A season whose top lever is known: most people are free only on Thursday evening, when
the only venue (the Médiathèque, two circles at a time) is closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cast import Cast
from tests.circles.conftest import crowd, make_season, season  # noqa: F401  (fixtures)
from tierslien.accounts.models import User
from tierslien.circles.models import Registration, Season
from tierslien.portraits.models import Portrait
from tierslien.potential import services
from tierslien.potential.models import AnalysisKind, SeasonAnalysis
from tierslien.territories.models import Sector

THURSDAY = "thu-evening"


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    """Assertions read the English source strings; one test switches to French."""
    User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")


@pytest.fixture(autouse=True)
def _short_analysis(settings: Any) -> None:
    # Iterations, not time, end each re-solve: an analysis reruns figure for figure.
    settings.ANALYSIS_TIME_LIMIT = 10
    settings.ANALYSIS_MAX_ITERATIONS = 300
    settings.COMPOSE_TIME_LIMIT = 1


@pytest.fixture
def town(cast: Cast, season: Season, crowd: Callable[..., list[Registration]]) -> Season:  # noqa: F811
    """18 people free only on Thursday evening, in three sectors (so that asking one sector
    to widen its times places fewer than opening the hall on Thursday), 6 on Tuesday."""
    thursday = crowd(season, 18, slots=[THURSDAY])
    crowd(season, 6, slots=["tue-evening"])
    sectors = [
        cast.sector,
        Sector.objects.create(
            territory=cast.territory, name="Nord", latitude=48.13, longitude=-1.68
        ),
        Sector.objects.create(
            territory=cast.territory, name="Est", latitude=48.11, longitude=-1.65
        ),
    ]
    for k, registration in enumerate(thursday):
        Portrait.objects.filter(user=registration.user, territory=cast.territory).update(
            sector=sectors[k % 3]
        )
    return season


@pytest.fixture
def analysed(town: Season, cast: Cast, django_capture_on_commit_callbacks: Any) -> SeasonAnalysis:
    with django_capture_on_commit_callbacks(execute=True):
        services.start_analysis(town, user=cast.facilitator)
    return SeasonAnalysis.objects.get(season=town, kind=AnalysisKind.SEASON)
