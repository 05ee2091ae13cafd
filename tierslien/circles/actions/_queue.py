"""The one place a circle action starts a background task, once its transaction commits.

The tasks are declared in `tierslien.circles.tasks` (a queued row stores that import
path, so it stays put) and run the actions that do the work: `tasks` imports the
actions. An action therefore never imports `tasks`: it names the task here, and the
task is looked up by its path (no import cycle, no import hidden in a function).
"""

from __future__ import annotations

from typing import Final, Literal

from django.db import transaction
from django.utils.module_loading import import_string

TASKS: Final = "tierslien.circles.tasks"

TaskName = Literal["compose_season", "refill_season"]


def enqueue_on_commit(name: TaskName, season_id: int) -> None:
    """Enqueue the task `name` for a season when the current transaction commits."""
    task = import_string(f"{TASKS}.{name}")
    transaction.on_commit(lambda: task.enqueue(season_id))
