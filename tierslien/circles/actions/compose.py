"""Composing a season's circles with the engine, in the background.

`run_composition` is what the task runs: it claims the season's current attempt,
builds the problem, calls `mixing.solve` with a progress callback that writes to
the season row (in its own short transactions, at most every `PROGRESS_INTERVAL`
seconds), then writes every circle, membership and unplaced row in one
transaction and moves the season to "proposed". If anything fails, the season
goes back to "open" with the error recorded, and nothing of the composition is
left behind.

A worker that dies (killed, out of memory, a deploy) is noticed by its silence:
a thread beats on the season row while the job runs (`lib/jobs.py`);
`recover_stalled_jobs` (a periodic job, `manage.py recover_stalled_jobs`, and the
facilitator's page) runs a stalled composition again, at most `JOB_MAX_ATTEMPTS`
times in all, then records a plain failure. Every write of a worker is filtered
on its attempt number, so a worker taken for dead writes nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from typing import Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tierslien import mixing
from tierslien.circles import lifecycle
from tierslien.circles.actions._queue import enqueue_on_commit
from tierslien.circles.actions.review import load, refresh_scores, without_locked
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.problem import Built, build_problem, is_online_venue
from tierslien.lib import jobs
from tierslien.lib.env import env_str

log = logging.getLogger(__name__)

PROGRESS_INTERVAL: Final = 0.5  # seconds between two progress writes
DEFAULT_TIME_LIMIT: Final = 20.0


def time_limit() -> float:
    """Seconds the engine may search: settings.COMPOSE_TIME_LIMIT, else env COMPOSE_TIME_LIMIT."""
    raw = getattr(settings, "COMPOSE_TIME_LIMIT", None)
    if raw is None:
        raw = env_str("COMPOSE_TIME_LIMIT", str(DEFAULT_TIME_LIMIT))
    return jobs.seconds(raw, DEFAULT_TIME_LIMIT) or 0.0


def _attempt(season_id: int, attempt: int) -> Any:
    """The season's row while `attempt` is its composition's current attempt."""
    return Season.objects.filter(pk=season_id, state=SeasonState.COMPOSING, job_attempt=attempt)


class ProgressWriter:
    """The engine's progress callback: throttled writes of the fraction done.

    The engine's own score is not kept: it counts the sensitive questions, and
    nothing shown may depend on a sensitive answer. The diversity shown once the
    composition is done is computed without them (`review.refresh_scores`).

    Raises `jobs.Superseded` (which stops the engine) once the attempt is not current."""

    def __init__(
        self,
        season_id: int,
        interval: float = PROGRESS_INTERVAL,
        *,
        attempt: int | None = None,
        heartbeat: jobs.Heartbeat | None = None,
    ) -> None:
        self.season_id = season_id
        self.attempt = attempt
        self.heartbeat = heartbeat
        self.throttle = jobs.Throttle(interval)

    def __call__(self, progress: mixing.Progress) -> None:
        if self.heartbeat is not None:
            self.heartbeat.check()
        if not self.throttle.due(force=progress.fraction >= 1.0):
            return
        rows = (
            _attempt(self.season_id, self.attempt)
            if self.attempt is not None
            else Season.objects.filter(pk=self.season_id, state=SeasonState.COMPOSING)
        )
        written = rows.update(
            job_progress=max(0.0, min(1.0, float(progress.fraction))),
            job_heartbeat_at=timezone.now(),
        )
        if not written and self.attempt is not None:
            raise jobs.Superseded


def _claim(season_id: int) -> Season | None:
    """Queued → running for the season's current attempt; None when nothing is queued
    (a stale or repeated task: another worker took it, or it was cancelled)."""
    with transaction.atomic():
        season = (
            Season.objects.select_for_update()
            .filter(pk=season_id, state=SeasonState.COMPOSING, job_state=JobState.QUEUED)
            .first()
        )
        if season is None:
            return None
        now = timezone.now()
        season.job_state = JobState.RUNNING
        season.job_started_at = now
        season.job_heartbeat_at = now
        season.save(update_fields=["job_state", "job_started_at", "job_heartbeat_at"])
    return season


def _beat(season_id: int, attempt: int) -> bool:
    return bool(
        _attempt(season_id, attempt)
        .filter(job_state=JobState.RUNNING)
        .update(job_heartbeat_at=timezone.now())
    )


def run_composition(season_id: int) -> str:
    """Compose one season; returns the state it ends in."""
    season = _claim(season_id)
    if season is None:
        current = Season.objects.filter(pk=season_id).first()
        return current.state if current else "missing"  # a stale or repeated job
    attempt = season.job_attempt
    heartbeat = jobs.Heartbeat(
        lambda: _beat(season_id, attempt),
        interval=jobs.policy.heartbeat,
        # A lambda: `connection` is looked up in the heartbeat thread, which closes its own
        # connection (`connection.close` would be the worker thread's: refused there).
        close=lambda: connection.close(),
    )
    try:
        with heartbeat:
            built = build_problem(season)
            if season.job_keep_locked:
                built = _without_locked(season, built)
            elif built.problem.n < season.min_size:
                return fail(season_id, "too_few_people", f"{built.problem.n} registered", attempt)
            result = mixing.solve(
                built.problem,
                time_limit=time_limit(),
                seed=season.job_seed,
                progress=ProgressWriter(season_id, attempt=attempt, heartbeat=heartbeat),
            )
            heartbeat.check()
            return save_composition(season_id, built, result, attempt=attempt)
    except jobs.Superseded:
        log.info("season %s: attempt %s superseded, dropped", season_id, attempt)
        current = Season.objects.filter(pk=season_id).first()
        return current.state if current else "missing"
    except mixing.ProblemError as error:
        log.warning("season %s: invalid problem: %s", season_id, error)
        return fail(season_id, "invalid_problem", str(error), attempt)
    except Exception as error:
        log.exception("season %s: composition failed", season_id)
        return fail(season_id, "internal", f"{type(error).__name__}: {error}", attempt)


def _without_locked(season: Season, built: Built) -> Built:
    locked = list(
        Circle.objects.filter(season=season, locked=True)
        .select_related("venue")
        .prefetch_related("memberships")
    )
    pid_of = {r.user_id: pid for pid, r in built.registrations.items()}
    return without_locked(built, locked, pid_of)


def _free_numbers(taken: set[int]) -> Iterator[int]:
    number = 1
    while True:
        if number not in taken:
            yield number
        number += 1


@transaction.atomic
def save_composition(
    season_id: int, built: Built, result: mixing.Result, *, attempt: int | None = None
) -> str:
    season = Season.objects.select_for_update().get(pk=season_id)
    if season.state != SeasonState.COMPOSING:
        return str(season.state)  # sent elsewhere meanwhile: drop this result
    if attempt is not None and season.job_attempt != attempt:
        return str(season.state)  # taken for dead and run again: the current run saves
    keep = Circle.objects.filter(season=season, locked=True) if season.job_keep_locked else None
    Circle.objects.filter(season=season).exclude(pk__in=keep or []).delete()
    Unplaced.objects.filter(season=season).delete()
    numbers = _free_numbers(set(keep.values_list("number", flat=True)) if keep else set())
    groups = result.solution.rounds[0].groups if result.solution.rounds else ()
    circles = Circle.objects.bulk_create(
        [
            Circle(
                season=season,
                venue=built.venues.get(group.venue) if group.venue else None,
                slot=group.slot or "",
                online=is_online_venue(group.venue),
                number=next(numbers),
            )
            for group in groups
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(circle=circle, user_id=built.registrations[member].user_id)
            for circle, group in zip(circles, groups, strict=True)
            for member in group.members
        ]
    )
    Unplaced.objects.bulk_create(
        [
            Unplaced(
                season=season,
                user_id=built.registrations[item.id].user_id,
                code=item.reason.code,
                params=dict(item.reason.params),
                message=item.reason.message,
            )
            for item in result.solution.unplaced
            if item.round == 0
        ]
    )
    lifecycle.transition(season, SeasonState.PROPOSED)
    # Every figure shown (each new circle's diversity and counts, the season's report,
    # locked circles included) is computed without the sensitive questions: the engine's
    # own report and explanations count them, so they are not kept.
    shown = refresh_scores(load(season), [circle.pk for circle in circles])
    season.job_state = JobState.DONE
    season.job_progress = 1.0
    season.job_best_score = round(float(shown.diversity), 6)
    season.job_finished_at = timezone.now()
    season.save(update_fields=["job_state", "job_progress", "job_best_score", "job_finished_at"])
    return str(season.state)


@transaction.atomic
def fail(season_id: int, code: str, message: str, attempt: int | None = None) -> str:
    """Back to open with the error recorded; whatever was written of circles is erased."""
    season = Season.objects.select_for_update().get(pk=season_id)
    if season.state != SeasonState.COMPOSING:
        return str(season.state)
    if attempt is not None and season.job_attempt != attempt:
        return str(season.state)  # a superseded attempt does not speak for the job
    if season.job_keep_locked:  # a recomposition that failed: the proposal stays
        lifecycle.transition(season, SeasonState.PROPOSED)
    else:
        Circle.objects.filter(season=season).delete()
        Unplaced.objects.filter(season=season).delete()
        lifecycle.transition(season, SeasonState.OPEN)
    season.job_state = JobState.FAILED
    season.job_error = code
    season.job_message = message[:2000]
    season.job_finished_at = timezone.now()
    season.save(update_fields=["job_state", "job_error", "job_message", "job_finished_at"])
    return str(season.state)


# --- Recovery -----------------------------------------------------------------------------


def requeue(season: Season, *, automatic: bool) -> None:
    """Run the composition again under a new attempt (inside the caller's transaction,
    the season row locked); the worker of the previous attempt writes nothing more."""
    season.job_attempt += 1
    season.job_retries = season.job_retries + 1 if automatic else 0
    season.job_state = JobState.QUEUED
    season.job_progress = 0.0
    season.job_heartbeat_at = timezone.now()
    season.job_error = ""
    season.job_message = ""
    season.save(
        update_fields=[
            "job_attempt",
            "job_retries",
            "job_state",
            "job_progress",
            "job_heartbeat_at",
            "job_error",
            "job_message",
        ]
    )
    enqueue_on_commit("compose_season", season.pk)


def _stalled_ids(now: datetime.datetime, season_id: int | None = None) -> list[int]:
    policy = jobs.policy
    rows = Season.objects.filter(state=SeasonState.COMPOSING).filter(
        Q(job_heartbeat_at__isnull=True)
        | Q(job_state=JobState.RUNNING, job_heartbeat_at__lt=policy.silent_since(now))
        | Q(job_state=JobState.QUEUED, job_heartbeat_at__lt=policy.queued_since(now))
    )
    if season_id is not None:
        rows = rows.filter(pk=season_id)
    return list(rows.values_list("pk", flat=True))


def recover_stalled_jobs(
    now: datetime.datetime | None = None, *, season_id: int | None = None
) -> list[tuple[int, str]]:
    """Compositions whose worker died: run again, or failed when no attempt is left.

    Returns (season id, "retried" | "failed") for each one found. A periodic job calls
    it (and `manage.py recover_stalled_jobs`); the season's page calls it for its season.
    """
    moment = now or timezone.now()
    done: list[tuple[int, str]] = []
    for pk in _stalled_ids(moment, season_id):
        with transaction.atomic():
            season = Season.objects.select_for_update().get(pk=pk)
            if season.state != SeasonState.COMPOSING or not jobs.policy.stalled(
                season.job_state, season.job_heartbeat_at, moment
            ):
                continue  # it beat, finished or was cancelled meanwhile
            if jobs.can_retry(season.job_retries, jobs.policy.max_attempts):
                log.warning("season %s: composition stalled, running it again", pk)
                requeue(season, automatic=True)
                done.append((pk, "retried"))
                continue
        log.warning("season %s: composition stalled, no attempt left", pk)
        fail(pk, jobs.STALLED, "")
        done.append((pk, "failed"))
    return done
