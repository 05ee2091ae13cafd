"""Two real server processes share one database and so one cache: a TOTP code accepted by
one is refused by the other, and failed logins add up across both.

With a per-process cache (LocMemCache) each process kept its own list of used codes and
its own failed-login counts: replaying a code or alternating processes got through.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from tests.cast import PASSWORD, Cast, totp_secret
from tierslien.accounts.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
START_ATTEMPTS = 3  # per server, when one stops before it accepts connections


class Browser:
    """A tiny cookie-keeping HTTP client for one server (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            # One site behind both processes, as behind a proxy (allauth keys on the host).
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        status, location, text = (
            response.status,
            response.getheader("Location", ""),
            response.read().decode(),
        )
        conn.close()
        return status, location, text

    def sign_in_with_password(self, email: str, password: str) -> tuple[int, str]:
        self.request("GET", "/accounts/login/")
        status, location, _ = self.request(
            "POST", "/accounts/login/", {"login": email, "password": password}
        )
        return status, location

    def enter_code(self, code: str) -> tuple[int, str]:
        self.request("GET", "/accounts/2fa/authenticate/")
        status, location, _ = self.request("POST", "/accounts/2fa/authenticate/", {"code": code})
        return status, location

    def is_signed_in(self) -> bool:
        status, _, _ = self.request("GET", "/me/data/")
        return status == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url(tmp_path: Path) -> str:
    """A URL the servers can open: the test database itself, or a file copy of SQLite's."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "shared.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        return f"sqlite:///{copy}"
    params = connection.settings_dict
    host = params["HOST"] or "127.0.0.1"
    user = params["USER"] or "postgres"
    return f"postgres://{user}@{host}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.fixture
def two_servers(cast: Cast, tmp_path: Path) -> Iterator[tuple[int, int]]:
    # The servers know the production hashers only, not the tests' fast one.
    argon2 = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    User.objects.filter(pk__in=[cast.facilitator.pk, cast.participant.pk]).update(password=argon2)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "DEBUG": "true",
        "ENGINE_WARM_UP": "false",
        "MFA_ENCRYPTION_KEYS": ",".join(settings.MFA_ENCRYPTION_KEYS),
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    logs = [tmp_path / "server-0.log", tmp_path / "server-1.log"]

    def start(k: int) -> tuple[int, subprocess.Popen[bytes]]:
        port = _free_port()
        with logs[k].open("ab") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    "--noreload",
                    "--skip-checks",
                    f"127.0.0.1:{port}",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return port, server

    started = [start(0), start(1)]
    try:
        deadline = time.monotonic() + START_TIMEOUT
        for k in range(2):
            attempts = 1
            while True:
                port, server = started[k]
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None and attempts < START_ATTEMPTS:
                        # It stopped (its port was taken between the probe and its bind,
                        # say): a new one on another port.
                        attempts += 1
                        started[k] = start(k)
                        continue
                    if time.monotonic() > deadline or server.poll() is not None:
                        tails = [log.read_text(errors="replace")[-2000:] for log in logs]
                        pytest.fail(f"the servers did not start in time: {tails}")
                    time.sleep(0.2)
        yield started[0][0], started[1][0]
    finally:
        for _port, server in started:
            server.terminate()
        for _port, server in started:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _fresh_code(user: User) -> str:
    """The current code, taken early enough in its 30-second window to be used twice."""
    if 30 - time.time() % 30 < 8:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(totp_secret(user), int(time.time()) // 30))


def test_two_processes_share_used_codes_and_failed_logins(
    two_servers: tuple[int, int], cast: Cast
) -> None:
    # A TOTP code accepted by the first process is refused when replayed on the second.
    first, second = Browser(two_servers[0]), Browser(two_servers[1])
    code_step = "/accounts/2fa/authenticate/"
    assert first.sign_in_with_password(cast.facilitator.email, PASSWORD) == (302, code_step)
    assert second.sign_in_with_password(cast.facilitator.email, PASSWORD) == (302, code_step)
    code = _fresh_code(cast.facilitator)
    assert first.enter_code(code)[0] == 302
    assert second.enter_code(code)[0] == 200  # the form again: code already used
    assert first.is_signed_in()
    assert not second.is_signed_in()

    # Failed logins add up: 5 wrong passwords in 5 minutes lock the account, although
    # the second process saw only two of them.
    browsers = [Browser(port) for port in two_servers]
    for attempt in range(5):
        wrong = f"wrong {attempt}"
        assert browsers[attempt % 2].sign_in_with_password(cast.participant.email, wrong)[0] == 200
    assert browsers[1].sign_in_with_password(cast.participant.email, PASSWORD)[0] == 200
    assert not browsers[1].is_signed_in()
    # (and the right password does work when the budget is not spent)
    assert Browser(two_servers[0]).sign_in_with_password(cast.facilitator.email, PASSWORD)[0] == 302
