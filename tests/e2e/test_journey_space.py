"""A member enters their circle's space: pact, board, "I'll come", the speaking-round timer."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.cast import build_cast
from tests.e2e.conftest import sign_in
from tierslien.circles.models import Circle, Membership, Season, SeasonState, monday_of
from tierslien.spaces.models import Attendance, Message, PactAcceptance


def _circle_with_alice_and_bob():
    cast = build_cast()
    cast.participant.language = "en"
    cast.participant.save(update_fields=["language"])
    today = timezone.localdate()
    season = Season.objects.create(
        territory=cast.territory,
        name="Autumn circles",
        registration_opens=today - datetime.timedelta(days=30),
        registration_closes=today - datetime.timedelta(days=10),
        first_week=monday_of(today + datetime.timedelta(days=7)),
        state=SeasonState.RUNNING,
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    for user in (cast.participant, cast.co_member):
        Membership.objects.create(circle=circle, user=user)
    return cast, circle


def _sign_in(page, live_server, cast) -> None:
    sign_in(page, live_server.url, cast.participant)


@pytest.mark.django_db(transaction=True)
def test_member_accepts_the_pact_posts_answers_and_runs_the_timer(
    live_server, page, outside_requests, shoot
):
    cast, circle = _circle_with_alice_and_bob()
    page.clock.install()  # time flows normally; fast-forwarded at the end of a turn
    _sign_in(page, live_server, cast)

    page.goto(f"{live_server.url}/circles/{circle.pk}/board/")
    page.wait_for_url(re.compile(r"/pact/$"))
    page.get_by_label("I accept the circle's pact").check()
    page.get_by_role("button", name="Enter the circle").click()
    page.wait_for_url(re.compile(rf"/circles/{circle.pk}/$"))
    assert PactAcceptance.objects.filter(circle=circle, user=cast.participant).exists()
    expect(page.locator("main")).to_contain_text("Bob")

    page.get_by_role("link", name="Messages").click()
    page.fill("main textarea[name=text]", "Hello everyone!\nSee you on Tuesday.")
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state()
    expect(page.locator("ol.board")).to_contain_text("See you on Tuesday.")
    assert Message.objects.get().author == cast.participant

    page.get_by_role("link", name="Sessions").click()
    page.get_by_role("button", name="I'll come").first.click()
    page.wait_for_load_state()
    expect(page.locator("ol.sessions li").first).to_contain_text("Coming: Alice")
    assert Attendance.objects.get(session=1).answer == "coming"

    page.get_by_role("link", name="Session guide").click()
    page.fill("main input[name=minutes]", "1")
    page.get_by_role("button", name="Set the timer").click()
    page.wait_for_load_state()
    digits = page.locator("#timer-digits")
    expect(digits).to_have_text("01:00")
    expect(page.locator("#timer-speaker")).to_have_text("Alice")
    page.get_by_role("button", name="Start").click()
    expect(digits).not_to_have_text("01:00", timeout=5_000)
    assert re.fullmatch(r"00:[0-5]\d", digits.inner_text())
    page.get_by_role("button", name="Pause").click()
    shoot("circle-space")
    page.get_by_role("button", name="Next speaker").click()
    expect(page.locator("#timer-speaker")).to_have_text("Bob")
    expect(digits).to_have_text("01:00")
    # At the end of a turn: zero, a gentle visual cue and a word, no sound.
    page.get_by_role("button", name="Start").click()
    page.clock.fast_forward(61_000)
    expect(digits).to_have_text("00:00")
    expect(page.locator("#timer")).to_have_class(re.compile(r"\bended\b"))
    expect(page.locator("#timer-status")).to_have_text("Time is up")


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_guide_works_without_javascript(live_server, no_js_page):
    page = no_js_page
    cast, circle = _circle_with_alice_and_bob()
    PactAcceptance.objects.create(circle=circle, user=cast.participant, accepted_at=timezone.now())
    _sign_in(page, live_server, cast)
    page.goto(f"{live_server.url}/circles/{circle.pk}/guide/")
    assert page.locator("#timer-buttons").is_hidden()
    expect(page.locator("main")).to_contain_text("A round of sharing")
    expect(page.locator("main")).to_contain_text("about 4 minutes, in this order")
    page.fill("main input[name=minutes]", "6")
    page.get_by_role("button", name="Set the timer").click()
    page.wait_for_load_state()
    expect(page.locator("#timer-digits")).to_have_text("06:00")
