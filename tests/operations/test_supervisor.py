"""The supervisor keeps its children running: restarts with back-off, stops and reloads them."""

from __future__ import annotations

import io
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tierslien.operations.supervisor import (
    Backoff,
    ProcessSpec,
    Supervisor,
    development_processes,
    production_processes,
)

# A long stable_after: under load, even `sys.exit(3)` may take a while to start and exit.
FAST = Backoff(first=0.05, longest=0.2, stable_after=30.0)


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def running() -> Iterator[Callable[..., tuple[Supervisor, io.StringIO]]]:
    started: list[tuple[Supervisor, threading.Thread]] = []

    def start(*specs: ProcessSpec, backoff: Backoff = FAST) -> tuple[Supervisor, io.StringIO]:
        out = io.StringIO()
        supervisor = Supervisor(specs, backoff=backoff, output=out, poll=0.02)
        thread = threading.Thread(target=supervisor.run, daemon=True)
        thread.start()
        started.append((supervisor, thread))
        return supervisor, out

    yield start
    for supervisor, thread in started:
        supervisor.request_stop()
        thread.join(30)
        assert not thread.is_alive()


def test_backoff_doubles_up_to_its_longest() -> None:
    backoff = Backoff(first=1, longest=60)
    assert [backoff.delay(n) for n in (1, 2, 3, 6, 7, 20)] == [1, 2, 4, 32, 60, 60]


def test_a_child_that_exits_is_restarted_with_a_log_line_each_time(running) -> None:
    supervisor, out = running(ProcessSpec("crasher", python("import sys; sys.exit(3)")))
    child = supervisor.children[0]
    wait_for(lambda: child.restarts >= 3)
    log = out.getvalue()
    assert "crasher exited with code 3" in log
    assert "restart #1 in 0.1 s" in log  # 0.05, rounded
    assert "restart #3 in 0.2 s" in log  # doubled, then capped at the longest back-off
    assert log.count("started crasher") >= 3


def test_a_child_that_ran_long_enough_restarts_at_once(running) -> None:
    code = "import time; time.sleep(0.6)"
    backoff = Backoff(first=0.05, longest=0.2, stable_after=0.5)
    supervisor, out = running(ProcessSpec("steady", python(code)), backoff=backoff)
    wait_for(lambda: supervisor.children[0].restarts >= 1)
    assert "restart #1 in 0.0 s" in out.getvalue()
    assert supervisor.children[0].failures == 0


def test_output_is_prefixed_with_the_childs_name(running) -> None:
    code = "print('hello from the child', flush=True); import time; time.sleep(30)"
    _, out = running(ProcessSpec("talker", python(code)))
    wait_for(lambda: "hello from the child" in out.getvalue())
    line = next(line for line in out.getvalue().splitlines() if "hello" in line)
    assert "talker" in line and line.endswith("| hello from the child")


def test_stop_terminates_every_child_and_kills_one_that_ignores_sigterm() -> None:
    ignoring = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    out = io.StringIO()
    supervisor = Supervisor(
        [
            ProcessSpec("sleeper", python("import time; time.sleep(60)")),
            ProcessSpec("stubborn", python(ignoring), stop_timeout=0.5),
        ],
        backoff=FAST,
        output=out,
        poll=0.02,
    )
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: "ready" in out.getvalue())
    processes = [child.process for child in supervisor.children]
    supervisor.request_stop()
    thread.join(20)
    assert not thread.is_alive()
    assert all(p is not None and p.poll() is not None for p in processes)
    assert "stubborn did not stop in time: killed" in out.getvalue()


def test_reload_signals_the_web_server_and_restarts_the_others(running, tmp_path) -> None:
    marker = tmp_path / "hup"
    web = (
        "import pathlib, signal, time\n"
        f"signal.signal(signal.SIGHUP, lambda *a: pathlib.Path({str(marker)!r}).touch())\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    supervisor, out = running(
        ProcessSpec("web", python(web), reload_signal=signal.SIGHUP),
        ProcessSpec("worker", python("import time; time.sleep(60)")),
    )
    wait_for(lambda: "ready" in out.getvalue())
    first_worker = supervisor.children[1].process
    supervisor.request_reload()
    wait_for(marker.exists)
    wait_for(lambda: supervisor.children[1].process is not first_worker)
    assert "restarting worker (reload)" in out.getvalue()
    assert supervisor.children[0].restarts == 0


def test_names_must_be_unique() -> None:
    spec = ProcessSpec("a", ("true",))
    with pytest.raises(ValueError, match="unique"):
        Supervisor([spec, spec])


def test_production_runs_gunicorn_the_workers_and_the_scheduler() -> None:
    specs = production_processes(3)
    assert [s.name for s in specs] == ["web", "worker-1", "worker-2", "worker-3", "scheduler"]
    assert specs[0].argv[1:3] == ("-m", "gunicorn") and specs[0].reload_signal == signal.SIGHUP
    worker_ids = [s.argv[s.argv.index("--worker-id") + 1] for s in specs[1:4]]
    assert len(set(worker_ids)) == 3 and all(len(w) <= 64 for w in worker_ids)
    assert all("--no-reload" in s.argv for s in specs[1:4])
    assert specs[-1].argv[-1] == "run_scheduler"


def test_development_runs_the_same_worker_and_scheduler_beside_runserver() -> None:
    specs = development_processes(1, "127.0.0.1:8000")
    assert [s.name for s in specs] == ["web", "worker-1", "scheduler"]
    assert specs[0].argv[-2:] == ("runserver", "127.0.0.1:8000")
    assert (
        specs[1].argv[2] == "db_worker" and specs[2].argv[2:] == production_processes(1)[2].argv[2:]
    )
