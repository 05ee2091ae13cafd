"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself (reading the outbox, checking rows) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason="/usr/bin/chromium is missing: scripts/system-deps --with-browser"
    )
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1200, "height": 900}}


@pytest.fixture
def outside_requests(page) -> Iterator[list[str]]:
    """Every request the page makes that is not to this machine; tests assert it stays empty."""
    leaked: list[str] = []

    def record(request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.hostname not in LOCAL_HOSTS:
            leaked.append(request.url)

    page.on("request", record)
    yield leaked
    assert leaked == [], f"requests left 127.0.0.1: {leaked}"


@pytest.fixture
def shoot(page, tmp_path: Path):
    """Save a screenshot; into docs/screenshots when UPDATE_SCREENSHOTS=1 (for the README)."""
    target = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path

    def take(name: str, *, full_page: bool = False) -> Path:
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def current_totp(secret: str) -> str:
    """The authenticator code for now, waiting out the last seconds of a 30 s window
    so that a slow machine cannot submit a code that has just expired."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, base_url: str, user, *, totp_secret: str | None = None) -> None:
    """Sign in through the real login pages and wait until the browser has left them."""
    import re

    from tests.cast import PASSWORD

    page.goto(base_url + "/accounts/login/")
    page.fill("main input[name=login]", user.email)
    page.fill("main input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if totp_secret is not None:
        page.wait_for_url(re.compile("/2fa/"))
        page.fill("main input[name=code]", current_totp(totp_secret))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url and "/2fa/" not in url)
