"""Time the first request a freshly started gunicorn answers (bounded, cleans up after itself).

    .venv/bin/python bench/first_request.py [--runs 3] [--workers 2] [--path /] [--env K=V ...]

For each run: start `gunicorn tierslien.wsgi` on a free 127.0.0.1 port with production-like
settings (DEBUG off, manifest static files, so `collectstatic` must have run), wait until the
port accepts connections, then time the first `GET <path>` (connect to last byte) and the
time from launch to that response. The server is stopped after each run (SIGTERM, then
SIGKILL after 10 s); a run that takes more than `--timeout` seconds is abandoned.

Both times matter: with gunicorn's `preload_app` (gunicorn.conf.py) the port opens only once
the application is loaded, so the first request is fast but the launch takes the load;
without it the port opens at once and the first request waits for a worker to boot.

The database is whatever DATABASE_URL points at (it must be migrated). `--env
ENGINE_WARM_UP_WEB=true` re-enables the engine's warm-up in the web process, which is how the
"before" figure of bench/RESULTS.md is reproduced on the current code.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def one_run(args: argparse.Namespace, env: dict[str, str]) -> tuple[float, float, int]:
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "tierslien.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    # Gunicorn reads ./gunicorn.conf.py by default; /dev/null is "no configuration".
    config = ROOT / "gunicorn.conf.py"
    command += ["--config", "/dev/null" if args.no_config or not config.exists() else str(config)]
    launched = time.monotonic()
    deadline = launched + args.timeout
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port, deadline)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
        started = time.monotonic()
        connection.request("GET", args.path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        done = time.monotonic()
        connection.close()
        return done - started, done - launched, response.status
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--path", default="/")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--no-config",
        action="store_true",
        help="ignore gunicorn.conf.py (gunicorn's defaults: no preload), as before it existed",
    )
    parser.add_argument("--env", action="append", default=[], help="extra KEY=VALUE")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("DEBUG", "false")
    env.setdefault("SECRET_KEY", "bench-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    env.setdefault("SECURE_SSL_REDIRECT", "false")
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    firsts: list[float] = []
    for run in range(1, args.runs + 1):
        first, since_launch, status = one_run(args, env)
        firsts.append(first)
        print(
            f"run {run}: first GET {args.path} -> {status} in {first:.2f} s "
            f"({since_launch:.2f} s after launch)",
            flush=True,
        )
        if status != 200:
            print(f"unexpected status {status}", file=sys.stderr)
    print(
        f"median first request {statistics.median(firsts):.2f} s "
        f"(min {min(firsts):.2f}, max {max(firsts):.2f}), load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
