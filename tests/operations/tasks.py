"""Tasks for the worker tests (imported by a real `db_worker` process)."""

from __future__ import annotations

import time

from django.tasks import task


@task
def echo(value: str) -> str:
    return value


@task
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"
