"""Layout on a phone: no page scrolls sideways at 360 px, and the header stays small.

The pages are those of the URL matrix (tests/security/test_url_matrix.py) that an anonymous
visitor, a participant and a facilitator are served, over the same small world: home,
territory, sign-up, portrait, seasons, the circle's space, my data, meetings, evenings and
the management pages. axe-core checks each of them on the way (tests/e2e/conftest.py).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from tests.cast import build_cast, totp_secret
from tests.e2e.conftest import AxeWatch, sign_in
from tests.security.test_url_matrix import PATTERNS, arguments
from tests.security.world import World, build_world

PHONE = {"width": 360, "height": 740}

ANONYMOUS = (
    "home",
    "how_it_works",
    "territory_list",
    "territory_detail",
    "account_login",
    "account_signup",
    "account_reset_password",
    "legal_privacy",
    "meeting_public_list",
    "meeting_public",
    "meeting_draw",
    "meeting_contribute",
)
PARTICIPANT = (
    "profile",
    "account_email",
    "account_change_password",
    "my_data",
    "delete_account",
    "my_circles",
    "portrait_detail",
    "portrait_edit",
    "season_list",
    "season_detail",
    "circle_invitation",
    "circle_home",
    "circle_pact",
    "circle_intro",
    "circle_sessions",
    "circle_guide",
    "circle_board",
    "circle_aid",
    "feedback_circle",
    "moderation_circle",
    "meeting_my_seat",
)
FACILITATOR = (
    "mfa_index",
    "manage_territory",
    "manage_sector_list",
    "manage_venue_list",
    "manage_venue_create",
    "manage_criteria",
    "manage_criterion_edit",
    "manage_season_list",
    "manage_season_create",
    "manage_season_circles",
    "manage_season_report",
    "manage_report_list",
    "evening_list",
    "evening_create",
    "evening_detail",
    "evening_checkin",
    "meeting_manage_list",
    "meeting_manage",
    "meeting_edit",
    "meeting_seats_manage",
    "meeting_quotas",
    "meeting_day",
)

# The widest elements of a page that scrolls sideways, to say what to fix.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) { return null; }
  const name = e => e.tagName.toLowerCase() +
    (e.className ? "." + String(e.className).split(" ").join(".") : "");
  const wide = [...document.querySelectorAll("main *, footer *")]
    .filter(e => e.getBoundingClientRect().right > width + 1).map(name);
  const px = document.documentElement.scrollWidth;
  return px + " px wide: " + [...new Set(wide)].slice(0, 8).join(", ");
}"""


def url_of(world: World, name: str) -> str:
    return reverse(name, kwargs=arguments(world, PATTERNS[name]))


def visit(page, base: str, world: World, names: tuple[str, ...]) -> list[str]:
    wide = []
    for name in names:
        url = url_of(world, name)
        response = page.goto(base + url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            wide.append(f"{url}: {overflow}")
    return wide


@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_at_360_px(live_server, page, axe_watch: AxeWatch):
    world = build_world(build_cast())
    cast = world.cast
    page.set_viewport_size(PHONE)
    wide = visit(page, live_server.url, world, ANONYMOUS)
    sign_in(page, live_server.url, cast.participant)
    wide += visit(page, live_server.url, world, PARTICIPANT)
    page.context.clear_cookies()
    sign_in(page, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator))
    wide += visit(page, live_server.url, world, FACILITATOR)
    assert not wide, "pages wider than a 360 px phone:\n" + "\n".join(wide)
    assert axe_watch.checked >= len(ANONYMOUS + PARTICIPANT + FACILITATOR)


HEADER = "() => document.querySelector('.site-header').getBoundingClientRect().height"


@pytest.mark.django_db(transaction=True)
def test_the_header_takes_little_of_a_phone_screen_and_opens_a_menu(live_server, page):
    cast = build_cast()
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server.url + "/")
    assert page.evaluate(HEADER) <= 0.15 * 667
    sign_in(page, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator))
    page.goto(live_server.url + "/")
    assert page.evaluate(HEADER) <= 0.15 * 667
    menu = page.locator(".site-header details.menu")
    assert not page.get_by_role("link", name="Mes données").is_visible()
    menu.locator("summary").click()
    page.get_by_role("link", name="Mes données").click()
    page.wait_for_url("**/me/data/")


def test_axe_reports_a_violation(live_server, page):
    """The watch itself: an image without a text alternative is reported."""
    page.goto(live_server.url + "/how-it-works/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x.png>')"
    )
    watch = AxeWatch()
    watch.check(page)
    assert any(
        line.startswith("image-alt") for lines in watch.violations.values() for line in lines
    )


class _SlowPage(BaseHTTPRequestHandler):
    """A valid page sent in two parts, a second apart: the browser shows its URL and its
    first part (a skip link) before <main> arrives, as on a slow server after a click."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(
            b'<!doctype html><html lang="fr"><head><title>Lent</title></head><body>'
            b'<a class="skip-link" href="#contenu">Aller au contenu</a>'
        )
        self.wfile.flush()
        time.sleep(1)
        self.wfile.write(b'<main id="contenu" tabindex="-1"><h1>Lent</h1></main></body></html>')

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_axe_reads_a_page_only_once_it_has_arrived(page):
    """A check made while the document is still being parsed waits for all of it (else a
    half page reads as one without a main landmark)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/", wait_until="commit")
        page.wait_for_selector(".skip-link", state="attached")
        assert page.evaluate("document.readyState") == "loading"
        watch = AxeWatch()
        watch.check(page)
        assert watch.checked == 1
        assert watch.violations == {}
    finally:
        server.shutdown()
