"""The scheduler: runs the periodic jobs of `tierslien.operations.jobs` when they are due,
one after the other, and records each run (`JobRun`).

A job's next due time lives in `JobSchedule`, so a restart neither reruns a daily job nor
forgets one, and a job is claimed with a conditional UPDATE, so a second scheduler started
by mistake never runs it twice. A failed job is retried after `retry_after`.
"""

from __future__ import annotations

import datetime
import importlib
import io
import logging
import threading
import time
from collections.abc import Callable, Sequence

from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from tierslien.operations.jobs import DAY, PeriodicJob, registered_jobs
from tierslien.operations.models import Heartbeat, JobRun, JobSchedule

log = logging.getLogger("tierslien.scheduler")

KEEP_RUNS = 30 * DAY
KEEP_HEARTBEATS = 7 * DAY
ERROR_LENGTH = 2000


def run_target(job: PeriodicJob) -> str:
    """Run the job's command or function; return what it printed (or returned)."""
    if job.command:
        out = io.StringIO()
        call_command(job.command, *job.args, stdout=out, stderr=out)
        return out.getvalue().strip()
    module, _, attribute = job.function.partition(":")
    function: Callable[[], object] = getattr(importlib.import_module(module), attribute)
    result = function()
    return "" if result is None else str(result)


class Scheduler:
    def __init__(
        self,
        jobs: Sequence[PeriodicJob] | None = None,
        *,
        clock: Callable[[], datetime.datetime] = timezone.now,
    ) -> None:
        self.jobs = tuple(registered_jobs() if jobs is None else jobs)
        self.clock = clock

    def prepare(self) -> None:
        """Create missing schedules (due at once), pull in schedules further away than the
        job's interval (it was shortened), and close runs a stopped scheduler left open."""
        now = self.clock()
        for job in self.jobs:
            schedule, created = JobSchedule.objects.get_or_create(
                job=job.name, defaults={"next_run_at": now}
            )
            soonest = job.next_run_after(now)
            if not created and schedule.next_run_at > soonest:
                schedule.next_run_at = soonest
                schedule.save(update_fields=["next_run_at"])
        interrupted = JobRun.objects.filter(ok__isnull=True).update(
            ok=False, finished_at=now, error="interrupted: the scheduler stopped during the run"
        )
        if interrupted:
            log.warning("%d job run(s) interrupted by the previous stop", interrupted)

    def claim(self, job: PeriodicJob, now: datetime.datetime) -> bool:
        """Take the job if it is due: one UPDATE, so only one scheduler gets it."""
        claimed = JobSchedule.objects.filter(job=job.name, next_run_at__lte=now).update(
            next_run_at=job.next_run_after(now)
        )
        return claimed == 1

    def run(self, job: PeriodicJob) -> JobRun:
        started = self.clock()
        record = JobRun.objects.create(job=job.name, started_at=started)
        began = time.monotonic()
        log.info("job %s started", job.name)
        try:
            output = run_target(job)
        except Exception as error:
            elapsed = time.monotonic() - began
            record.ok = False
            record.error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
            log.exception("job %s failed in %.2f s: %s", job.name, elapsed, record.error)
            retry_at = started + job.retry_after
            JobSchedule.objects.filter(job=job.name, next_run_at__gt=retry_at).update(
                next_run_at=retry_at
            )
        else:
            elapsed = time.monotonic() - began
            record.ok = True
            summary = " | ".join(line for line in output.splitlines() if line)[:200]
            log.info("job %s ok in %.2f s%s", job.name, elapsed, f": {summary}" if summary else "")
        record.finished_at = self.clock()
        record.save(update_fields=["ok", "error", "finished_at"])
        return record

    def run_pending(self) -> list[JobRun]:
        runs = []
        for job in self.jobs:
            if self.claim(job, self.clock()):
                runs.append(self.run(job))
        return runs

    def run_forever(self, stop: threading.Event, *, tick: float = 5.0) -> None:
        """Check every `tick` seconds; survive a lost database connection (back-off)."""
        delay = tick
        prepared = False
        while not stop.is_set():
            close_old_connections()
            try:
                if not prepared:
                    self.prepare()
                    prepared = True
                self.run_pending()
            except DatabaseError as error:
                log.warning("database unavailable (%s); retrying in %.0f s", error, delay)
                connection.close()
                stop.wait(delay)
                delay = min(delay * 2, 60.0)
                continue
            delay = tick
            stop.wait(tick)


def prune_history() -> str:
    """The `prune_operations` job: old runs, heartbeats of processes long gone, schedules
    of jobs no longer registered."""
    now = timezone.now()
    runs, _ = JobRun.objects.filter(started_at__lt=now - KEEP_RUNS).delete()
    beats, _ = Heartbeat.objects.filter(beat_at__lt=now - KEEP_HEARTBEATS).delete()
    names = [job.name for job in registered_jobs()]
    schedules, _ = JobSchedule.objects.exclude(job__in=names).delete()
    return f"{runs} run(s), {beats} heartbeat(s), {schedules} schedule(s) deleted"
