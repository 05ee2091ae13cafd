"""The scheduler runs due jobs once, records each run, retries failures sooner."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.db import OperationalError

from tierslien.operations.jobs import DAY, HOUR, MINUTE, PeriodicJob
from tierslien.operations.models import Heartbeat, JobRun, JobSchedule, ProcessKind
from tierslien.operations.scheduler import Scheduler, prune_history

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.UTC)
CALLS: list[str] = []


def ok_job() -> str:
    CALLS.append("ok")
    return "3 things done"


def failing_job() -> None:
    CALLS.append("fail")
    raise RuntimeError("the mail server is down")


OK = PeriodicJob("ok", HOUR, function="tests.operations.test_scheduler:ok_job")
FAILING = PeriodicJob("failing", DAY, function="tests.operations.test_scheduler:failing_job")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    CALLS.clear()
    return Clock()


def test_new_jobs_are_due_at_once_and_each_run_is_recorded(clock: Clock) -> None:
    scheduler = Scheduler([OK], clock=clock)
    scheduler.prepare()
    [run] = scheduler.run_pending()
    assert CALLS == ["ok"]
    assert (run.job, run.ok, run.started_at, run.finished_at, run.error) == (
        "ok",
        True,
        NOW,
        NOW,
        "",
    )
    assert JobSchedule.objects.get(job="ok").next_run_at == NOW + HOUR


def test_a_job_runs_again_only_when_due(clock: Clock) -> None:
    scheduler = Scheduler([OK], clock=clock)
    scheduler.prepare()
    scheduler.run_pending()
    clock.now = NOW + 59 * MINUTE
    assert scheduler.run_pending() == []
    clock.now = NOW + HOUR
    assert len(scheduler.run_pending()) == 1
    assert CALLS == ["ok", "ok"]


def test_two_schedulers_never_run_a_job_twice(clock: Clock) -> None:
    first, second = Scheduler([OK], clock=clock), Scheduler([OK], clock=clock)
    first.prepare()
    second.prepare()
    assert first.claim(OK, NOW) is True
    assert second.claim(OK, NOW) is False


def test_a_failure_is_recorded_and_retried_sooner(clock: Clock) -> None:
    scheduler = Scheduler([FAILING], clock=clock)
    scheduler.prepare()
    [run] = scheduler.run_pending()
    assert run.ok is False
    assert run.error == "RuntimeError: the mail server is down"
    assert JobSchedule.objects.get(job="failing").next_run_at == NOW + 15 * MINUTE
    clock.now = NOW + 15 * MINUTE
    assert len(scheduler.run_pending()) == 1


def test_a_management_command_job_runs_it(clock: Clock) -> None:
    job = PeriodicJob("seats", 15 * MINUTE, command="expire_meeting_seats")
    scheduler = Scheduler([job], clock=clock)
    scheduler.prepare()
    [run] = scheduler.run_pending()
    assert run.ok is True


def test_a_restart_neither_reruns_nor_forgets_a_job(clock: Clock) -> None:
    Scheduler([OK], clock=clock).prepare()
    Scheduler([OK], clock=clock).run_pending()
    clock.now = NOW + 10 * MINUTE
    restarted = Scheduler([OK], clock=clock)
    restarted.prepare()
    assert restarted.run_pending() == []


def test_a_shortened_interval_takes_effect_at_the_next_start(clock: Clock) -> None:
    JobSchedule.objects.create(job="ok", next_run_at=NOW + 7 * DAY)
    Scheduler([OK], clock=clock).prepare()
    assert JobSchedule.objects.get(job="ok").next_run_at == NOW + HOUR


def test_runs_left_open_by_a_stopped_scheduler_are_marked_interrupted(clock: Clock) -> None:
    JobRun.objects.create(job="ok", started_at=NOW - HOUR)
    Scheduler([OK], clock=clock).prepare()
    run = JobRun.objects.get()
    assert run.ok is False and run.error.startswith("interrupted")


def test_prune_history_keeps_recent_runs_and_live_heartbeats() -> None:
    from django.utils import timezone

    now = timezone.now()
    JobRun.objects.create(job="old", started_at=now - 31 * DAY, ok=True)
    JobRun.objects.create(job="new", started_at=now - DAY, ok=True)
    for name, age in (("gone", 8 * DAY), ("alive", datetime.timedelta(0))):
        Heartbeat.objects.create(
            name=name, kind=ProcessKind.WORKER, host="h", pid=1, started_at=now, beat_at=now - age
        )
    JobSchedule.objects.create(job="no_longer_registered", next_run_at=now)
    assert prune_history() == "1 run(s), 1 heartbeat(s), 1 schedule(s) deleted"
    assert list(JobRun.objects.values_list("job", flat=True)) == ["new"]
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["alive"]


def test_the_command_once_runs_every_registered_job(settings) -> None:
    from django.core.management import call_command

    from tierslien.operations.jobs import registered_jobs

    # As in production (tests run tasks immediately): prune_task_results needs it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    names = [job.name for job in registered_jobs()]
    assert out.getvalue().split("\n")[:-1] == [f"{name}: ok" for name in names]
    assert set(JobRun.objects.values_list("job", flat=True)) == set(names)
    assert not JobRun.objects.exclude(ok=True).exists()


# Outside a test transaction, as in production: the loop closes and reopens connections.
@pytest.mark.django_db(transaction=True)
def test_a_lost_database_is_waited_for(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    scheduler = Scheduler([OK], clock=clock)
    stop = threading.Event()
    attempts: list[int] = []

    def flaky() -> list[JobRun]:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        stop.set()
        return []

    monkeypatch.setattr(scheduler, "run_pending", flaky)
    scheduler.run_forever(stop, tick=0.01)
    assert len(attempts) == 2
