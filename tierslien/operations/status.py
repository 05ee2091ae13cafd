"""What /health/ and /metrics report: one read of the queue, the heartbeats and the job runs.

Nothing personal: counts, ages, process and job names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tierslien.operations.jobs import PeriodicJob, registered_jobs
from tierslien.operations.models import Heartbeat, JobRun, ProcessKind


@dataclass(frozen=True)
class Process:
    name: str
    kind: str
    host: str
    age: float  # seconds since the last heartbeat

    @property
    def alive(self) -> bool:
        return self.age <= settings.HEALTH_HEARTBEAT_STALE_SECONDS


@dataclass(frozen=True)
class JobState:
    job: PeriodicJob
    last_run_at: datetime.datetime | None
    last_run_ok: bool | None  # None: never run, or running now
    last_success_at: datetime.datetime | None
    overdue: bool


@dataclass(frozen=True)
class Snapshot:
    now: datetime.datetime
    tasks: dict[tuple[str, str], int]  # (queue, status) -> count
    ready: int
    lag: float  # seconds the oldest ready task has waited (0 when none)
    processes: tuple[Process, ...]
    jobs: tuple[JobState, ...]

    def alive(self, kind: str) -> int:
        return sum(1 for p in self.processes if p.kind == kind and p.alive)

    def stale(self, kind: str) -> int:
        return sum(1 for p in self.processes if p.kind == kind and not p.alive)


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def _seconds(delta: datetime.timedelta) -> float:
    return max(delta.total_seconds(), 0.0)


def take_snapshot(now: datetime.datetime | None = None) -> Snapshot:
    now = now or timezone.now()
    tasks = {
        (row["queue_name"], row["status"]): row["n"]
        for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id"))
    }
    # A ready task waits since it was enqueued, or since its `run_after` when it was deferred.
    ready = DBTaskResult.objects.ready().aggregate(
        n=Count("id"),
        enqueued=Min("enqueued_at", filter=Q(run_after=get_date_max())),
        deferred=Min("run_after", filter=~Q(run_after=get_date_max())),
    )
    since = [moment for moment in (ready["enqueued"], ready["deferred"]) if moment is not None]
    lag = _seconds(now - min(since)) if since else 0.0
    processes = tuple(
        Process(beat.name, beat.kind, beat.host, _seconds(now - beat.beat_at))
        for beat in Heartbeat.objects.all()
    )
    runs = {
        row["job"]: row
        for row in JobRun.objects.values("job").annotate(
            last_run=Max("started_at"),
            last_success=Max("finished_at", filter=Q(ok=True)),
            last_success_start=Max("started_at", filter=Q(ok=True)),
            last_failure_start=Max("started_at", filter=Q(ok=False)),
        )
    }
    jobs = []
    for job in registered_jobs():
        row = runs.get(job.name, {})
        last_run = row.get("last_run")
        last_ok: bool | None = None
        if last_run is not None and last_run == row.get("last_success_start"):
            last_ok = True
        elif last_run is not None and last_run == row.get("last_failure_start"):
            last_ok = False
        last_success = row.get("last_success")
        overdue = job.is_overdue(last_success, now)
        jobs.append(JobState(job, last_run, last_ok, last_success, overdue))
    return Snapshot(now, tasks, ready["n"], lag, processes, tuple(jobs))


def health(now: datetime.datetime | None = None) -> tuple[bool, dict[str, object]]:
    """(healthy, the JSON document of /health/)."""
    if not database_reachable():
        return False, {"status": "fail", "checks": {"database": {"ok": False}}}
    snapshot = take_snapshot(now)
    limit = settings.HEALTH_QUEUE_LAG_SECONDS
    checks: dict[str, dict[str, object]] = {
        "database": {"ok": True},
        "queue": {
            "ok": snapshot.lag <= limit,
            "ready": snapshot.ready,
            "lag_seconds": round(snapshot.lag, 1),
            "limit_seconds": limit,
        },
    }
    for key, kind in (("workers", ProcessKind.WORKER), ("scheduler", ProcessKind.SCHEDULER)):
        checks[key] = {
            "ok": snapshot.alive(kind) > 0,
            "alive": snapshot.alive(kind),
            "stale": snapshot.stale(kind),
        }
    checks["jobs"] = {
        "ok": not any(state.overdue for state in snapshot.jobs),
        "jobs": {
            state.job.name: {
                "every_seconds": int(state.job.every.total_seconds()),
                "last_run_at": _iso(state.last_run_at),
                "last_run_ok": state.last_run_ok,
                "last_success_at": _iso(state.last_success_at),
                "overdue": state.overdue,
            }
            for state in snapshot.jobs
        },
    }
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "fail", "checks": checks}


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
