"""Gunicorn's settings for Tiers Lien: `python -m gunicorn --config gunicorn.conf.py`, started
by the supervisor (`scripts/prod`, `python -m tierslien.operations.supervisor prod`).
Every value can be overridden by the environment variable named beside it, or by
GUNICORN_CMD_ARGS. The reasons are in docs/operations.md ("The web server")."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "tierslien.wsgi:application"
# Behind a reverse proxy (nginx, Caddy) on the same machine, which terminates TLS, buffers
# slow clients and serves nothing itself (WhiteNoise serves /static/).
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Sync workers: pages are short, server-rendered, database-bound; the proxy buffers slow
# clients. (2 x cores) + 1, at most 9 (a worker with every view imported: ~180 MB resident,
# much of it shared with the master thanks to preload_app).
workers = _int("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 9))
worker_class = "sync"

# The longest request composes a discovery evening's tables: 1 s of search, doubled twice
# when the plan repeats encounters (7 s), plus loading the engine in a fresh worker.
# 30 s leaves margin; a request still running then is killed and logged.
timeout = _int("WEB_TIMEOUT", 30)
# On SIGTERM (stop) or SIGHUP (reload), a worker finishes its request within this time.
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5  # seconds; longer than nothing, shorter than the proxy's upstream keep-alive

# Import Django and every view once in the master, then fork: workers start at once and
# share those pages of memory; a worker is recycled after ~1000 requests (bounds any leak)
# for free. Cost: SIGHUP starts new workers from the code already loaded, so an upgrade
# restarts the web server (`systemctl restart tierslien`), see docs/operations.md.
preload_app = True
max_requests = _int("WEB_MAX_REQUESTS", 1000)

max_requests_jitter = 100  # so the workers are not all recycled together

# The workers' heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs on standard output (the supervisor prefixes them, journald keeps them). The access
# log leaves out client addresses and query strings: personal data the proxy may keep, under
# its own retention, if at all.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "tierslien"
# Gunicorn 24+ opens a control socket in $HOME by default; the supervisor drives gunicorn
# with signals, and two instances under one user would share that path.
control_socket_disable = True


def pre_fork(server: object, worker: object) -> None:
    """In the master, before each fork: no database connection may be shared with a worker
    (loading the application opens none; this keeps it so if one ever does)."""
    from django.apps import apps

    if apps.ready:  # the application was preloaded
        from django.db import connections

        connections.close_all()
