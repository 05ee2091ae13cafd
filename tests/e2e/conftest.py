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
