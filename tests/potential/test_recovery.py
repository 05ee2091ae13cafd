"""A dead worker's analysis is run again by the one sweep of stalled jobs, or failed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tierslien.circles.models import Season
from tierslien.lib.jobs import JobState
from tierslien.potential import jobs, services
from tierslien.potential.models import SeasonAnalysis

pytestmark = pytest.mark.django_db


def _stalled(season: Season, capture: Any, *, retries: int = 0) -> SeasonAnalysis:
    with capture(execute=False):
        row = services.start_analysis(season)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    SeasonAnalysis.objects.filter(pk=row.pk).update(
        job_state=JobState.RUNNING, job_heartbeat_at=long_ago, job_retries=retries
    )
    return row


def test_a_stalled_analysis_is_run_again(
    town: Season, django_capture_on_commit_callbacks: Any
) -> None:
    row = _stalled(town, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        found = jobs.recover_stalled_jobs()
    assert found == [(row.pk, "retried")]
    row.refresh_from_db()
    assert row.job_state == JobState.DONE
    assert row.result["levers"]


def test_an_analysis_out_of_attempts_fails_in_plain_words(
    town: Season, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    row = _stalled(town, django_capture_on_commit_callbacks, retries=settings.JOB_MAX_ATTEMPTS)
    assert jobs.recover_stalled_jobs() == [(row.pk, "failed")]
    row.refresh_from_db()
    assert row.job_state == JobState.FAILED
    assert row.job_error == "stalled"


def test_the_periodic_sweep_finds_analyses(
    town: Season, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    row = _stalled(town, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        call_command("recover_stalled_jobs")
    assert f"analysis {row.pk}: retried" in capsys.readouterr().out


def test_a_superseded_worker_writes_nothing(
    town: Season, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        row = services.start_analysis(town)
    SeasonAnalysis.objects.filter(pk=row.pk).update(job_state=JobState.RUNNING)
    assert jobs.save_result(row.pk, row.job_attempt - 1, {"baseline": {}}) == JobState.RUNNING
    row.refresh_from_db()
    assert row.result == {}
