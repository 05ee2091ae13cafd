"""Warm the grouping engine up when a long-running process starts.

Numba loads (or, on a fresh deployment, compiles) the engine's kernels on their
first call: 0.4-1 s with a warm cache, about 30 s without (`make run` fills the
cache with `python -m tierslien.mixing.warmup`). The task worker composes seasons,
so it loads the kernels in a background thread as it starts. The web process
composes only discovery evenings (rarely; the evening service retries with more
time when the first search of a process was slowed by the load), so it does not,
unless ENGINE_WARM_UP_WEB is on: loading them in every web worker delayed the first
requests after a start by seconds (bench/first_request.py, bench/RESULTS.md).
"""

from __future__ import annotations

import sys
import threading

from django.conf import settings


def warm_engine_in_background() -> threading.Thread | None:
    """Start loading the engine's kernels in a daemon thread, unless ENGINE_WARM_UP is off."""
    if not settings.ENGINE_WARM_UP:
        return None
    from tierslien import mixing  # loaded only by the processes that warm it up

    return mixing.warm_up_in_background()


def warm_web_process() -> float | None:
    """Called by wsgi.py: load the URL configuration now, so that a server which loads the
    application before forking (gunicorn's preload_app) shares it with every worker and no
    first request pays for importing every view. The engine's kernels only when
    ENGINE_WARM_UP_WEB is on, and then synchronously: a warm-up thread running while
    gunicorn forks would leave its locks held in the workers."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    if not settings.ENGINE_WARM_UP_WEB:
        return None
    from tierslien import mixing

    return mixing.warm_up()


def is_task_worker(argv: list[str]) -> bool:
    """`manage.py db_worker` (django-tasks' database worker) — the only command that composes."""
    return argv[1:2] == ["db_worker"]


def warm_engine_if_worker(argv: list[str] | None = None) -> threading.Thread | None:
    if not is_task_worker(sys.argv if argv is None else argv):
        return None
    return warm_engine_in_background()
