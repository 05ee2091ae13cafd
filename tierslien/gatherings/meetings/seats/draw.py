"""The verifiable draw of a themed meeting's seats: a background job.

`start_draw` queues `draw_meeting` (a background task: with hundreds of applicant types
the maximin lottery takes up to seconds, more on a loaded server, see bench/RESULTS.md
"Lottery" and "Meeting draw"); `run_draw` computes it from the frozen files only
(`seed.published_problem`), for `settings.MEETING_DRAW_TIME_LIMIT` seconds at most (none
by default), writing progress to the meeting row, then `save_draw` stores, in one
transaction, every probability and outcome, the waitlist order (reproducible from the
seed, see `waitlist.waitlist_order`), the `tierslien-draw/1` record (panel.json) and
moves the meeting to "allocated".

The draw is a job of `lib/jobs.py` (`DRAW`, a `jobs.RowJob`): numbered attempts (a
worker's writes are filtered on its attempt), a heartbeat from a thread while it runs,
and `recover_stalled_jobs` (periodic, and when the facilitator opens the page) that runs
a draw whose worker died again, or fails it in plain words. The draw is deterministic,
so a second run stores what the first would have.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from collections.abc import Mapping
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.core import lifecycle
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.meetings.seats.quotas import ID_COLUMN
from tierslien.gatherings.meetings.seats.seed import published_problem
from tierslien.gatherings.meetings.seats.waitlist import confirm_deadline, waitlist_order
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    DrawMethod,
    Meeting,
    MeetingState,
)
from tierslien.lib import jobs
from tierslien.lib.jobs import JobState
from tierslien.lottery import (
    InfeasibleQuotasError,
    LeximinParams,
    LotteryInputError,
    MaximinParams,
    Progress,
    SelectParams,
    rng_for_seed,
    select,
)
from tierslien.lottery.verify import record

log = logging.getLogger(__name__)

# Why a draw failed, when it is not the lottery's own words (Meeting.draw_error).
STALLED_MESSAGE: Final = _(
    "The draw stopped answering, several times in a row (its server was interrupted). "
    "Nothing was lost: start the draw again."
)


# Leximin's time grows about with the square of the pool (bench/leximin.py on the shared
# 2-core machine, bench/RESULTS.md "Leximin vs maximin": 300 applicants / 30 seats in
# 1.3 s, 600 / 40 with five tight criteria in 4.4 s). Up to this pool it ends within about
# 12 s there, well within a minute on a loaded server; a larger pool is drawn with
# maximin (the same smallest chance), and the meeting's page says why.
LEXIMIN_MAX_POOL: Final = 1000
LARGE_POOL: Final = "large_pool"  # Meeting.draw_method_note: maximin because of the pool


def method_for(meeting: Meeting) -> tuple[str, str]:
    """The lottery the draw runs ("leximin" or "maximin") and, when it is not the one the
    facilitator chose, the reason's code (`Meeting.draw_method_note`)."""
    if meeting.draw_method != DrawMethod.LEXIMIN:
        return "maximin", ""
    if len(meeting.published_pool) > LEXIMIN_MAX_POOL:
        return "maximin", LARGE_POOL
    return "leximin", ""


def method_note_text(meeting: Meeting) -> str:
    """Why the draw used maximin although leximin was chosen, in words ("" if it did not)."""
    if meeting.draw_method_note != LARGE_POOL:
        return ""
    return str(
        _(
            "Drawn with maximin instead of leximin: with %(pool)d applicants, leximin might "
            "not finish in time (it is used up to %(limit)d). The smallest chance is the same."
        )
        % {"pool": len(meeting.published_pool), "limit": LEXIMIN_MAX_POOL}
    )


class DrawNotPossible(Exception):
    """The draw cannot start now (seed not published, meeting not open)."""


class DrawRunning(DrawNotPossible):
    """A draw is running and gave a sign of life `seconds` ago: not started twice."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _at(moment: datetime.datetime) -> dict[str, Any]:
    return {"draw_progress": {"at": moment.isoformat()}}


DRAW: Final = jobs.RowJob(
    model=Meeting,
    fields=jobs.JobFields.prefixed("draw_", state="draw_job"),
    active={"state": MeetingState.OPEN},
    task="tierslien.gatherings.meetings.seats.draw.draw_meeting",
    noun="meeting",
    work="draw",
    on_queue=_at,
    on_claim=_at,
    touch=("updated_at",),
    lock=Meeting.objects.locked,
)


def stalled(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Whether the facilitator may start the draw again now: failed, or queued/running
    with no sign of life for two heartbeats (its worker died). The draw being
    deterministic, two runs store the same; the older attempt writes nothing."""
    if meeting.draw_job == JobState.FAILED:
        return False  # the plain "start again" case, not a stuck draw
    return jobs.policy.retryable(meeting.draw_job, meeting.draw_heartbeat_at, now or timezone.now())


def draw_error_text(meeting: Meeting) -> Any:
    """Why the draw failed, in words: ours translated, or the lottery's own."""
    return STALLED_MESSAGE if meeting.draw_error == jobs.STALLED else meeting.draw_error


def start_draw(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """Queue the draw (background task), or queue it again when it failed or its worker
    went silent; refused before the seed is published and while a draw is alive."""
    with transaction.atomic():
        locked: Meeting = Meeting.objects.locked(meeting.pk)
        moment = now or timezone.now()
        if locked.state != MeetingState.OPEN or locked.seed_published_at is None:
            raise DrawNotPossible
        if locked.draw_job in jobs.ALIVE and not stalled(locked, moment):
            last = locked.draw_heartbeat_at or moment
            raise DrawRunning(max(0, int((moment - last).total_seconds())))
        DRAW.queue(locked, moment, automatic=False)
        return locked


def _finite(value: float | None) -> float | None:
    # Leximin's first reports may carry an infinite bound: JSON (the row) has none.
    return value if value is not None and math.isfinite(value) else None


def progress_writer(
    meeting_id: int,
    *,
    attempt: int | None = None,
    heartbeat: jobs.Heartbeat | None = None,
    interval: float = jobs.PROGRESS_INTERVAL,
) -> jobs.ProgressWriter[Progress]:
    """The lottery's progress callback: the bounds on the minimum, written to the row."""
    started = time.monotonic()

    def bounds(progress: Progress, moment: datetime.datetime) -> dict[str, Any]:
        return {
            "draw_progress": {
                "iteration": progress.iteration,
                "compositions": progress.compositions,
                "lower": _finite(progress.lower),
                "upper": _finite(progress.upper),
                "seconds": round(time.monotonic() - started, 1),
                "at": moment.isoformat(),
            }
        }

    return jobs.ProgressWriter(
        DRAW, meeting_id, bounds, attempt=attempt, heartbeat=heartbeat, interval=interval
    )


def run_draw(meeting_id: int) -> str:
    """Draw one meeting's seats from its frozen files; returns the meeting's state after."""
    return DRAW.run(meeting_id, _draw, lambda error, attempt: _failed(meeting_id, error, attempt))


def _failed(meeting_id: int, error: Exception, attempt: int) -> str:
    # InfeasibleQuotasError cannot happen: checked when the seed was published.
    if isinstance(error, InfeasibleQuotasError | LotteryInputError):
        message = str(error)
    else:
        log.exception("meeting %s: draw failed", meeting_id)
        message = f"{type(error).__name__}: {error}"
    DRAW.fail(meeting_id, message, attempt)
    return "failed"


def _draw(meeting: Meeting, heartbeat: jobs.Heartbeat) -> str:
    meeting_id = meeting.pk
    attempt = meeting.draw_attempt
    problem = published_problem(meeting)
    objective, note = method_for(meeting)
    if problem is None:
        panel = [row[ID_COLUMN] for row in meeting.published_pool]
        probabilities = dict.fromkeys(panel, 1.0)
        published: dict[str, Any] = {}
        note = ""
    else:
        assert meeting.draw_seed is not None
        result = select(
            problem,
            rng=rng_for_seed(meeting.draw_seed),
            # None (also for 0) by default: until proven optimal, the only way a rerun
            # reproduces the lottery bit for bit.
            params=SelectParams(
                MaximinParams(time_limit=settings.MEETING_DRAW_TIME_LIMIT or None),
                objective="leximin" if objective == "leximin" else "maximin",
                # Leximin runs until every level is certified: the rerun of
                # `tierslien-draw --verify` then finds the same lottery.
                leximin=LeximinParams(),
            ),
            on_progress=progress_writer(meeting_id, attempt=attempt, heartbeat=heartbeat),
        )
        published = record(result, meeting.draw_seed)
        panel = list(published["panel"])
        probabilities = {k: float(v) for k, v in published["probabilities"].items()}
    heartbeat.check()
    return save_draw(meeting_id, panel, probabilities, published, attempt=attempt, note=note)


def save_draw(
    meeting_id: int,
    panel: list[str],
    probabilities: Mapping[str, float],
    published: dict[str, Any],
    *,
    now: datetime.datetime | None = None,
    attempt: int | None = None,
    note: str = "",
) -> str:
    """Store the outcome for every applicant and move the meeting to "allocated" (`note`:
    why the lottery is not the chosen one, see `method_for`)."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .select_related("territory", "venue")
            .get(pk=meeting_id)
        )
        if meeting.state != MeetingState.OPEN or meeting.draw_job != JobState.RUNNING:
            return str(meeting.state)  # sent elsewhere meanwhile: drop this result
        if attempt is not None and meeting.draw_attempt != attempt:
            return str(meeting.state)  # taken for dead and run again: the current run saves
        moment = now or timezone.now()
        chosen = set(panel)
        pooled = {row[ID_COLUMN] for row in meeting.published_pool}
        applications = list(
            Application.objects.filter(meeting=meeting, pseudonym__in=pooled).select_related("user")
        )
        rank = {
            ident: number
            for number, ident in enumerate(
                waitlist_order(meeting.draw_seed or 0, sorted(pooled - chosen)), start=1
            )
        }
        confirm_by = confirm_deadline(meeting, moment)
        for application in applications:
            application.probability = probabilities.get(application.pseudonym, 0.0)
            if application.pseudonym in chosen:
                application.status = ApplicationStatus.SELECTED
                application.selected_at = moment
                application.confirm_by = confirm_by
                application.waitlist_rank = None
            else:
                application.status = ApplicationStatus.WAITLISTED
                application.waitlist_rank = rank[application.pseudonym]
        Application.objects.bulk_update(
            applications, ["probability", "status", "selected_at", "confirm_by", "waitlist_rank"]
        )
        meeting.published_panel = sorted(chosen)
        meeting.draw_record = published
        meeting.min_probability = (
            float(published["min_probability"]) if published else (1.0 if applications else None)
        )
        meeting.drawn_at = moment
        meeting.seated_count = len(chosen)
        meeting.draw_job = JobState.DONE
        meeting.draw_method_note = note
        lifecycle.transition(
            meeting,
            str(MeetingState.ALLOCATED),
            also=(
                "published_panel",
                "draw_record",
                "min_probability",
                "drawn_at",
                "seated_count",
                "draw_job",
                "draw_method_note",
            ),
        )
        notifications.queue_draw_outcomes(meeting, applications)
        return str(meeting.state)


def _give_up(locked: Meeting) -> None:
    locked.draw_job = JobState.FAILED
    locked.draw_error = jobs.STALLED  # a code: translated when shown
    locked.save(update_fields=["draw_job", "draw_error", "updated_at"])


def recover_stalled_jobs(
    now: datetime.datetime | None = None, *, meeting_id: int | None = None
) -> list[tuple[int, str]]:
    """Draws whose worker died: run again, or failed in plain words when no attempt is
    left. Returns (meeting id, "retried" | "failed") for each one found. A periodic job
    calls it (and `manage.py recover_stalled_jobs`); the meeting's page calls it too."""
    return DRAW.recover(now, pk=meeting_id, give_up=_give_up)


@task()
def draw_meeting(meeting_id: int) -> str:
    """Background job: the meeting row carries the progress and the outcome."""
    return run_draw(meeting_id)
