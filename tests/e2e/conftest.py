"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # scripts/node-deps, never a CDN
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


# Runs axe-core once on the document in the page and returns its violations, one line
# each (rule, impact, help, the first nodes' selectors); null when already done, or when
# axe is absent (about:blank, a page without JavaScript). A click may leave the next
# document still being parsed (its URL already in view, its <main> not yet): axe waits for
# the whole document, or it reads a half page (CI on 9fd495c: no main landmark).
AXE_RUN = """async () => {
  if (typeof window.axe === "undefined" || window.__axeChecked) { return null; }
  window.__axeChecked = true;
  if (document.readyState === "loading") {
    await new Promise(done => document.addEventListener("DOMContentLoaded", done, {once: true}));
  }
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help} — ` +
    v.nodes.slice(0, 5).map(n => n.target.join(" ")).join(", ") +
    (v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ""));
}"""

# The actions that can take the browser to another document: the page in view is checked
# before each of them (once per document), and once more when the test ends.
ACTIONS = {
    Page: ("goto", "go_back", "reload", "click", "dblclick", "tap", "fill", "press", "type",
           "check", "uncheck", "set_checked", "select_option", "set_input_files", "dispatch_event"),
    Locator: ("click", "dblclick", "tap", "fill", "press", "press_sequentially", "type",
              "check", "uncheck", "set_checked", "select_option", "set_input_files",
              "dispatch_event"),
}  # fmt: skip


class AxeWatch:
    """axe-core on every page a browser test visits.

    axe is added to every document of the test's browser contexts (an init script, from
    node_modules: never a CDN). Before any action that may leave the page (a click, a
    submitted form, a `goto`), the document in view is checked if it was not yet, so each
    page the journey saw is checked in the state it arrived in; violations are gathered,
    page by page, and fail the test at its end.
    """

    def __init__(self) -> None:
        self.violations: dict[str, list[str]] = {}
        self.checked = 0
        self.without_javascript: set[int] = set()  # contexts where axe cannot run

    def check(self, page: Page) -> None:
        if page.is_closed() or id(page.context) in self.without_javascript:
            return
        if not page.url.startswith("http"):  # about:blank (a new tab before its first page)
            return
        try:
            found = page.evaluate(AXE_RUN)
        except PlaywrightError:  # the document went away meanwhile (a script navigated)
            return
        if found is None:
            return
        self.checked += 1
        lines = self.violations.setdefault(page.url, [])
        lines.extend(line for line in found if line not in lines)
        if not lines:
            del self.violations[page.url]

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for cls, names in ACTIONS.items():
            for name in names:
                monkeypatch.setattr(cls, name, self._checked_first(getattr(cls, name)))
        original_new_context = Browser.new_context

        def new_context(browser: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
            context = original_new_context(browser, *args, **kwargs)
            if kwargs.get("java_script_enabled") is False:
                self.without_javascript.add(id(context))
            else:
                context.add_init_script(path=str(AXE))
            return context

        monkeypatch.setattr(Browser, "new_context", new_context)

    def _checked_first(self, action: Callable[..., Any]) -> Callable[..., Any]:
        watch = self

        @functools.wraps(action)
        def run(target: Page | Locator, *args: Any, **kwargs: Any) -> Any:
            watch.check(target if isinstance(target, Page) else target.page)
            return action(target, *args, **kwargs)

        return run

    def report(self) -> str:
        return "\n".join(
            f"{url}\n  " + "\n  ".join(lines) for url, lines in self.violations.items()
        )


@pytest.fixture
def axe_watch(context: BrowserContext, monkeypatch: pytest.MonkeyPatch) -> AxeWatch:
    watch = AxeWatch()
    if AXE.exists():
        context.add_init_script(path=str(AXE))
        watch.patch(monkeypatch)
    return watch


@pytest.fixture
def page(page: Page, axe_watch: AxeWatch) -> Iterator[Page]:
    """pytest-playwright's page, checked by axe-core on every document it shows; the test
    fails on any violation."""
    yield page
    for shown in page.context.browser.contexts if page.context.browser else [page.context]:
        for other in shown.pages:
            axe_watch.check(other)
    if os.environ.get("AXE_DEBUG"):
        print(f"axe checked {axe_watch.checked} documents")
    assert not axe_watch.violations, "axe-core found accessibility violations:\n" + (
        axe_watch.report()
    )


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
