"""A worker that starts again fails the task rows its earlier life left RUNNING, and only those."""

from __future__ import annotations

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tierslien.operations.management.commands.db_worker import fail_abandoned_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def running_on(worker_ids: list[str]) -> DBTaskResult:
    from tests.operations.tasks import echo

    result = DBTaskResult.objects.get(id=echo.enqueue("hello").id)
    for worker_id in worker_ids:
        result.claim(worker_id)
    return result


def test_rows_last_claimed_by_this_worker_are_failed(database_tasks: None) -> None:
    mine = running_on(["worker-0@host"])
    retried_here = running_on(["worker-1@host", "worker-0@host"])
    others = running_on(["worker-1@host"])
    once_mine = running_on(["worker-0@host", "worker-1@host"])

    assert fail_abandoned_tasks("worker-0@host") == 2

    def status(row: DBTaskResult) -> str:
        return str(DBTaskResult.objects.get(id=row.id).status)

    assert status(mine) == status(retried_here) == TaskResultStatus.FAILED
    assert status(others) == status(once_mine) == TaskResultStatus.RUNNING
    failed = DBTaskResult.objects.get(id=mine.id)
    assert failed.exception_class_path.endswith("WorkerDied")
    assert failed.finished_at is not None


def test_nothing_to_fail_changes_nothing(database_tasks: None) -> None:
    assert fail_abandoned_tasks("worker-0@host") == 0
