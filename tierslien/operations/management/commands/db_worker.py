"""`manage.py db_worker`: django-tasks-db's worker, made to outlive its database connection.

This app is listed before `django_tasks_db` in INSTALLED_APPS, so this command replaces the
library's one (same options). Two additions:

- when the database connection is lost (server restarted, `pg_terminate_backend`, network),
  the library's worker raises and exits; this one closes the connection, logs, waits (1 s,
  doubling up to 30 s, reset after a minute of health) and polls again. A task that was
  running when the connection died is left RUNNING (logged with its id) for the stalled-task
  recovery to pick up;
- a heartbeat row (`operations.Heartbeat`, named by `--worker-id`) while it runs;
- task rows left RUNNING by this worker id in an earlier life (killed, or its connection
  lost mid-task) are marked FAILED when it starts and after it reconnects: a worker id
  names one process at a time (the supervisor's `worker-N@host`), so nothing else can be
  running them. The jobs themselves (a composition, a draw) are recovered by their own
  heartbeats (`lib/jobs.py`); this keeps the queue's bookkeeping and `/metrics` honest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django.tasks import TaskResultStatus
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as LibraryCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tierslien.operations.heartbeat import HeartbeatThread
from tierslien.operations.models import ProcessKind

log = logging.getLogger("tierslien.worker")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0


class WorkerDied(Exception):
    """Recorded on a task row whose worker stopped while running it."""


def fail_abandoned_tasks(worker_id: str) -> int:
    """Mark FAILED the RUNNING task rows last claimed by `worker_id`; returns how many."""
    abandoned = [
        row
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        if row.worker_ids and row.worker_ids[-1] == worker_id
    ]
    for row in abandoned:
        row.set_failed(WorkerDied(f"worker {worker_id} stopped while running this task"))
        log.warning("task id=%s marked failed: worker %s stopped during it", row.id, worker_id)
    return len(abandoned)


class ReconnectingWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current: DBTaskResult[Any, Any] | None = None
        self.reconnections = 0

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        self.current = db_task_result  # still set if recording its outcome raises
        super().run_task(db_task_result)
        self.current = None

    def run(self) -> None:
        delay = FIRST_DELAY
        while True:
            started = time.monotonic()
            try:
                super().run()
                return  # stopped, --batch or --max-tasks
            except DatabaseError as error:
                if not self.running:
                    raise
                if time.monotonic() - started > HEALTHY_AFTER:
                    delay = FIRST_DELAY
                if self.current is not None:
                    log.error(
                        "task id=%s left RUNNING: the database connection was lost during it",
                        self.current.id,
                    )
                    self.current = None
                    self.running_task = False
                log.warning(
                    "worker %s lost its database connection (%s); reconnecting in %.0f s",
                    self.worker_id,
                    str(error).strip().splitlines()[0] if str(error).strip() else type(error),
                    delay,
                )
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
                self.reconnections += 1
                self.startup_delay = False
                # Still unreachable: the next poll raises and waits again.
                with contextlib.suppress(DatabaseError):
                    fail_abandoned_tasks(self.worker_id)


class Command(LibraryCommand):
    help = "Run a database background worker (reconnects to the database; heartbeats)."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ReconnectingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            # As the library does: the reloading parent never runs the worker; its child does.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(lambda: self._run(worker, batch=batch))
            return
        worker.configure_signals()
        self._run(worker, batch=batch)

    def _run(self, worker: ReconnectingWorker, *, batch: bool) -> None:
        heartbeat = None if batch else HeartbeatThread(worker.worker_id, ProcessKind.WORKER)
        if heartbeat is not None:
            heartbeat.start()
        try:
            fail_abandoned_tasks(worker.worker_id)
            worker.run()
        finally:
            if heartbeat is not None:
                heartbeat.stop()
