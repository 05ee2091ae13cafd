"""One helper for background jobs recorded on a row (a season's composition, a meeting's
draw): their states, a heartbeat, when a job counts as stalled, and retries.

Model-free: the row's fields and queries stay with each app; this module holds what
both did twice (states as bare strings in one, an enum in the other; two throttled
progress writers; two `time_limit()`s).

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
from collections.abc import Callable
from enum import StrEnum
from typing import Final

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


class Superseded(Exception):
    """This worker's attempt is no longer the job's current one: stop, write nothing."""


def seconds(raw: object, default: float | None) -> float | None:
    """A time limit in seconds from a setting or an environment variable: a finite,
    non-negative number, else `default` (empty or missing: `default` too)."""
    if raw is None or raw == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= 0 else default


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
    """The settings of recovery (`JOB_*`), read when used so tests can change them."""

    @property
    def stalled_after(self) -> datetime.timedelta:
        from django.conf import settings

        raw = settings.JOB_STALLED_AFTER_SECONDS
        value = seconds(raw, DEFAULT_STALLED_AFTER.total_seconds())
        return datetime.timedelta(seconds=value or 0)

    @property
    def queued_too_long(self) -> datetime.timedelta:
        from django.conf import settings

        raw = settings.JOB_QUEUED_TOO_LONG_SECONDS
        value = seconds(raw, DEFAULT_QUEUED_TOO_LONG.total_seconds())
        return datetime.timedelta(seconds=value or 0)

    @property
    def max_attempts(self) -> int:
        from django.conf import settings

        return int(settings.JOB_MAX_ATTEMPTS)

    @property
    def heartbeat(self) -> float:
        from django.conf import settings

        return seconds(settings.JOB_HEARTBEAT_SECONDS, HEARTBEAT_SECONDS) or 1.0

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
