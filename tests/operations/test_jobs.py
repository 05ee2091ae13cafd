"""The periodic-job registry: one list, every regular command in it, each entry valid."""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import get_commands

from tierslien.operations.jobs import DAY, HOUR, JOBS, MINUTE, PeriodicJob, registered_jobs

ROOT = Path(__file__).resolve().parent.parent.parent
# Our management commands that are not periodic, and why.
NOT_PERIODIC = {
    "load_demo": "development data, by hand",
    "run_scheduler": "the scheduler itself",
    "db_worker": "the task worker itself",
    "backup": "by the operator or their backup timer (docs/backups.md)",
    "restore": "by the operator, after an incident",
    "reencrypt_mfa_secrets": "by the operator, after a key rotation",
}
PARIS = ZoneInfo("Europe/Paris")


def paris(*fields: int) -> datetime.datetime:
    return datetime.datetime(*fields, tzinfo=PARIS)  # type: ignore[misc]


def our_commands() -> set[str]:
    return {path.stem for path in ROOT.glob("tierslien/*/management/commands/[!_]*.py")}


def test_every_command_of_ours_is_scheduled_or_said_not_to_be() -> None:
    scheduled = {job.command for job in JOBS}
    missing = our_commands() - scheduled - set(NOT_PERIODIC)
    assert missing == set(), f"add these to tierslien/operations/jobs.py: {sorted(missing)}"


def test_every_job_names_a_command_or_function_that_exists() -> None:
    commands = get_commands()
    for job in registered_jobs():
        if job.command:
            assert job.command in commands, job.name
        else:
            module, _, name = job.function.partition(":")
            assert callable(getattr(importlib.import_module(module), name)), job.name
        assert job.why, f"{job.name}: say why it runs that often"


def test_the_registry_refuses_a_name_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tierslien.operations.jobs.JOBS", (*JOBS, JOBS[0]))
    with pytest.raises(ValueError, match="registered twice"):
        registered_jobs()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of command or function"),
        ({"command": "a", "function": "b:c"}, "exactly one"),
        ({"function": "no_colon"}, "package.module:function"),
        ({"function": "m:f", "args": ("--x",)}, "args go with a command"),
        ({"command": "a", "daily_at": datetime.time(3)}, "daily_at needs every=DAY"),
    ],
)
def test_a_job_is_checked_when_declared(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PeriodicJob("job", HOUR, **kwargs)  # type: ignore[arg-type]


def test_interval_jobs_are_due_one_interval_after_their_last_start() -> None:
    job = PeriodicJob("j", 15 * MINUTE, command="x")
    start = datetime.datetime(2026, 12, 3, 10, 7, tzinfo=datetime.UTC)
    assert job.next_run_after(start) == start + 15 * MINUTE
    assert job.grace == 10 * MINUTE and job.retry_after == 15 * MINUTE


@pytest.mark.parametrize(
    ("ran_at", "due_at"),
    [
        (paris(2026, 12, 3, 8, 0), paris(2026, 12, 3, 9, 0)),
        (paris(2026, 12, 3, 9, 0), paris(2026, 12, 4, 9, 0)),
        # Across the change to summer time (29 March 2026), 9:00 stays 9:00 local.
        (paris(2026, 3, 28, 9, 30), paris(2026, 3, 29, 9, 0)),
    ],
)
def test_daily_jobs_are_due_at_their_local_time(
    settings: object, ran_at: datetime.datetime, due_at: datetime.datetime
) -> None:
    settings.TIME_ZONE = "Europe/Paris"  # type: ignore[attr-defined]
    job = PeriodicJob("j", DAY, command="x", daily_at=datetime.time(9, 0))
    due = job.next_run_after(ran_at)
    assert due == due_at and due.astimezone(PARIS).hour == 9
    assert job.grace == DAY / 10


def test_a_job_is_overdue_after_its_interval_and_grace_or_when_it_never_succeeded() -> None:
    job = PeriodicJob("j", HOUR, command="x")
    now = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.UTC)
    assert job.is_overdue(None, now)
    assert not job.is_overdue(now - HOUR - 9 * MINUTE, now)
    assert job.is_overdue(now - HOUR - 11 * MINUTE, now)
