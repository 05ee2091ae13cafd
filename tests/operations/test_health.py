"""/health/: 200 when the database answers, workers and the scheduler beat, the queue moves
and no periodic job is overdue; 503 otherwise; nothing personal in it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tierslien.operations.jobs import registered_jobs
from tierslien.operations.models import Heartbeat, JobRun, ProcessKind

pytestmark = pytest.mark.django_db


def beat(name: str, kind: str, age: float = 1.0) -> None:
    now = timezone.now()
    Heartbeat.objects.create(
        name=name,
        kind=kind,
        host="web-1",
        pid=4242,
        started_at=now,
        beat_at=now - datetime.timedelta(seconds=age),
    )


def all_jobs_ran(ago: datetime.timedelta = datetime.timedelta(minutes=1)) -> None:
    moment = timezone.now() - ago
    for job in registered_jobs():
        JobRun.objects.create(job=job.name, started_at=moment, finished_at=moment, ok=True)


def ready_task(waited: float) -> None:
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tierslien.circles.tasks.compose",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=waited))


@pytest.fixture
def healthy() -> None:
    beat("worker-1@web-1", ProcessKind.WORKER)
    beat("scheduler@web-1", ProcessKind.SCHEDULER)
    all_jobs_ran()


def get_health(client: Client) -> tuple[int, dict[str, object]]:
    response = client.get(reverse("health"))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_all_fine_is_200(client: Client, healthy: None) -> None:
    status, body = get_health(client)
    assert status == 200 and body["status"] == "ok"
    checks = body["checks"]
    assert checks["workers"] == {"ok": True, "alive": 1, "stale": 0}  # type: ignore[index]
    assert checks["queue"]["lag_seconds"] == 0.0  # type: ignore[index]


def test_anyone_may_ask_but_only_to_read(client: Client, healthy: None) -> None:
    assert client.post(reverse("health")).status_code == 405
    assert client.head(reverse("health")).status_code == 200


def test_no_worker_alive_is_503(client: Client, healthy: None) -> None:
    Heartbeat.objects.filter(kind=ProcessKind.WORKER).update(
        beat_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    status, body = get_health(client)
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["workers"] == {"ok": False, "alive": 0, "stale": 1}  # type: ignore[index]


def test_no_scheduler_is_503(client: Client, healthy: None) -> None:
    Heartbeat.objects.filter(kind=ProcessKind.SCHEDULER).delete()
    assert get_health(client)[0] == 503


def test_a_task_waiting_too_long_is_503(client: Client, healthy: None, settings) -> None:
    settings.HEALTH_QUEUE_LAG_SECONDS = 300
    ready_task(waited=60)
    status, body = get_health(client)
    assert status == 200 and body["checks"]["queue"]["ready"] == 1  # type: ignore[index]
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=400))
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["queue"]["lag_seconds"] >= 400  # type: ignore[index,operator]


def test_an_overdue_job_is_503_and_named(client: Client, healthy: None) -> None:
    JobRun.objects.filter(job="purge_circles").update(
        started_at=timezone.now() - datetime.timedelta(days=2),
        finished_at=timezone.now() - datetime.timedelta(days=2),
    )
    status, body = get_health(client)
    jobs = body["checks"]["jobs"]["jobs"]  # type: ignore[index]
    assert status == 503
    assert jobs["purge_circles"]["overdue"] is True
    assert jobs["expire_invitations"]["overdue"] is False


def test_a_failed_last_run_shows_but_is_not_yet_overdue(client: Client, healthy: None) -> None:
    now = timezone.now()
    JobRun.objects.create(job="advance_seasons", started_at=now, finished_at=now, ok=False)
    status, body = get_health(client)
    assert status == 200
    assert body["checks"]["jobs"]["jobs"]["advance_seasons"]["last_run_ok"] is False  # type: ignore[index]


def test_an_unreachable_database_is_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tierslien.operations.status.database_reachable", lambda: False)
    status, body = get_health(client)
    assert status == 503 and body == {"status": "fail", "checks": {"database": {"ok": False}}}


def test_nothing_personal_or_internal_is_shown(client: Client, healthy: None) -> None:
    JobRun.objects.create(
        job="send_session_reminders",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        ok=False,
        error="SMTPRecipientsRefused: alice@example.org",
    )
    text = client.get(reverse("health")).content.decode()
    for secret in ("alice@example.org", "SMTPRecipientsRefused", "web-1", "4242", "worker-1"):
        assert secret not in text
