"""Background jobs of the circles app (Django's tasks API)."""

from __future__ import annotations

from django.tasks import task

from tierslien.circles.compose import run_composition


@task()
def compose_season(season_id: int) -> str:
    """Compose a season's circles; the season row carries progress and outcome."""
    return run_composition(season_id)
