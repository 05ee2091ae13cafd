"""Composing a season's circles with the engine, in the background.

`run_composition` is what the task runs: it builds the problem, calls
`mixing.solve` with a progress callback that writes to the season row (in its
own short transactions, at most every `PROGRESS_INTERVAL` seconds), then
writes every circle, membership and unplaced row in one transaction and moves
the season to "proposed". If anything fails, the season goes back to "open"
with the error recorded, and nothing of the composition is left behind.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from typing import Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tierslien import mixing
from tierslien.circles import lifecycle
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.problem import Built, build_problem, is_online_venue
from tierslien.lib.env import env_str

log = logging.getLogger(__name__)

PROGRESS_INTERVAL: Final = 0.5  # seconds between two progress writes
DEFAULT_TIME_LIMIT: Final = 20.0


def time_limit() -> float:
    """Seconds the engine may search: settings.COMPOSE_TIME_LIMIT, else env COMPOSE_TIME_LIMIT."""
    raw = getattr(settings, "COMPOSE_TIME_LIMIT", None)
    if raw is None:
        raw = env_str("COMPOSE_TIME_LIMIT", str(DEFAULT_TIME_LIMIT))
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return DEFAULT_TIME_LIMIT
    return value if math.isfinite(value) and value >= 0 else DEFAULT_TIME_LIMIT


class ProgressWriter:
    """The engine's progress callback: throttled writes of the fraction done.

    The engine's own score is not kept: it counts the sensitive questions, and
    nothing shown may depend on a sensitive answer. The diversity shown once the
    composition is done is computed without them (`review.refresh_scores`).
    """

    def __init__(self, season_id: int, interval: float = PROGRESS_INTERVAL) -> None:
        self.season_id = season_id
        self.interval = interval
        self.last = -math.inf

    def __call__(self, progress: mixing.Progress) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and progress.fraction < 1.0:
            return
        self.last = now
        Season.objects.filter(pk=self.season_id, state=SeasonState.COMPOSING).update(
            job_progress=max(0.0, min(1.0, float(progress.fraction))),
        )


def run_composition(season_id: int) -> str:
    """Compose one season; returns the state it ends in."""
    season = Season.objects.filter(pk=season_id).first()
    if season is None or season.state != SeasonState.COMPOSING:
        return season.state if season else "missing"  # a stale or repeated job
    Season.objects.filter(pk=season_id).update(
        job_state=JobState.RUNNING, job_started_at=timezone.now()
    )
    try:
        built = build_problem(season)
        if season.job_keep_locked:
            built = _without_locked(season, built)
        elif built.problem.n < season.min_size:
            return fail(season_id, "too_few_people", f"{built.problem.n} registered")
        result = mixing.solve(
            built.problem,
            time_limit=time_limit(),
            seed=season.job_seed,
            progress=ProgressWriter(season_id),
        )
        return save_composition(season_id, built, result)
    except mixing.ProblemError as error:
        log.warning("season %s: invalid problem: %s", season_id, error)
        return fail(season_id, "invalid_problem", str(error))
    except Exception as error:
        log.exception("season %s: composition failed", season_id)
        return fail(season_id, "internal", f"{type(error).__name__}: {error}")


def _without_locked(season: Season, built: Built) -> Built:
    from tierslien.circles.review import without_locked

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
def save_composition(season_id: int, built: Built, result: mixing.Result) -> str:
    season = Season.objects.select_for_update().get(pk=season_id)
    if season.state != SeasonState.COMPOSING:
        return str(season.state)  # sent elsewhere meanwhile: drop this result
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
    from tierslien.circles.review import load, refresh_scores

    shown = refresh_scores(load(season), [circle.pk for circle in circles])
    season.job_state = JobState.DONE
    season.job_progress = 1.0
    season.job_best_score = round(float(shown.diversity), 6)
    season.job_finished_at = timezone.now()
    season.save(update_fields=["job_state", "job_progress", "job_best_score", "job_finished_at"])
    return str(season.state)


@transaction.atomic
def fail(season_id: int, code: str, message: str) -> str:
    """Back to open with the error recorded; whatever was written of circles is erased."""
    season = Season.objects.select_for_update().get(pk=season_id)
    if season.state != SeasonState.COMPOSING:
        return str(season.state)
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
