"""A facilitator signs in with password and authenticator code, then adds a venue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cast import build_cast, totp_secret
from tests.e2e.conftest import sign_in
from tierslien.territories.models import Venue


@pytest.mark.django_db(transaction=True)
def test_facilitator_adds_a_venue(live_server, page, outside_requests, shoot):
    cast = build_cast()
    secret = totp_secret(cast.facilitator)

    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)

    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/venues/new/")
    page.fill("main input[name=name]", "Centre social des Landes")
    page.fill("main [name=address]", "3 rue des Landes")
    page.select_option("main select[name=sector]", str(cast.sector.pk))
    page.fill("main input[name=latitude]", "48.115")
    page.fill("main input[name=longitude]", "-1.675")
    page.fill("main input[name=capacity]", "2")
    page.check("main input[name=opening_slots][value=thu-evening]")
    page.check("main input[name=opening_slots][value=sat-afternoon]")
    page.check("main input[name=accessibility][value=step-free]")
    page.check("main input[name=nothing_to_buy]")
    shoot("facilitator-venue-form", full_page=True)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    venue = Venue.objects.get(name="Centre social des Landes")
    assert venue.territory == cast.territory
    assert venue.opening_slots == ["thu-evening", "sat-afternoon"]
    assert venue.nothing_to_buy
    assert "Centre social des Landes" in page.content()
    shoot("facilitator-venues", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_venue_with_errors_shows_them_without_javascript(live_server, browser, shoot):
    cast = build_cast()
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/venues/new/")
    page.fill("main input[name=name]", "Sans lieu")
    page.fill("main input[name=latitude]", "123")
    page.locator("main form button[type=submit]").last.click()
    # Waits for the answer page (the click only starts the navigation): two lists at least.
    expect(page.locator(".errorlist").nth(1)).to_be_attached()
    assert not Venue.objects.filter(name="Sans lieu").exists()
    context.close()
