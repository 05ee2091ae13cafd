"""A composition whose worker died is noticed and run again, or failed in plain words."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.cast import Cast
from tests.circles.conftest import Crowd
from tierslien import mixing
from tierslien.circles import actions
from tierslien.circles.actions import compose
from tierslien.circles.actions.compose import progress_writer, run_composition, save_composition
from tierslien.circles.models import JobState, Season, SeasonState
from tierslien.circles.pages import failure_text
from tierslien.lib import jobs

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _queued(season: Season, cast: Cast) -> Season:
    """Composition started; its task not run (on_commit dropped): as if the worker died."""
    actions.start_composition(season)
    season.refresh_from_db()
    assert season.job_state == JobState.QUEUED
    return season


def _died_while_running(season: Season, minutes: float = 10) -> Season:
    silent = timezone.now() - datetime.timedelta(minutes=minutes)
    Season.objects.filter(pk=season.pk).update(
        job_state=JobState.RUNNING, job_heartbeat_at=silent, job_progress=0.4
    )
    season.refresh_from_db()
    return season


def test_a_killed_composition_is_run_again_and_finishes(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    crowd(season, 12)
    season = _died_while_running(_queued(season, cast))
    attempt = season.job_attempt
    with django_capture_on_commit_callbacks(execute=True):
        assert compose.recover_stalled_jobs() == [(season.pk, "retried")]
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    assert (season.job_attempt, season.job_retries) == (attempt + 1, 1)
    assert season.circles.exists()


def test_a_living_composition_is_left_alone(cast: Cast, season: Season, crowd: Crowd) -> None:
    crowd(season, 12)
    season = _died_while_running(_queued(season, cast), minutes=1)  # beat a minute ago
    assert compose.recover_stalled_jobs() == []
    # Queued a minute ago, waiting behind another job: not stalled either.
    Season.objects.filter(pk=season.pk).update(
        job_state=JobState.QUEUED, job_heartbeat_at=timezone.now()
    )
    assert compose.recover_stalled_jobs() == []


def test_a_composition_that_keeps_dying_fails_in_plain_words(
    cast: Cast, season: Season, crowd: Crowd, settings: Any
) -> None:
    settings.JOB_MAX_ATTEMPTS = 3
    crowd(season, 12)
    season = _queued(season, cast)
    outcomes = []
    for _ in range(3):
        _died_while_running(season)
        outcomes += [outcome for _pk, outcome in compose.recover_stalled_jobs()]
    assert outcomes == ["retried", "retried", "failed"]
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN  # registration open again, nothing half-written
    assert (season.job_state, season.job_error) == (JobState.FAILED, jobs.STALLED)
    assert not season.circles.exists()
    with translation.override("en"):
        assert "start the composition again" in str(failure_text(season.job_error))


def test_a_worker_taken_for_dead_writes_nothing(
    cast: Cast, season: Season, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(season, 12)
    season = _queued(season, cast)
    real_solve = mixing.solve

    def solve_while_taken_over(*args: Any, **kwargs: Any) -> mixing.Result:
        result = real_solve(*args, **kwargs)
        # Meanwhile the sweep took this worker for dead and queued another attempt.
        with monkeypatch.context() as patch:
            patch.setattr(compose.transaction, "on_commit", lambda _f: None)
            _died_while_running(season)
            compose.recover_stalled_jobs()
        return result

    monkeypatch.setattr(compose.mixing, "solve", solve_while_taken_over)
    run_composition(season.pk)
    season.refresh_from_db()
    assert season.state == SeasonState.COMPOSING  # the old attempt's result was dropped
    assert season.job_state == JobState.QUEUED
    assert not season.circles.exists()


def test_an_old_attempt_cannot_save_nor_report_progress(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    crowd(season, 6)
    season = _queued(season, cast)
    old = season.job_attempt
    Season.objects.filter(pk=season.pk).update(job_attempt=old + 1)
    writer = progress_writer(season.pk, interval=0, attempt=old)
    with pytest.raises(jobs.Superseded):
        writer(mixing.Progress(0.1, 1.0, "improve", 12.5, 0.25))
    assert save_composition(season.pk, None, None, attempt=old) == SeasonState.COMPOSING  # type: ignore[arg-type]
    assert compose.fail(season.pk, "internal", "late", old) == SeasonState.COMPOSING


def test_opening_the_progress_page_notices_a_dead_worker(
    cast: Cast, season: Season, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(season, 12)
    season = _died_while_running(_queued(season, cast))
    page = client_as("facilitator").get(
        reverse("manage_season_progress", args=[season.territory.slug, season.pk])
    )
    assert page.status_code == 200
    season.refresh_from_db()
    assert (season.job_state, season.job_retries) == (JobState.QUEUED, 1)


def test_the_facilitator_can_start_a_silent_composition_again_at_once(
    cast: Cast,
    season: Season,
    crowd: Crowd,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    crowd(season, 12)
    season = _queued(season, cast)
    client = client_as("facilitator")
    progress = reverse("manage_season_progress", args=[season.territory.slug, season.pk])
    retry = reverse("manage_season_retry", args=[season.territory.slug, season.pk])
    # Alive: no button, and a retry is refused.
    assert "manage_season_retry" not in progress
    assert retry not in client.get(progress).content.decode()
    assert client.post(retry).status_code == 302
    season.refresh_from_db()
    assert season.job_state == JobState.QUEUED and season.job_retries == 0
    # Silent for 90 seconds (two heartbeats missed): the button, and a retry now.
    _died_while_running(season, minutes=1.5)
    assert retry in client.get(progress).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.url == progress
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED


def test_retry_is_only_for_a_composition(season: Season, client_as: ClientAs) -> None:
    retry = reverse("manage_season_retry", args=[season.territory.slug, season.pk])
    assert client_as("facilitator").post(retry).status_code == 302
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN


def test_the_command_recovers_stalled_jobs(cast: Cast, season: Season, crowd: Crowd) -> None:
    from io import StringIO

    crowd(season, 12)
    season = _died_while_running(_queued(season, cast))
    out = StringIO()
    call_command("recover_stalled_jobs", stdout=out)
    assert f"season {season.pk}: retried" in out.getvalue()
