"""A small process supervisor: the web server, N task workers and the scheduler, kept running.

    python -m tierslien.operations.supervisor prod  # gunicorn, TASK_WORKERS db_workers, scheduler
    python -m tierslien.operations.supervisor dev   # runserver, db_worker, scheduler (make run)

Every child runs in its own process group; its output is prefixed with its name. A child that
exits is started again after a back-off (1 s, doubling up to 60 s, back to 1 s once it has
run for a minute), with a log line each time; it is never given up on. SIGTERM or SIGINT stops
every child (SIGTERM to its group, SIGKILL after its stop timeout) and then the supervisor;
SIGHUP reloads: gunicorn gets SIGHUP (new workers, no refused connection), the others a
graceful restart. Why a supervisor of our own rather than supervisord, honcho or systemd
alone: docs/decisions/0003-production-processes.md.

It never imports Django (it runs no query and holds no connection); tests drive `Supervisor`
with tiny Python children.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tierslien.lib.env import env_int, env_str

log = logging.getLogger("tierslien.supervisor")

ROOT = Path(__file__).resolve().parent.parent.parent


def process_name(kind: str, index: int | None = None) -> str:
    """`worker-2@host` / `scheduler@host`: unique across machines, at most 64 characters
    (the worker id of django-tasks-db and the heartbeat's name)."""
    prefix = kind if index is None else f"{kind}-{index}"
    return f"{prefix}@{socket.gethostname()}"[:64]


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    stop_timeout: float = 30.0  # SIGTERM, then SIGKILL after this many seconds
    reload_signal: int | None = None  # sent on SIGHUP instead of a restart

    def __post_init__(self) -> None:
        if not self.name or not self.argv:
            raise ValueError("a process needs a name and a command")
        if self.stop_timeout <= 0:
            raise ValueError(f"{self.name}: stop_timeout must be positive")


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    longest: float = 60.0
    stable_after: float = 60.0  # a child that ran this long restarts without waiting

    def delay(self, failures: int) -> float:
        """Wait before restart number `failures` (1, 2, ...) of quick exits in a row."""
        return float(min(self.first * 2 ** max(failures - 1, 0), self.longest))


@dataclass
class Child:
    spec: ProcessSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None  # when to start it again after an exit
    failures: int = 0  # quick exits in a row
    restarts: int = 0
    reader: threading.Thread | None = None


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        backoff: Backoff | None = None,
        output: IO[str] | None = None,
        poll: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"process names must be unique: {names}")
        self.children = [Child(spec) for spec in specs]
        self.backoff = backoff or Backoff()
        self.output = output if output is not None else sys.stdout
        self.poll = poll
        self.clock = clock
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._reload = threading.Event()
        self.width = max((len(name) for name in names), default=8)

    # --- output -------------------------------------------------------------------------------

    def say(self, name: str, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._write_lock:
            self.output.write(f"{stamp} {name:<{self.width}} | {line}\n")
            self.output.flush()

    def _pump(self, child: Child, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.say(child.spec.name, raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    # --- children -----------------------------------------------------------------------------

    def start(self, child: Child) -> None:
        env = {**os.environ, **child.spec.env, "PYTHONUNBUFFERED": "1"}
        child.process = subprocess.Popen(
            child.spec.argv,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: a reloader's children stop with it
        )
        child.started_at = self.clock()
        child.restart_at = None
        assert child.process.stdout is not None
        child.reader = threading.Thread(
            target=self._pump, args=(child, child.process.stdout), daemon=True
        )
        child.reader.start()
        self.say("supervisor", f"started {child.spec.name} (pid {child.process.pid})")

    def _signal_group(self, child: Child, signum: int) -> None:
        if child.process is None or child.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signum)

    def _reap(self, child: Child, now: float) -> None:
        """Notice an exit and schedule the restart."""
        process = child.process
        if process is None or process.poll() is None:
            return
        ran = now - child.started_at
        child.failures = 0 if ran >= self.backoff.stable_after else child.failures + 1
        delay = 0.0 if child.failures == 0 else self.backoff.delay(child.failures)
        child.restarts += 1
        child.restart_at = now + delay
        child.process = None
        self.say(
            "supervisor",
            f"{child.spec.name} exited with code {process.returncode} after {ran:.1f} s; "
            f"restart #{child.restarts} in {delay:.1f} s",
        )

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            self.say("supervisor", f"stopping {child.spec.name}")
            self._signal_group(child, signal.SIGTERM)
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(child.spec.stop_timeout)
            except subprocess.TimeoutExpired:
                self.say("supervisor", f"{child.spec.name} did not stop in time: killed")
                self._signal_group(child, signal.SIGKILL)
                child.process.wait()
        for child in self.children:
            if child.reader is not None:
                child.reader.join(timeout=2)

    def reload(self) -> None:
        for child in self.children:
            if child.process is None:
                continue
            if child.spec.reload_signal is not None:
                self.say("supervisor", f"reloading {child.spec.name}")
                child.process.send_signal(child.spec.reload_signal)
            else:
                self.say("supervisor", f"restarting {child.spec.name} (reload)")
                self._signal_group(child, signal.SIGTERM)
                try:
                    child.process.wait(child.spec.stop_timeout)
                except subprocess.TimeoutExpired:
                    self._signal_group(child, signal.SIGKILL)
                    child.process.wait()
                child.process = None
                self.start(child)

    # --- main loop ----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stop.set()

    def request_reload(self) -> None:
        self._reload.set()

    def run(self) -> int:
        """Start everything, keep it running until `request_stop()`, then stop everything."""
        for child in self.children:
            self.start(child)
        try:
            while not self._stop.wait(self.poll):
                if self._reload.is_set():
                    self._reload.clear()
                    self.reload()
                now = self.clock()
                for child in self.children:
                    self._reap(child, now)
                    due = child.restart_at is not None and now >= child.restart_at
                    if child.process is None and due:
                        self.start(child)
        finally:
            self.stop_all()
            self.say("supervisor", "stopped")
        return 0


# --- the processes of Tiers Lien -----------------------------------------------------------------


def _manage(*args: str) -> tuple[str, ...]:
    return (sys.executable, str(ROOT / "manage.py"), *args)


def worker_specs(count: int, *, reload: bool) -> list[ProcessSpec]:
    return [
        ProcessSpec(
            f"worker-{i}",
            _manage(
                "db_worker",
                "--queue-name",
                "*",
                "--worker-id",
                process_name("worker", i),
                "--reload" if reload else "--no-reload",
            ),
            # A composition runs up to COMPOSE_TIME_LIMIT (20 s) and then saves: let it end.
            stop_timeout=60.0,
        )
        for i in range(1, count + 1)
    ]


def scheduler_spec() -> ProcessSpec:
    return ProcessSpec("scheduler", _manage("run_scheduler"), stop_timeout=60.0)


def production_processes(workers: int) -> list[ProcessSpec]:
    web = ProcessSpec(
        "web",
        (sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")),
        stop_timeout=40.0,  # gunicorn's graceful_timeout (30 s) and a margin
        reload_signal=signal.SIGHUP,
    )
    return [web, *worker_specs(workers, reload=False), scheduler_spec()]


def development_processes(workers: int, bind: str) -> list[ProcessSpec]:
    web = ProcessSpec("web", _manage("runserver", bind), stop_timeout=10.0)
    return [web, *worker_specs(workers, reload=True), scheduler_spec()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tierslien.operations.supervisor",
        description="Run the web server, the task workers and the scheduler; restart them.",
    )
    parser.add_argument("mode", choices=["prod", "dev"])
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="task workers (default: TASK_WORKERS, else 2 in prod and 1 in dev)",
    )
    parser.add_argument(
        "--bind", default=None, help="dev: HOST:PORT of runserver (default HOST:PORT env)"
    )
    args = parser.parse_args(argv)
    workers = args.workers or env_int("TASK_WORKERS", 2 if args.mode == "prod" else 1)
    if workers < 1:
        parser.error("at least one task worker")
    if args.mode == "prod":
        specs = production_processes(workers)
    else:
        bind = args.bind or f"{env_str('HOST', '127.0.0.1')}:{env_str('PORT', '8000')}"
        specs = development_processes(workers, bind)
    supervisor = Supervisor(specs)
    signal.signal(signal.SIGTERM, lambda signum, frame: supervisor.request_stop())
    signal.signal(signal.SIGINT, lambda signum, frame: supervisor.request_stop())
    signal.signal(signal.SIGHUP, lambda signum, frame: supervisor.request_reload())
    supervisor.say("supervisor", f"{args.mode}: {', '.join(s.name for s in specs)}")
    return supervisor.run()


if __name__ == "__main__":
    raise SystemExit(main())
