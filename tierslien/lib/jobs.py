"""One helper for background jobs recorded on a row (a season's composition, a meeting's
draw): their states, a heartbeat, when a job counts as stalled, and retries.

Model-free: an app describes its job with a `RowJob` (its model, the names of the row's
job fields, the lifecycle state the row stays in while the job may run, the task that
runs it) and gets the machinery both apps once wrote twice: queueing a new attempt
(`queue`), claiming it in the worker (`claim`), heartbeats (`heartbeat`), the run
skeleton (`run`), a throttled progress writer (`ProgressWriter`), a failure write
(`fail`) and the sweep of stalled jobs (`recover`). What the job computes and saves stays
with the app. Time limits are settings, read once in settings.py (`lib.env.env_seconds`).

- States: idle → queued → running → done | failed (`JobState` below; the apps' choices
  use these values).
- Attempts: each start (and each automatic retry) numbers the job's attempt on the row.
  Everything a worker writes is filtered on its attempt number, so a worker taken for
  dead that wakes up writes nothing (a *fencing token*).
- Heartbeat: while a job runs, `Heartbeat` beats from a thread every `interval` seconds,
  whatever the job is doing (reading, solving, saving). A worker killed (OOM, deploy,
  `kill -9`) stops beating: after `stalled_after` the job is *stalled*, and the sweep
  (`recover_stalled_jobs`) runs it again, at most `max_attempts` times in all, then
  records a plain failure. Both jobs are deterministic (a fixed seed), so a second run
  computes what the first would have.
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class JobState(StrEnum):
    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ALIVE: Final = (JobState.QUEUED, JobState.RUNNING)
STALLED: Final = "stalled"  # the failure code recorded when no attempt is left

DEFAULT_STALLED_AFTER: Final = datetime.timedelta(minutes=3)  # running, no heartbeat
DEFAULT_QUEUED_TOO_LONG: Final = datetime.timedelta(minutes=30)  # queued, never started
DEFAULT_MAX_ATTEMPTS: Final = 3  # the first run and two automatic retries
HEARTBEAT_SECONDS: Final = 30.0
PROGRESS_INTERVAL: Final = 0.5  # seconds between two progress writes
MISSING: Final = "missing"  # what a run returns for a row that no longer exists


class Superseded(Exception):
    """This worker's attempt is no longer the job's current one: stop, write nothing."""


def is_stalled(
    state: str,
    heartbeat_at: datetime.datetime | None,
    now: datetime.datetime,
    *,
    stalled_after: datetime.timedelta = DEFAULT_STALLED_AFTER,
    queued_too_long: datetime.timedelta = DEFAULT_QUEUED_TOO_LONG,
) -> bool:
    """A running job silent for `stalled_after`, or a queued one never started for
    `queued_too_long` (its task was lost; a busy worker starts it within that)."""
    if state not in ALIVE:
        return False
    if heartbeat_at is None:
        return True
    limit = stalled_after if state == JobState.RUNNING else queued_too_long
    return now - heartbeat_at > limit


def can_retry(retries: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> bool:
    """Whether a stalled job already retried `retries` times may be run once more."""
    return retries + 1 < max_attempts


class Throttle:
    """True at most every `interval` seconds (progress writes), and always when forced."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.last = -math.inf

    def due(self, *, force: bool = False) -> bool:
        now = self.clock()
        if not force and now - self.last < self.interval:
            return False
        self.last = now
        return True


class Heartbeat:
    """Calls `beat()` from a thread every `interval` seconds while the `with` block runs.

    `beat` returns False when the attempt was superseded; `superseded` then stays True
    and `check()` raises `Superseded` (the progress callback calls it). `close` runs in
    the thread at the end (Django: close the thread's database connection).
    """

    def __init__(
        self,
        beat: Callable[[], bool],
        *,
        interval: float = HEARTBEAT_SECONDS,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.beat = beat
        self.interval = interval
        self.close = close
        self.superseded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def _run(self) -> None:
        beaten = False
        try:
            while not self._stop.wait(self.interval):
                beaten = True
                try:
                    if not self.beat():
                        self.superseded = True
                        return
                except Exception:  # a locked database: the next beat may pass
                    log.warning("job heartbeat failed", exc_info=True)
        finally:
            if beaten and self.close is not None:  # the thread opened its own connection
                self.close()

    def check(self) -> None:
        if self.superseded:
            raise Superseded

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Policy:
    """The settings of recovery (`JOB_*`, read once in settings.py), looked up when used so
    tests can change them."""

    @property
    def stalled_after(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=settings.JOB_STALLED_AFTER_SECONDS)

    @property
    def queued_too_long(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=settings.JOB_QUEUED_TOO_LONG_SECONDS)

    @property
    def max_attempts(self) -> int:
        return int(settings.JOB_MAX_ATTEMPTS)

    @property
    def heartbeat(self) -> float:
        return float(settings.JOB_HEARTBEAT_SECONDS) or 1.0

    def stalled(
        self, state: str, heartbeat_at: datetime.datetime | None, now: datetime.datetime
    ) -> bool:
        return is_stalled(
            state,
            heartbeat_at,
            now,
            stalled_after=self.stalled_after,
            queued_too_long=self.queued_too_long,
        )

    @property
    def retry_after(self) -> datetime.timedelta:
        """A facilitator may start a job again when it is silent this long: two missed
        heartbeats (a live worker beats every `heartbeat` seconds whatever it does)."""
        return datetime.timedelta(seconds=2 * self.heartbeat)

    def retryable(
        self, state: str, heartbeat_at: datetime.datetime | None, now: datetime.datetime
    ) -> bool:
        """Failed, or alive on the row but silent for `retry_after`: the button shows."""
        if state == JobState.FAILED:
            return True
        if state not in ALIVE:
            return False
        return heartbeat_at is None or now - heartbeat_at > self.retry_after

    def silent_since(self, now: datetime.datetime) -> datetime.datetime:
        """Running jobs whose heartbeat is older than this are stalled."""
        return now - self.stalled_after

    def queued_since(self, now: datetime.datetime) -> datetime.datetime:
        return now - self.queued_too_long


policy = Policy()


# --- A job recorded on a row ------------------------------------------------------------


def _no_fields(moment: datetime.datetime) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class JobFields:
    """The names of the row's fields that record its job."""

    state: str  # a `JobState` value
    attempt: str  # grows with every start and retry: the fencing token
    retries: str  # automatic retries of this run
    heartbeat: str  # the last sign of life (or when it was queued)
    error: str  # why it failed, cleared when queued again

    @classmethod
    def prefixed(cls, prefix: str, *, state: str = "") -> JobFields:
        """`<prefix>state`, `<prefix>attempt`, `<prefix>retries`, `<prefix>heartbeat_at`,
        `<prefix>error` (`state` names the state field when it is called otherwise)."""
        return cls(
            state=state or f"{prefix}state",
            attempt=f"{prefix}attempt",
            retries=f"{prefix}retries",
            heartbeat=f"{prefix}heartbeat_at",
            error=f"{prefix}error",
        )


@dataclass(frozen=True)
class RowJob:
    """A background job whose state, attempts, heartbeat and progress live on one row of
    `model`, while the row is `active` (its lifecycle's filter, e.g. {"state": "composing"}).

    `task` is the dotted path of the Django task that runs one row's job (resolved when
    queued: the task's module imports the job's). `on_queue` and `on_claim` give the
    fields an app also writes when an attempt is queued and when a worker claims it;
    `touch` the fields also saved when an attempt is queued (an `auto_now` date); `lock`
    reads the row locked (default: `select_for_update().get(pk=...)`). `noun` and `work`
    name it in the logs."""

    model: Any
    fields: JobFields
    active: Mapping[str, Any]
    task: str
    noun: str
    work: str
    on_queue: Callable[[datetime.datetime], dict[str, Any]] = _no_fields
    on_claim: Callable[[datetime.datetime], dict[str, Any]] = _no_fields
    touch: tuple[str, ...] = ()
    lock: Callable[[int], Any] | None = None

    # --- Rows -----------------------------------------------------------------------------

    def rows(self, pk: int, attempt: int | None = None) -> Any:
        """The row while it is active and, given `attempt`, while that is its current one."""
        rows = self.model.objects.filter(pk=pk, **self.active)
        return rows if attempt is None else rows.filter(**{self.fields.attempt: attempt})

    def is_active(self, row: Any) -> bool:
        return all(getattr(row, name) == value for name, value in self.active.items())

    def locked(self, pk: int) -> Any:
        if self.lock is not None:
            return self.lock(pk)
        return self.model.objects.select_for_update().get(pk=pk)

    def current_state(self, pk: int, lifecycle: str = "state") -> str:
        """The row's lifecycle state now (what a run returns when it does nothing)."""
        current = self.model.objects.filter(pk=pk).first()
        return str(getattr(current, lifecycle)) if current is not None else MISSING

    def _save(self, row: Any, changes: Mapping[str, Any], touch: tuple[str, ...] = ()) -> None:
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=[*changes, *touch])

    # --- Queue, claim, beat, fail ---------------------------------------------------------

    def queue(self, row: Any, moment: datetime.datetime, *, automatic: bool) -> None:
        """A new attempt, queued (inside the caller's transaction, the row locked): the
        worker of the previous attempt writes nothing more. The task is enqueued on commit."""
        f = self.fields
        self._save(
            row,
            {
                f.attempt: getattr(row, f.attempt) + 1,
                f.retries: getattr(row, f.retries) + 1 if automatic else 0,
                f.state: JobState.QUEUED,
                f.heartbeat: moment,
                f.error: "",
                **self.on_queue(moment),
            },
            self.touch,
        )
        pk = row.pk
        transaction.on_commit(lambda: import_string(self.task).enqueue(pk))

    def claim(self, pk: int) -> Any | None:
        """Queued → running for the row's current attempt; None when nothing is queued
        (a stale or repeated task: another worker took it, or it was cancelled)."""
        f = self.fields
        with transaction.atomic():
            row = (
                self.model.objects.select_for_update()
                .filter(pk=pk, **self.active, **{f.state: JobState.QUEUED})
                .first()
            )
            if row is None:
                return None
            moment = timezone.now()
            self._save(
                row, {f.state: JobState.RUNNING, f.heartbeat: moment, **self.on_claim(moment)}
            )
        return row

    def beat(self, pk: int, attempt: int) -> bool:
        """One sign of life; False once the attempt is no longer the running one."""
        f = self.fields
        return bool(
            self.rows(pk, attempt)
            .filter(**{f.state: JobState.RUNNING})
            .update(**{f.heartbeat: timezone.now()})
        )

    def heartbeat(self, pk: int, attempt: int) -> Heartbeat:
        return Heartbeat(
            lambda: self.beat(pk, attempt),
            interval=policy.heartbeat,
            # A lambda: `connection` is looked up in the heartbeat thread, which closes its
            # own connection (`connection.close` would be the worker thread's: refused there).
            close=lambda: connection.close(),
        )

    def fail(self, pk: int, error: str, attempt: int | None = None) -> int:
        """Alive → failed with `error`, for `attempt` (the row's current one when None);
        the number of rows written (0: superseded, or no longer alive)."""
        f = self.fields
        return int(
            self.rows(pk, attempt)
            .filter(**{f"{f.state}__in": ALIVE})
            .update(**{f.state: JobState.FAILED, f.error: error[:2000]})
        )

    # --- The run ----------------------------------------------------------------------------

    def run(
        self,
        pk: int,
        work: Callable[[Any, Heartbeat], str],
        failed: Callable[[Exception, int], str],
    ) -> str:
        """Claim the row's queued attempt, then `work(row, heartbeat)` while a heartbeat
        beats; returns what `work` returns. A stale task, or an attempt superseded meanwhile,
        returns the row's state and writes nothing; any other exception goes to
        `failed(error, attempt)` (called while it is handled: `log.exception` works)."""
        row = self.claim(pk)
        if row is None:
            return self.current_state(pk)  # a stale or repeated job
        attempt = int(getattr(row, self.fields.attempt))
        try:
            with self.heartbeat(pk, attempt) as heartbeat:
                return work(row, heartbeat)
        except Superseded:
            log.info("%s %s: %s attempt %s superseded, dropped", self.noun, pk, self.work, attempt)
            return self.current_state(pk)
        except Exception as error:
            return failed(error, attempt)

    # --- Recovery -------------------------------------------------------------------------

    def stalled_ids(self, now: datetime.datetime, pk: int | None = None) -> list[int]:
        f = self.fields
        rows = self.model.objects.filter(**self.active).filter(
            Q(**{f"{f.state}__in": ALIVE, f"{f.heartbeat}__isnull": True})
            | Q(**{f.state: JobState.RUNNING, f"{f.heartbeat}__lt": policy.silent_since(now)})
            | Q(**{f.state: JobState.QUEUED, f"{f.heartbeat}__lt": policy.queued_since(now)})
        )
        if pk is not None:
            rows = rows.filter(pk=pk)
        return [int(found) for found in rows.order_by("pk").values_list("pk", flat=True)]

    def recover(
        self,
        now: datetime.datetime | None = None,
        *,
        pk: int | None = None,
        give_up: Callable[[Any], None],
    ) -> list[tuple[int, str]]:
        """Jobs whose worker died: queued again, or `give_up(row)` (the row locked) when no
        attempt is left. Returns (pk, "retried" | "failed") for each one found."""
        moment = now or timezone.now()
        f = self.fields
        done: list[tuple[int, str]] = []
        for found in self.stalled_ids(moment, pk):
            with transaction.atomic():
                row = self.locked(found)
                if not self.is_active(row) or not policy.stalled(
                    getattr(row, f.state), getattr(row, f.heartbeat), moment
                ):
                    continue  # it beat, finished or was cancelled meanwhile
                if can_retry(getattr(row, f.retries), policy.max_attempts):
                    log.warning("%s %s: %s stalled, running it again", self.noun, found, self.work)
                    self.queue(row, moment, automatic=True)
                    done.append((found, "retried"))
                    continue
                log.warning("%s %s: %s stalled, no attempt left", self.noun, found, self.work)
                give_up(row)
                done.append((found, "failed"))
        return done


@dataclass
class ProgressWriter[P]:
    """A progress callback (the engine's, the lottery's): throttled writes to the job's row.

    `values(progress, moment)` gives the fields to write (the row's progress) and `force`
    says which progress is always written (the end). Each write also beats. Raises
    `Superseded` (which stops the engine or the lottery) once `attempt` is not current."""

    job: RowJob
    pk: int
    values: Callable[[P, datetime.datetime], dict[str, Any]]
    attempt: int | None = None
    heartbeat: Heartbeat | None = None
    interval: float = PROGRESS_INTERVAL
    force: Callable[[P], bool] = field(default=lambda progress: False)
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.interval)

    def __call__(self, progress: P) -> None:
        if self.heartbeat is not None:
            self.heartbeat.check()
        if not self.throttle.due(force=self.force(progress)):
            return
        f = self.job.fields
        moment = timezone.now()
        written = (
            self.job.rows(self.pk, self.attempt)
            .filter(**{f.state: JobState.RUNNING})
            .update(**self.values(progress, moment), **{f.heartbeat: moment})
        )
        if not written and self.attempt is not None:
            raise Superseded
