"""Quotas, the published seed and the verifiable draw of a themed meeting's seats.

1. Quotas: for every value of every criterion of the meeting (plus "prefer not to
   say"), at least / at most so many seats. Defaults come from the territory's
   population of participants (their portraits): each value's share, give or take
   a tolerance (`tierslien.lottery.population_shares` + `proportional_quotas`).
   `check` tells whether the current applicants can meet them (`diagnose`), and
   if not, which quotas fail, by how much, and the nearest feasible ones.
2. `publish_seed` (applications closed): the seed is fixed and published, and the
   anonymised pool (pseudonyms and categories only) and the quotas are frozen into
   `Meeting.published_pool` / `published_quotas`: exactly what `tierslien-draw`
   reads (`pool_csv`, `quotas_csv`).
3. `start_draw` queues `draw_meeting` (a background task: with hundreds of
   applicant types the maximin lottery takes up to seconds, more on a loaded server,
   see bench/RESULTS.md "Lottery" and "Meeting draw"); `run_draw` computes
   it from the frozen files only, writing progress to the meeting row, then
   `save_draw` stores, in one transaction, every probability and outcome, the
   waitlist order (reproducible from the seed, see `waitlist.waitlist_order`), the
   `tierslien-draw/1` record (panel.json) and moves the meeting to "allocated".
   The draw is a job of `lib/jobs.py`: numbered attempts (a worker's writes are
   filtered on its attempt), a heartbeat from a thread while it runs, and
   `recover_stalled_jobs` (periodic, and when the facilitator opens the page) that
   runs a draw whose worker died again, or fails it in plain words. The draw is
   deterministic, so a second run stores what the first would have.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.core import lifecycle
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.meetings.seats.applications import (
    UNDISCLOSED,
    balance_criteria,
    category,
    option_values,
)
from tierslien.gatherings.meetings.seats.waitlist import confirm_deadline, waitlist_order
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Meeting,
    MeetingQuota,
    MeetingState,
)
from tierslien.lib import jobs
from tierslien.lib.jobs import JobState
from tierslien.lottery import (
    FeasibilityReport,
    InfeasibleQuotasError,
    LotteryInputError,
    LotteryProblem,
    MaximinParams,
    Pool,
    Progress,
    Quota,
    Quotas,
    SelectParams,
    diagnose,
    population_shares,
    proportional_quotas,
    rng_for_seed,
    select,
)
from tierslien.lottery.verify import record
from tierslien.portraits.models import Answer, Criterion, Portrait

log = logging.getLogger(__name__)

ID_COLUMN: Final = "id"
# A meeting without criteria still draws through `tierslien-draw`: one column, one value.
EVERYONE: Final = ("everyone", "yes")
DEFAULT_TOLERANCE: Final = 0.05
MAX_SEED: Final = 2**63 - 1
PROGRESS_INTERVAL: Final = 0.5  # seconds between two progress writes
# Why a draw failed, when it is not the lottery's own words (Meeting.draw_error).
STALLED_MESSAGE: Final = _(
    "The draw stopped answering, several times in a row (its server was interrupted). "
    "Nothing was lost: start the draw again."
)

Key = tuple[str, str]  # (criterion key, value)
Bounds = dict[Key, tuple[int, int]]


class QuotasFrozen(Exception):
    """The seed is published: the quotas can no longer change."""


class NotReadyToPublish(Exception):
    """The seed cannot be published now (applications still open, already published...)."""


class QuotasInfeasible(Exception):
    """The applicants cannot meet the quotas; `report` says which and proposes others."""

    def __init__(self, report: FeasibilityReport) -> None:
        super().__init__(report.text())
        self.report = report


class SensitiveCriterion(Exception):
    """A sensitive criterion (or one that is not a question of the territory) would reach
    the published files: refused, whatever the meeting's criteria or frozen quotas say."""


class DrawNotPossible(Exception):
    """The draw cannot start now (seed not published, meeting not open)."""


class DrawRunning(DrawNotPossible):
    """A draw is running and gave a sign of life `seconds` ago: not started twice."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# --- Categories and quotas ----------------------------------------------------------------


@dataclass(frozen=True)
class QuotaLine:
    """One value of one criterion, as the quota page shows it."""

    key: str
    value: str
    criterion: Criterion | None
    min: int
    max: int
    default_min: int
    default_max: int
    applicants: int  # exact: never shown when `hidden`
    hidden: bool = False  # shown as "fewer than 11" (`disclosure.hidden_keys`)

    @property
    def label(self) -> Any:
        if self.criterion is None:
            return _("Everyone")
        if self.value == UNDISCLOSED:
            return _("Prefer not to say")
        return self.criterion.label_for(self.value)


def quota_keys(meeting: Meeting, criteria: list[Criterion]) -> list[Key]:
    """Every (criterion, value) that needs a quota: options, then "prefer not to say"."""
    if not criteria:
        return [EVERYONE]
    return [(c.key, value) for c in criteria for value in [*option_values(c), UNDISCLOSED]]


def categories(criteria: list[Criterion], answers: Mapping[str, Any]) -> dict[str, str]:
    if not criteria:
        return {EVERYONE[0]: EVERYONE[1]}
    return {c.key: category(c, answers) for c in criteria}


def pending_applications(meeting: Meeting) -> list[Application]:
    """Applications in the running (not withdrawn), oldest first."""
    return list(
        Application.objects.filter(meeting=meeting, status=ApplicationStatus.APPLIED).only(
            "pk", "pseudonym", "answers", "meeting_id", "entry_salt"
        )
    )


def applicant_counts(criteria: list[Criterion], applications: Iterable[Application]) -> Counter:
    counts: Counter[Key] = Counter()
    for application in applications:
        for key, value in categories(criteria, application.answers).items():
            counts[(key, value)] += 1
    return counts


def saved_bounds(meeting: Meeting) -> Bounds:
    return {
        (q.criterion_key, q.value): (q.min_seats, q.max_seats)
        for q in MeetingQuota.objects.filter(meeting=meeting)
    }


def population_defaults(
    meeting: Meeting, criteria: list[Criterion], tolerance: float = DEFAULT_TOLERANCE
) -> Bounds:
    """Bounds from the shares of each value among the territory's participants (portraits;
    no answer counts as "prefer not to say"), give or take `tolerance` (share points)."""
    keys = quota_keys(meeting, criteria)
    if not criteria:
        return {EVERYONE: (0, meeting.seats)}
    portraits = list(
        Portrait.objects.filter(territory_id=meeting.territory_id).values_list("pk", flat=True)
    )
    if not portraits:
        return {key: (0, meeting.seats) for key in keys}
    answers: dict[int, dict[str, Any]] = {pk: {} for pk in portraits}
    for portrait_id, criterion_key, value in Answer.objects.filter(
        portrait__territory_id=meeting.territory_id, criterion__in=criteria
    ).values_list("portrait_id", "criterion__key", "value"):
        answers[portrait_id][criterion_key] = value
    population = Pool.from_records(
        [{ID_COLUMN: str(pk), **categories(criteria, given)} for pk, given in answers.items()]
    )
    shares = population_shares(population, [c.key for c in criteria])
    for key, value in keys:
        shares[key].setdefault(value, 0.0)
    quotas = proportional_quotas(shares, meeting.seats, tolerance=tolerance)
    return {q.key: (q.min, q.max) for q in quotas.rows}


def quota_lines(
    meeting: Meeting,
    criteria: list[Criterion],
    applications: list[Application],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    saved: Bounds | None = None,
) -> list[QuotaLine]:
    saved = saved_bounds(meeting) if saved is None else saved
    defaults = population_defaults(meeting, criteria, tolerance)
    counts = applicant_counts(criteria, applications)
    by_key = {c.key: c for c in criteria}
    lines = []
    for key in quota_keys(meeting, criteria):
        low, high = saved.get(key, defaults[key])
        lines.append(
            QuotaLine(
                key=key[0],
                value=key[1],
                criterion=by_key.get(key[0]),
                min=low,
                max=high,
                default_min=defaults[key][0],
                default_max=defaults[key][1],
                applicants=counts[key],
            )
        )
    return lines


def current_quotas(
    meeting: Meeting, criteria: list[Criterion], saved: Bounds | None = None
) -> Quotas:
    """The saved quotas; a value without a saved quota is unconstrained (0 to every seat)."""
    saved = saved_bounds(meeting) if saved is None else saved
    rows = []
    for key in quota_keys(meeting, criteria):
        low, high = saved.get(key, (0, meeting.seats))
        if key == EVERYONE:
            low, high = 0, meeting.seats
        rows.append(Quota(key[0], key[1], low, min(high, meeting.seats)))
    return Quotas(tuple(rows))


def pool_of(criteria: list[Criterion], applications: Iterable[Application]) -> Pool:
    return Pool.from_records(
        [
            {ID_COLUMN: a.pseudonym, **categories(criteria, a.answers)}
            for a in sorted(applications, key=lambda a: a.pseudonym)
        ]
    )


def check(
    meeting: Meeting,
    *,
    criteria: list[Criterion] | None = None,
    applications: list[Application] | None = None,
    saved: Bounds | None = None,
) -> FeasibilityReport | None:
    """Can the current applicants meet the saved quotas? None when no lottery is needed
    (no more applicants than seats: everyone gets a seat)."""
    criteria = balance_criteria(meeting) if criteria is None else criteria
    applications = pending_applications(meeting) if applications is None else applications
    if len(applications) <= meeting.seats:
        return None
    quotas = current_quotas(meeting, criteria, saved)
    return diagnose(LotteryProblem(pool_of(criteria, applications), quotas, meeting.seats))


# --- Writing quotas -----------------------------------------------------------------------


def _editable(meeting: Meeting) -> None:
    if meeting.state not in (MeetingState.DRAFT, MeetingState.OPEN):
        raise QuotasFrozen
    if meeting.seed_published_at is not None:
        raise QuotasFrozen


@transaction.atomic
def save_quotas(meeting: Meeting, bounds: Mapping[Key, tuple[int, int]]) -> int:
    """Replace the meeting's quotas; `bounds` must give every value of every criterion.
    Raises ValueError (nothing saved) on a missing value or bounds out of 0 ≤ min ≤ max ≤ seats."""
    locked = Meeting.objects.locked(meeting.pk)
    _editable(locked)
    keys = quota_keys(locked, balance_criteria(locked))
    rows = []
    for key in keys:
        if key not in bounds:
            raise ValueError(f"no bounds for {key}")
        low, high = bounds[key]
        if not 0 <= low <= high <= locked.seats:
            raise ValueError(f"bounds {low}-{high} out of range for {key}")
        rows.append(
            MeetingQuota(
                meeting=locked, criterion_key=key[0], value=key[1], min_seats=low, max_seats=high
            )
        )
    MeetingQuota.objects.filter(meeting=locked).delete()
    MeetingQuota.objects.bulk_create(rows)
    return len(rows)


def adopt_suggested(meeting: Meeting) -> FeasibilityReport | None:
    """Save the nearest feasible quotas when the current ones cannot be met; returns the
    report that was acted upon (None, or a feasible report: nothing changed)."""
    with transaction.atomic():
        locked = Meeting.objects.locked(meeting.pk)
        _editable(locked)
        report = check(locked)
        if report is None or report.feasible or report.suggested is None:
            return report
        save_quotas(locked, {q.key: (q.min, q.max) for q in report.suggested.rows})
        return report


# --- The published seed and files ---------------------------------------------------------


@transaction.atomic
def publish_seed(
    meeting: Meeting,
    *,
    seed: int | None = None,
    source: str = "",
    now: datetime.datetime | None = None,
) -> Meeting:
    """Fix and publish the seed; freeze the anonymised pool and the quotas.

    Without `seed`, the server draws one with `secrets`; with it, `source` says where
    it comes from (dice rolled in public, a national lottery's numbers on a date
    announced in advance). Refused while applications are still open, and when the
    applicants cannot meet the quotas (QuotasInfeasible: nothing is frozen).
    """
    locked = Meeting.objects.locked(meeting.pk)
    moment = now or timezone.now()
    if locked.state != MeetingState.OPEN or locked.seed_published_at is not None:
        raise NotReadyToPublish
    if moment < locked.registration_closes:
        raise NotReadyToPublish
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValueError("the seed must be between 0 and 2**63 - 1")
    criteria = balance_criteria(locked)
    guard_not_sensitive(locked, [c.key for c in criteria])
    applications = pending_applications(locked)
    quotas = current_quotas(locked, criteria)
    pool = pool_of(criteria, applications)
    if len(pool) > locked.seats:
        report = diagnose(LotteryProblem(pool, quotas, locked.seats))
        if not report.feasible:
            raise QuotasInfeasible(report)
    locked.draw_seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    locked.seed_source = source.strip()[:300] if seed is not None else ""
    locked.seed_published_at = moment
    locked.published_pool = [
        {ID_COLUMN: ident, **dict(zip(pool.criteria, values, strict=True))}
        for ident, values in zip(pool.ids, pool.values, strict=True)
    ]
    locked.published_quotas = [
        {"criterion": q.criterion, "value": q.value, "min": q.min, "max": q.max}
        for q in quotas.rows
    ]
    for application in applications:  # each entry's commitment salt (disclosure)
        application.entry_salt = secrets.token_hex(16)
    Application.objects.bulk_update(applications, ["entry_salt"])
    locked.save(
        update_fields=[
            "draw_seed",
            "seed_source",
            "seed_published_at",
            "published_pool",
            "published_quotas",
            "updated_at",
        ]
    )
    return locked


def guard_not_sensitive(meeting: Meeting, keys: Iterable[str] | None = None) -> None:
    """Raise SensitiveCriterion when any of `keys` (default: the frozen quotas' criteria)
    is a sensitive question of the territory, one that ever was (answers given under
    consent may remain from then), or not one of its questions at all. Called when the
    pool is frozen and by every file built from it (`disclosure`)."""
    wanted = set(published_columns(meeting) if keys is None else keys) - {EVERYONE[0]}
    if not wanted:
        return
    known = {
        key: sensitive or ever_sensitive
        for key, sensitive, ever_sensitive in Criterion.objects.filter(
            territory_id=meeting.territory_id, key__in=wanted
        ).values_list("key", "sensitive", "ever_sensitive")
    }
    refused = sorted(key for key in wanted if known.get(key, True))
    if refused:
        raise SensitiveCriterion(", ".join(refused))


def published_columns(meeting: Meeting) -> list[str]:
    """The pool's criteria in the quotas' order (a JSON object's keys keep no order in
    PostgreSQL; the order matters to the draw's input digest)."""
    return list(dict.fromkeys(str(row["criterion"]) for row in meeting.published_quotas))


def published_records(meeting: Meeting) -> list[dict[str, str]]:
    columns = published_columns(meeting)
    return [
        {ID_COLUMN: str(row[ID_COLUMN]), **{c: str(row[c]) for c in columns}}
        for row in meeting.published_pool
    ]


def pool_csv(meeting: Meeting) -> str:
    """pool.csv as `tierslien-draw` reads it: an id column, one column per criterion."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = published_columns(meeting)
    writer.writerow([ID_COLUMN, *columns])
    for row in published_records(meeting):
        writer.writerow(row.values())
    return out.getvalue()


def quotas_csv(meeting: Meeting) -> str:
    """quotas.csv as `tierslien-draw` reads it: criterion,value,min,max."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["criterion", "value", "min", "max"])
    for row in meeting.published_quotas:
        writer.writerow([row["criterion"], row["value"], row["min"], row["max"]])
    return out.getvalue()


def verify_command(meeting: Meeting) -> str:
    return f"tierslien-draw pool.csv quotas.csv --seats {meeting.seats} --verify panel.json"


def published_problem(meeting: Meeting) -> LotteryProblem | None:
    """The frozen problem; None when no lottery is needed (no more applicants than seats)."""
    pool = Pool.from_records(published_records(meeting)) if meeting.published_pool else None
    if pool is None or len(pool) <= meeting.seats:
        return None
    quotas = Quotas(
        tuple(
            Quota(str(r["criterion"]), str(r["value"]), int(r["min"]), int(r["max"]))
            for r in meeting.published_quotas
        )
    )
    return LotteryProblem(pool, quotas, meeting.seats)


# --- The draw -----------------------------------------------------------------------------


def time_limit() -> float | None:
    """settings.MEETING_DRAW_TIME_LIMIT (seconds), else None: until proven optimal, the only
    way a rerun reproduces the lottery bit for bit."""
    return jobs.seconds(getattr(settings, "MEETING_DRAW_TIME_LIMIT", None), None) or None


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


def _queue(locked: Meeting, moment: datetime.datetime, *, automatic: bool) -> None:
    """A new attempt of the draw, queued (the meeting row locked by the caller)."""
    locked.draw_attempt += 1
    locked.draw_retries = locked.draw_retries + 1 if automatic else 0
    locked.draw_job = JobState.QUEUED
    locked.draw_error = ""
    locked.draw_progress = {"at": moment.isoformat()}
    locked.draw_heartbeat_at = moment
    locked.save(
        update_fields=[
            "draw_attempt",
            "draw_retries",
            "draw_job",
            "draw_error",
            "draw_progress",
            "draw_heartbeat_at",
            "updated_at",
        ]
    )
    meeting_id = locked.pk
    transaction.on_commit(lambda: draw_meeting.enqueue(meeting_id))


@transaction.atomic
def start_draw(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """Queue the draw (background task), or queue it again when it failed or its worker
    went silent; refused before the seed is published and while a draw is alive."""
    locked = Meeting.objects.locked(meeting.pk)
    moment = now or timezone.now()
    if locked.state != MeetingState.OPEN or locked.seed_published_at is None:
        raise DrawNotPossible
    if locked.draw_job in jobs.ALIVE and not stalled(locked, moment):
        last = locked.draw_heartbeat_at or moment
        raise DrawRunning(max(0, int((moment - last).total_seconds())))
    _queue(locked, moment, automatic=False)
    return locked


def _attempt(meeting_id: int, attempt: int | None) -> Any:
    """The meeting's row while `attempt` is its draw's current attempt."""
    rows = Meeting.objects.filter(pk=meeting_id, state=MeetingState.OPEN)
    return rows if attempt is None else rows.filter(draw_attempt=attempt)


class ProgressWriter:
    """The lottery's progress callback: throttled writes of the bounds on the minimum.

    Raises `jobs.Superseded` (which stops the lottery) once the attempt is not current."""

    def __init__(
        self,
        meeting_id: int,
        interval: float = PROGRESS_INTERVAL,
        *,
        attempt: int | None = None,
        heartbeat: jobs.Heartbeat | None = None,
    ) -> None:
        self.meeting_id = meeting_id
        self.attempt = attempt
        self.heartbeat = heartbeat
        self.started = time.monotonic()
        self.throttle = jobs.Throttle(interval)

    def __call__(self, progress: Progress) -> None:
        if self.heartbeat is not None:
            self.heartbeat.check()
        if not self.throttle.due():
            return
        moment = timezone.now()
        written = (
            _attempt(self.meeting_id, self.attempt)
            .filter(draw_job=JobState.RUNNING)
            .update(
                draw_progress={
                    "iteration": progress.iteration,
                    "compositions": progress.compositions,
                    "lower": progress.lower,
                    "upper": progress.upper,
                    "seconds": round(time.monotonic() - self.started, 1),
                    "at": moment.isoformat(),
                },
                draw_heartbeat_at=moment,
            )
        )
        if not written and self.attempt is not None:
            raise jobs.Superseded


def _fail(meeting_id: int, message: str, attempt: int | None = None) -> str:
    _attempt(meeting_id, attempt).filter(draw_job__in=jobs.ALIVE).update(
        draw_job=JobState.FAILED, draw_error=message[:2000]
    )
    return "failed"


def _claim(meeting_id: int) -> Meeting | None:
    """Queued → running for the draw's current attempt; None for a stale or repeated task."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .filter(pk=meeting_id, state=MeetingState.OPEN, draw_job=JobState.QUEUED)
            .first()
        )
        if meeting is None:
            return None
        moment = timezone.now()
        meeting.draw_job = JobState.RUNNING
        meeting.draw_progress = {"at": moment.isoformat()}
        meeting.draw_heartbeat_at = moment
        meeting.save(update_fields=["draw_job", "draw_progress", "draw_heartbeat_at"])
    return meeting


def _beat(meeting_id: int, attempt: int) -> bool:
    return bool(
        _attempt(meeting_id, attempt)
        .filter(draw_job=JobState.RUNNING)
        .update(draw_heartbeat_at=timezone.now())
    )


def run_draw(meeting_id: int) -> str:
    """Draw one meeting's seats from its frozen files; returns the meeting's state after."""
    meeting = _claim(meeting_id)
    if meeting is None:
        current = Meeting.objects.filter(pk=meeting_id).first()
        return current.state if current else "missing"  # a stale or repeated job
    attempt = meeting.draw_attempt
    heartbeat = jobs.Heartbeat(
        lambda: _beat(meeting_id, attempt),
        interval=jobs.policy.heartbeat,
        close=lambda: connection.close(),  # the heartbeat thread's own connection (compose.py)
    )
    try:
        with heartbeat:
            return _draw(meeting, attempt, heartbeat)
    except jobs.Superseded:
        log.info("meeting %s: draw attempt %s superseded, dropped", meeting_id, attempt)
        current = Meeting.objects.filter(pk=meeting_id).first()
        return current.state if current else "missing"
    except InfeasibleQuotasError as error:  # cannot happen: checked when the seed was published
        return _fail(meeting_id, str(error), attempt)
    except LotteryInputError as error:
        return _fail(meeting_id, str(error), attempt)
    except Exception as error:
        log.exception("meeting %s: draw failed", meeting_id)
        return _fail(meeting_id, f"{type(error).__name__}: {error}", attempt)


def _draw(meeting: Meeting, attempt: int, heartbeat: jobs.Heartbeat) -> str:
    meeting_id = meeting.pk
    problem = published_problem(meeting)
    if problem is None:
        panel = [row[ID_COLUMN] for row in meeting.published_pool]
        probabilities = dict.fromkeys(panel, 1.0)
        published: dict[str, Any] = {}
    else:
        assert meeting.draw_seed is not None
        result = select(
            problem,
            rng=rng_for_seed(meeting.draw_seed),
            params=SelectParams(MaximinParams(time_limit=time_limit())),
            on_progress=ProgressWriter(meeting_id, attempt=attempt, heartbeat=heartbeat),
        )
        published = record(result, meeting.draw_seed)
        panel = list(published["panel"])
        probabilities = {k: float(v) for k, v in published["probabilities"].items()}
    heartbeat.check()
    return save_draw(meeting_id, panel, probabilities, published, attempt=attempt)


@transaction.atomic
def save_draw(
    meeting_id: int,
    panel: list[str],
    probabilities: Mapping[str, float],
    published: dict[str, Any],
    *,
    now: datetime.datetime | None = None,
    attempt: int | None = None,
) -> str:
    """Store the outcome for every applicant and move the meeting to "allocated"."""
    meeting = (
        Meeting.objects.select_for_update().select_related("territory", "venue").get(pk=meeting_id)
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
    lifecycle.transition(
        meeting,
        MeetingState.ALLOCATED,
        also=(
            "published_panel",
            "draw_record",
            "min_probability",
            "drawn_at",
            "seated_count",
            "draw_job",
        ),
    )
    notifications.queue_draw_outcomes(meeting, applications)
    return str(meeting.state)


def recover_stalled_jobs(
    now: datetime.datetime | None = None, *, meeting_id: int | None = None
) -> list[tuple[int, str]]:
    """Draws whose worker died: run again, or failed in plain words when no attempt is
    left. Returns (meeting id, "retried" | "failed") for each one found. A periodic job
    calls it (and `manage.py recover_stalled_jobs`); the meeting's page calls it too."""
    moment = now or timezone.now()
    policy = jobs.policy
    rows = Meeting.objects.filter(state=MeetingState.OPEN).filter(
        Q(draw_job__in=jobs.ALIVE, draw_heartbeat_at__isnull=True)
        | Q(draw_job=JobState.RUNNING, draw_heartbeat_at__lt=policy.silent_since(moment))
        | Q(draw_job=JobState.QUEUED, draw_heartbeat_at__lt=policy.queued_since(moment))
    )
    if meeting_id is not None:
        rows = rows.filter(pk=meeting_id)
    done: list[tuple[int, str]] = []
    for pk in list(rows.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = Meeting.objects.locked(pk)
            if locked.state != MeetingState.OPEN or not policy.stalled(
                locked.draw_job, locked.draw_heartbeat_at, moment
            ):
                continue  # it beat, finished or was cancelled meanwhile
            if jobs.can_retry(locked.draw_retries, policy.max_attempts):
                log.warning("meeting %s: draw stalled, running it again", pk)
                _queue(locked, moment, automatic=True)
                done.append((pk, "retried"))
                continue
            log.warning("meeting %s: draw stalled, no attempt left", pk)
            locked.draw_job = JobState.FAILED
            locked.draw_error = jobs.STALLED  # a code: translated when shown
            locked.save(update_fields=["draw_job", "draw_error", "updated_at"])
            done.append((pk, "failed"))
    return done


@task()
def draw_meeting(meeting_id: int) -> str:
    """Background job: the meeting row carries the progress and the outcome."""
    return run_draw(meeting_id)
