"""A real `manage.py db_worker` against PostgreSQL outlives its database connection, and the
supervisor restarts a worker that dies. Skipped on SQLite (nothing to terminate there)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tierslien.operations.models import Heartbeat
from tierslien.operations.supervisor import Backoff, Supervisor, worker_specs

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL"
    ),
]


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "600",  # keep the connection between polls, as in production
        "ENGINE_WARM_UP": "false",
        "HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.fixture
def database_tasks(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker(database_tasks: None, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2"]
            + ["--worker-id", "test-worker", "--no-reload", "--no-startup-delay"],
            cwd=ROOT,
            env=worker_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: Heartbeat.objects.filter(name="test-worker").exists())
        yield process, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def status_of(result_id: str) -> str:
    return str(DBTaskResult.objects.get(id=result_id).status)


def test_a_worker_whose_connection_was_killed_still_runs_tasks(worker) -> None:
    from tests.operations.tasks import echo

    process, log = worker
    time.sleep(1)  # let it poll with its connection at least once
    assert terminate_other_backends() >= 1
    result = echo.enqueue("after the kill")
    wait_for(lambda: status_of(result.id) == "SUCCESSFUL", timeout=30)
    assert process.poll() is None
    assert DBTaskResult.objects.get(id=result.id).return_value == "after the kill"


def test_a_connection_killed_during_a_task_is_logged_and_the_worker_goes_on(worker) -> None:
    from tests.operations.tasks import echo, nap

    process, log = worker
    napping = nap.enqueue(3)
    wait_for(lambda: status_of(napping.id) == "RUNNING", timeout=30)
    assert terminate_other_backends() >= 1
    result = echo.enqueue("still here")
    wait_for(lambda: status_of(result.id) == "SUCCESSFUL", timeout=60)
    assert process.poll() is None
    text = log.read_text()
    assert "lost its database connection" in text
    assert f"task id={napping.id} left RUNNING" in text
    # Its row does not stay RUNNING for ever: the worker marks it failed once reconnected.
    wait_for(lambda: status_of(napping.id) == "FAILED", timeout=60)


def test_the_supervisor_restarts_a_worker_that_died(database_tasks: None, monkeypatch) -> None:
    for key, value in worker_env().items():
        monkeypatch.setenv(key, value)
    out = io.StringIO()
    supervisor = Supervisor(
        worker_specs(1, reload=False), backoff=Backoff(first=0.1), output=out, poll=0.05
    )
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: Heartbeat.objects.filter(kind="worker").exists())
        first = supervisor.children[0].process
        assert first is not None
        os.killpg(first.pid, signal.SIGKILL)
        wait_for(lambda: supervisor.children[0].restarts == 1)
        wait_for(
            lambda: (
                (p := supervisor.children[0].process) is not None
                and Heartbeat.objects.filter(kind="worker", pid=p.pid).exists()
            )
        )
        assert "worker-1 exited with code -9" in out.getvalue()
    finally:
        supervisor.request_stop()
        thread.join(60)
