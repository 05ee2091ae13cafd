"""The production stack as `make prod` runs it, for the system test: a scratch PostgreSQL
database, `scripts/prod run` (the supervisor: gunicorn, task workers, scheduler), a browser
made of `http.client`, and the processes found and killed by their pid.

Everything here is bounded in time and torn down by its caller in a `finally` block.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


class Timeout(AssertionError):
    pass


def wait_for[T](
    what: str, check: Callable[[], T | None], *, seconds: float, every: float = 0.2
) -> T:
    """Call `check` until it returns something truthy, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"waited {seconds:.0f} s for {what}")
        time.sleep(every)


# --- the scratch database ----------------------------------------------------------------------


@dataclass
class ScratchDatabase:
    """A database of its own on the server DATABASE_URL points at, dropped at the end."""

    server_url: str  # the test run's DATABASE_URL: host, port and user are reused
    name: str = field(default_factory=lambda: f"systest_{os.getpid()}_{uuid.uuid4().hex[:8]}")

    @property
    def url(self) -> str:
        parts = urlsplit(self.server_url)
        return parts._replace(scheme="postgres", path=f"/{self.name}").geturl()

    def _admin(self) -> psycopg.Connection[Any]:
        parts = urlsplit(self.server_url)
        return psycopg.connect(
            parts._replace(scheme="postgresql", path="/postgres").geturl(),
            autocommit=True,
            connect_timeout=10,
        )

    def create(self) -> None:
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return list(connection.execute(sql, params).fetchall())  # type: ignore[arg-type]

    def connect(self) -> psycopg.Connection[Any]:
        parts = urlsplit(self.url)
        return psycopg.connect(
            parts._replace(scheme="postgresql").geturl(), autocommit=True, connect_timeout=10
        )

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5432

    def value(self, sql: str, *params: object) -> Any:
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None


# --- processes ---------------------------------------------------------------------------------


def production_env(database_url: str, *, bind: str, smtp_port: int, **extra: str) -> dict[str, str]:
    """What an operator's environment file would hold, pointed at the scratch database and
    the test's SMTP server. The reverse proxy's HTTPS is played by X-Forwarded-Proto."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "NUMBA_CACHE_DIR")
    host, port = bind.rsplit(":", 1)
    return {
        **{key: os.environ[key] for key in keep if key in os.environ},
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": host,
        "SITE_URL": f"https://{host}:{port}",
        "BEHIND_PROXY": "true",
        "BIND": bind,
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "5",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def setup(env: dict[str, str]) -> None:
    """`scripts/prod setup` without the virtualenv (shared) and the translations (the pages
    work in English without them): migrate, cache table, static files, engine kernels."""
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "-v0")
    subprocess.run(
        [str(PYTHON), "-m", "tierslien.mixing.warmup"], cwd=ROOT, env=env, check=True, timeout=180
    )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def children(pid: int) -> list[int]:
    """Live child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


class Stack:
    """`scripts/prod run` in its own process group, its output in a file."""

    STARTED = re.compile(r"\| started (\S+) \(pid (\d+)\)")

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.seen: set[int] = set()  # every child pid ever started, for the teardown

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "prod"), "run"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """The latest pid of each child, from the supervisor's `started` lines."""
        latest = {name: int(pid) for name, pid in self.STARTED.findall(self.log())}
        self.seen.update(latest.values())
        return latest

    def pid_of(self, name: str) -> int:
        return self.pids()[name]

    def web_workers(self) -> list[int]:
        return children(self.pid_of("web"))

    def stop(self, *, grace: float = 45.0) -> None:
        """SIGTERM to the supervisor (it stops its children); SIGKILL whatever is left."""
        if self.process is None:
            return
        self.pids()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        leftovers = [pid for pid in sorted(self.seen) if pid_alive(pid)]
        if self.process.poll() is None:
            leftovers.append(self.process.pid)
        for pid in leftovers:  # each child leads its own process group (start_new_session)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


# --- a browser of sorts ------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def csrf(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.body)
        assert match, f"no CSRF token on the page (HTTP {self.status})"
        return match.group(1)


class Browser:
    """Plain HTTP to gunicorn, as the reverse proxy would forward it: `X-Forwarded-Proto:
    https`, so the secure cookies and HTTPS-only CSRF checks of production apply. Cookies
    are kept by hand (a cookie jar would not send Secure cookies over http://)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}

    def headers(self, path: str) -> dict[str, str]:
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "en",
            "Referer": self.origin + path,
            "Origin": self.origin,
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def keep_cookies(self, message: http.client.HTTPMessage) -> None:
        for raw in message.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def open(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        *,
        sent: Callable[[tuple[str, int]], None] | None = None,
    ) -> Response:
        """One request on a fresh connection; `sent(client address)` is called once the
        request is on the wire, before its response is read."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            headers = self.headers(path)
            body = None
            if method == "POST":
                body = urlencode(data or {})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.connect()
            client = connection.sock.getsockname()
            connection.request(method, path, body=body, headers=headers)
            if sent is not None:
                sent(client)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
        finally:
            connection.close()
        self.keep_cookies(response.headers)
        return response

    def get(self, path: str) -> Response:
        return self.open("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Response:
        return self.open("POST", path, data)


# --- which gunicorn worker serves a connection -------------------------------------------------


def _hex_address(host: str, port: int) -> str:
    packed = bytes(int(part) for part in host.split("."))
    return f"{int.from_bytes(packed, 'little'):08X}:{port:04X}"


def server_socket_inode(server: tuple[str, int], client: tuple[str, int]) -> int | None:
    """The inode of the server's end of the TCP connection from `client` (/proc/net/tcp)."""
    local, remote = _hex_address(*server), _hex_address(*client)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote and fields[9] != "0":
            return int(fields[9])
    return None


def socket_inodes(pid: int) -> set[int]:
    found = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    found.add(int(target[8:-1]))
    return found


def local_ports_to(pid: int, remote_port: int) -> list[int]:
    """The local ports of `pid`'s TCP connections to `remote_port` (its database sessions)."""
    inodes = socket_inodes(pid)
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[9]) in inodes and int(fields[2].split(":")[1], 16) == remote_port:
            ports.append(int(fields[1].split(":")[1], 16))
    return ports


def holder_of(inode: int, pids: list[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == target:
                        return pid
    return None
