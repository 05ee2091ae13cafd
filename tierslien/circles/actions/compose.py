"""Composing a season's circles with the engine, in the background.

`run_composition` is what the task runs: it claims the season's current attempt,
builds the problem, calls `mixing.solve` (for `settings.COMPOSE_TIME_LIMIT` seconds) with
a progress callback that writes to the season row (in its own short transactions, at
most every `jobs.PROGRESS_INTERVAL` seconds), then writes every circle, membership and
unplaced row in one transaction and moves the season to "proposed". If anything fails,
the season goes back to "open" with the error recorded, and nothing of the composition
is left behind.

The job's machinery is `lib/jobs.py`'s (`COMPOSITION`, a `jobs.RowJob`). A worker that
dies (killed, out of memory, a deploy) is noticed by its silence: a thread beats on the
season row while the job runs; `recover_stalled_jobs` (a periodic job, `manage.py
recover_stalled_jobs`, and the facilitator's page) runs a stalled composition again, at
most `JOB_MAX_ATTEMPTS` times in all, then records a plain failure. Every write of a
worker is filtered on its attempt number, so a worker taken for dead writes nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tierslien import mixing
from tierslien.circles import lifecycle
from tierslien.circles.actions._seats import home_circle
from tierslien.circles.actions.review import load, refresh_scores
from tierslien.circles.engine import Built, build_problem, is_online_venue, without_locked
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.lib import jobs

log = logging.getLogger(__name__)

COMPOSITION: Final = jobs.RowJob(
    model=Season,
    fields=jobs.JobFields.prefixed("job_"),
    active={"state": SeasonState.COMPOSING},
    task="tierslien.circles.tasks.compose_season",
    noun="season",
    work="composition",
    on_queue=lambda moment: {"job_progress": 0.0, "job_message": ""},
    on_claim=lambda moment: {"job_started_at": moment},
)


def done_fraction(progress: mixing.Progress) -> float:
    """How far the composition is, in [0, 1]: the engine's share of work done, or the share
    of its time limit spent, whichever is further. The engine searches until its time limit
    (it stops earlier only when it is sure it cannot do better), and a season of a few
    hundred people is one block whose share of work stays at 0 until the block is done: the
    time is what moves. Below 1 until the engine says it has finished."""
    fraction = float(progress.fraction)
    if fraction >= 1.0:
        return 1.0
    spent = progress.elapsed / progress.time_limit if progress.time_limit > 0 else 0.0
    return max(0.0, min(0.99, max(fraction, spent)))


def _fraction(progress: mixing.Progress, moment: datetime.datetime) -> dict[str, Any]:
    """Only the fraction done. The engine's own score is not kept: it counts the sensitive
    questions, and nothing shown may depend on a sensitive answer. The diversity shown once
    the composition is done is computed without them (`review.refresh_scores`)."""
    return {"job_progress": done_fraction(progress)}


def progress_writer(
    season_id: int,
    *,
    attempt: int | None = None,
    heartbeat: jobs.Heartbeat | None = None,
    interval: float = jobs.PROGRESS_INTERVAL,
) -> jobs.ProgressWriter[mixing.Progress]:
    """The engine's progress callback (the end is always written)."""
    return jobs.ProgressWriter(
        COMPOSITION,
        season_id,
        _fraction,
        attempt=attempt,
        heartbeat=heartbeat,
        interval=interval,
        force=lambda progress: progress.fraction >= 1.0,
    )


def run_composition(season_id: int) -> str:
    """Compose one season; returns the state it ends in."""
    return COMPOSITION.run(
        season_id, _compose, lambda error, attempt: _failed(season_id, error, attempt)
    )


def _compose(season: Season, heartbeat: jobs.Heartbeat) -> str:
    attempt = season.job_attempt
    previous = None
    if season.job_keep_all:
        # A completion: the saved circles are kept as they are (the engine's incremental
        # mode) and only the people left out are placed, as the analysis solves a lever
        # "keeping today's circles".
        current = load(season)
        built, previous = current.built, current.saved_solution()
    elif season.job_keep_locked:
        built = _without_locked(season, build_problem(season))
    else:
        built = build_problem(season)
        if built.problem.n < season.min_size:
            return str(fail(season.pk, "too_few_people", f"{built.problem.n} registered", attempt))
    result = mixing.solve(
        built.problem,
        time_limit=settings.COMPOSE_TIME_LIMIT,
        seed=season.job_seed,
        progress=progress_writer(season.pk, attempt=attempt, heartbeat=heartbeat),
        previous=previous,
    )
    heartbeat.check()
    return str(save_composition(season.pk, built, result, attempt=attempt))


def _failed(season_id: int, error: Exception, attempt: int) -> str:
    if isinstance(error, mixing.ProblemError):
        log.warning("season %s: invalid problem: %s", season_id, error)
        return str(fail(season_id, "invalid_problem", str(error), attempt))
    log.exception("season %s: composition failed", season_id)
    return str(fail(season_id, "internal", f"{type(error).__name__}: {error}", attempt))


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
    groups = result.solution.rounds[0].groups if result.solution.rounds else ()
    if season.job_keep_all:
        changed = _complete_circles(season, built, groups)
    else:
        changed = _replace_circles(season, built, groups)
    Unplaced.objects.filter(season=season).delete()
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
    lifecycle.transition(season, str(SeasonState.PROPOSED))
    # Every figure shown (each new circle's diversity and counts, the season's report,
    # locked circles included) is computed without the sensitive questions: the engine's
    # own report and explanations count them, so they are not kept.
    shown = refresh_scores(load(season), changed)
    season.job_state = JobState.DONE
    season.job_progress = 1.0
    season.job_best_score = round(float(shown.diversity), 6)
    season.job_finished_at = timezone.now()
    season.save(update_fields=["job_state", "job_progress", "job_best_score", "job_finished_at"])
    return str(season.state)


def _new_circles(
    season: Season, built: Built, groups: Sequence[mixing.Group], numbers: Iterator[int]
) -> list[int]:
    """A circle for each group, with its members; their ids."""
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
    return [circle.pk for circle in circles]


def _replace_circles(season: Season, built: Built, groups: Sequence[mixing.Group]) -> list[int]:
    """The engine's groups in place of the season's circles (locked ones kept, when
    recomposing); the new circles' ids."""
    keep = Circle.objects.filter(season=season, locked=True) if season.job_keep_locked else None
    Circle.objects.filter(season=season).exclude(pk__in=keep or []).delete()
    numbers = _free_numbers(set(keep.values_list("number", flat=True)) if keep else set())
    return _new_circles(season, built, groups, numbers)


def _complete_circles(season: Season, built: Built, groups: Sequence[mixing.Group]) -> list[int]:
    """A completion's groups onto the saved circles: each group continues the circle most
    of its members come from, at the same venue and time (its number and lock stay),
    gaining the people placed in it; any other group is a new circle; a circle no group
    continues is removed. The ids of the circles whose members changed, and new ones."""
    current = load(season)
    # Where each circle meets, as the engine names it (the solution lists the circles in
    # `current.circles`' order): a group elsewhere is a new circle, never a moved one.
    where = {
        circle.pk: (group.venue, group.slot)
        for circle, group in zip(current.circles, current.solution().rounds[0].groups, strict=True)
    }
    continued: dict[int, mixing.Group] = {}
    fresh: list[mixing.Group] = []
    for group in groups:
        home = home_circle(current, group)
        if home is None or home in continued or where[home] != (group.venue, group.slot):
            fresh.append(group)
        else:
            continued[home] = group
    changed = []
    for circle in current.circles:
        kept = continued.get(circle.pk)
        if kept is None:
            circle.delete()
            continue
        members = set(kept.members)
        before = set(current.groups[circle.pk])
        if members == before:
            continue
        changed.append(circle.pk)
        gone = [built.registrations[pid].user_id for pid in before - members]
        Membership.objects.filter(circle=circle, user_id__in=gone).delete()
    Membership.objects.bulk_create(
        [
            Membership(circle_id=key, user_id=built.registrations[pid].user_id)
            for key, group in continued.items()
            for pid in group.members
            if pid not in current.groups[key]
        ]
    )
    taken = {circle.number for circle in current.circles if circle.pk in continued}
    return changed + _new_circles(season, built, fresh, _free_numbers(taken))


@transaction.atomic
def fail(season_id: int, code: str, message: str, attempt: int | None = None) -> str:
    """Back to open with the error recorded; whatever was written of circles is erased."""
    season = Season.objects.select_for_update().get(pk=season_id)
    if season.state != SeasonState.COMPOSING:
        return str(season.state)
    if attempt is not None and season.job_attempt != attempt:
        return str(season.state)  # a superseded attempt does not speak for the job
    if season.job_keep_locked:  # a recomposition that failed: the proposal stays
        lifecycle.transition(season, str(SeasonState.PROPOSED))
    else:
        Circle.objects.filter(season=season).delete()
        Unplaced.objects.filter(season=season).delete()
        lifecycle.transition(season, str(SeasonState.OPEN))
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
    COMPOSITION.queue(season, timezone.now(), automatic=automatic)


def recover_stalled_jobs(
    now: datetime.datetime | None = None, *, season_id: int | None = None
) -> list[tuple[int, str]]:
    """Compositions whose worker died: run again, or failed when no attempt is left.

    Returns (season id, "retried" | "failed") for each one found. A periodic job calls
    it (and `manage.py recover_stalled_jobs`); the season's page calls it for its season.
    """
    return COMPOSITION.recover(
        now, pk=season_id, give_up=lambda season: fail(season.pk, jobs.STALLED, "")
    )
