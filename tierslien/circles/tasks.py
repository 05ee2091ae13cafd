"""Background jobs of the circles app (Django's tasks API)."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from tierslien.circles.compose import run_composition


@task()
def compose_season(season_id: int) -> str:
    """Compose a season's circles; the season row carries progress and outcome."""
    return run_composition(season_id)


@task()
def refill_season(season_id: int) -> int:
    """Offer seats given back (declined, expired) to people not placed yet."""
    from tierslien.circles.publication import refill

    return refill(season_id, time_limit=min(settings.COMPOSE_TIME_LIMIT, 5.0))
