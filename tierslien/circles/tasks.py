"""Background jobs of the circles app (Django's tasks API).

Each queued row stores a task's import path (`tierslien.circles.tasks.<name>`), so the
tasks stay declared here. They run actions, and import them; an action starts a task
through `actions._queue` (by name), never by importing this module.
"""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from tierslien.circles.actions.compose import run_composition
from tierslien.circles.actions.publish import refill


@task()
def compose_season(season_id: int) -> str:
    """Compose a season's circles; the season row carries progress and outcome."""
    return run_composition(season_id)


@task()
def refill_season(season_id: int) -> int:
    """Offer seats given back (declined, expired) to people not placed yet."""
    return refill(season_id, time_limit=min(settings.COMPOSE_TIME_LIMIT, 5.0))
