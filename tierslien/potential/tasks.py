"""Background jobs of the potential app (Django's tasks API): the row stores the task's
import path, so the task stays declared here."""

from __future__ import annotations

from django.tasks import task

from tierslien.potential.jobs import run_analysis


@task()
def analyse_season(analysis_id: int) -> str:
    """Analyse what limits a season's mixing (or one venue at a chosen point)."""
    return run_analysis(analysis_id)
