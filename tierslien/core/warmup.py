"""Warm the grouping engine up when a long-running process starts.

Numba loads (or, on a fresh deployment, compiles) the engine's kernels on their
first call: 0.4-1 s with a warm cache, about 30 s without (`make run` fills the
cache with `python -m tierslien.mixing.warmup`). A discovery evening composes in
the facilitator's request with a 1 s budget, so the web server and the worker
load the kernels in a background thread as they start.
"""

from __future__ import annotations

import sys
import threading

from django.conf import settings


def warm_engine_in_background() -> threading.Thread | None:
    """Start loading the engine's kernels in a daemon thread, unless ENGINE_WARM_UP is off."""
    if not settings.ENGINE_WARM_UP:
        return None
    from tierslien.mixing.warmup import warm_up_in_background

    return warm_up_in_background()


def is_task_worker(argv: list[str]) -> bool:
    """`manage.py db_worker` (django-tasks' database worker) — the only command that composes."""
    return argv[1:2] == ["db_worker"]


def warm_engine_if_worker(argv: list[str] | None = None) -> threading.Thread | None:
    if not is_task_worker(sys.argv if argv is None else argv):
        return None
    return warm_engine_in_background()
