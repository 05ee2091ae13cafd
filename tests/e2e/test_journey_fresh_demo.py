"""From a fresh `make run` database, without any shell step: a newcomer signs up in
English, fills in the self-portrait and joins the open season of Lienville; the demo
facilitator signs in with her authenticator code, closes registration, composes from the
web, reads the proposal and publishes it; the newcomer has an invitation.

The database is loaded as `make run` loads it (`load_demo`, then the engine's warm-up);
the test then only reads what the pages show and the emails the site sent."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import current_totp
from tierslien.accounts.models import User
from tierslien.circles.models import Membership, MembershipStatus, Season, SeasonState
from tierslien.demo import seasons as demo_seasons
from tierslien.demo import territory as demo
from tierslien.mixing.warmup import warm_up

EMAIL = "robin@example.org"
PASSWORD = "a long walk by the Lienne"
SLUG = demo.TERRITORY_SLUG


def _submit(page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def _link_in(body: str, base: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return base + match.group(1)


def _make_run(settings) -> None:
    """What `make run` does before serving: load the demo, warm the engine up."""
    settings.DEBUG = True  # `load_demo` is for development only
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    settings.DEBUG = False
    warm_up()


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    # A browser set to English: the newcomer reads the site in English.
    return {**browser_context_args, "locale": "en-GB"}


@pytest.mark.django_db(transaction=True)
def test_newcomer_joins_and_the_facilitator_composes_and_publishes(
    live_server, page, outside_requests, settings
):
    _make_run(settings)
    settings.COMPOSE_TIME_LIMIT = 3
    base = live_server.url
    spring = Season.objects.get(territory__slug=SLUG, name=demo_seasons.OPEN_SEASON)
    registered_before = spring.registrations.count()

    # --- The newcomer, in English ---
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("header a[href='/accounts/signup/']").click()
    page.wait_for_load_state()
    page.fill("main input[name=email]", EMAIL)
    page.fill("main input[name=password1]", PASSWORD)
    page.fill("main input[name=password2]", PASSWORD)
    page.fill("main input[name=display_name]", "Robin")
    page.select_option("main select[name=language]", "en")
    page.check("main input[name=accept_terms]")
    _submit(page)
    (confirmation,) = [m for m in mail.outbox if m.to == [EMAIL]]
    page.goto(_link_in(confirmation.body, base))
    _submit(page)
    robin = User.objects.get(email=EMAIL)
    assert robin.language == "en"
    assert robin.emailaddress_set.get().verified

    # The open season is listed; joining asks for the self-portrait first.
    page.goto(f"{base}/t/{SLUG}/seasons/")
    page.locator(f"main a[href='/t/{SLUG}/seasons/{spring.pk}/']").first.click()
    page.wait_for_load_state()
    assert "Join" in page.locator("main").inner_text() or "self-portrait" in page.content()
    page.locator(f"main a[href='/t/{SLUG}/portrait/edit/']").first.click()
    page.wait_for_load_state()
    centre = spring.territory.sectors.get(name="Centre-ville")
    page.select_option("main select[name=sector]", str(centre.pk))
    page.fill("main input[name=max_km]", "8")
    for slot in ("tue-evening", "thu-evening", "sat-morning", "sat-afternoon", "sun-afternoon"):
        page.check(f"main input[name=availability][value={slot}]")
    page.check("main input[name=answer_occupation][value='4']")
    page.check("main input[name=answer_age_bracket][value='25-34']")
    page.check("main input[name=answer_languages][value=fr]")
    page.check("main input[name=answer_languages][value=en]")
    _submit(page)
    assert robin.portraits.filter(territory__slug=SLUG).exists()

    page.goto(f"{base}/t/{SLUG}/seasons/{spring.pk}/")
    # The join form starts from the portrait's times and distance.
    assert page.locator("main input[name=availability][value=sat-afternoon]").is_checked()
    _submit(page)
    assert page.locator("main .message.success").count() >= 1
    assert spring.registrations.count() == registered_before + 1

    # --- The facilitator, with her authenticator code ---
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("main input[name=login]", demo.FACILITATOR_EMAIL)
    page.fill("main input[name=password]", demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile("/2fa/"))
    page.fill("main input[name=code]", current_totp(demo.FACILITATOR_TOTP_SECRET))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url and "/2fa/" not in url)

    page.goto(f"{base}/t/{SLUG}/manage/seasons/")
    compose = page.locator(f"main form[action$='/manage/seasons/{spring.pk}/compose/'] button")
    # The immediate task backend composes during the request (COMPOSE_TIME_LIMIT seconds).
    compose.click(timeout=60_000)
    page.wait_for_load_state()
    spring.refresh_from_db()
    assert spring.state == SeasonState.PROPOSED, spring.job_error or spring.job_message
    page.goto(f"{base}/t/{SLUG}/manage/seasons/")
    page.locator(f"main a[href$='/manage/seasons/{spring.pk}/proposal/']").first.click()
    page.wait_for_load_state()
    circles = page.locator("main article")
    assert circles.count() == spring.circles.count() >= 10
    assert "Robin" in page.locator("main").inner_text()

    # Publishing goes through a confirmation page with a preview of the invitation.
    page.locator(f"main a[href$='/manage/seasons/{spring.pk}/publish/confirm/']").first.click()
    page.wait_for_load_state()
    assert spring.name in page.locator("main").inner_text()
    page.locator(f"main form[action$='/manage/seasons/{spring.pk}/publish/'] button").click()
    page.wait_for_load_state()
    spring.refresh_from_db()
    assert spring.state == SeasonState.PUBLISHED

    # --- The newcomer's invitation ---
    seat = Membership.objects.get(circle__season=spring, user=robin)
    assert seat.status == MembershipStatus.INVITED
    # (besides the receipt of the registration, which has no calendar)
    (invitation,) = [
        m for m in mail.outbox if m.to == [EMAIL] and m is not confirmation and m.attachments
    ]
    link = re.search(r"https?://\S+/invitation/", invitation.body)
    assert link is not None
    page.context.clear_cookies()
    page.goto(base + "/" + link.group(0).split("/", 3)[3])
    page.wait_for_url(re.compile("/accounts/login/"))
    page.fill("main input[name=login]", EMAIL)
    page.fill("main input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile("/invitation/"))
    expect(page.get_by_role("button", name="I will come")).to_be_visible()
