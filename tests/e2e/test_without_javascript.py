"""Every main page works with JavaScript turned off (progressive enhancement only)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cast import build_cast
from tests.e2e.conftest import sign_in
from tierslien.portraits.models import Answer


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_language_switch_and_portrait_work_without_javascript(live_server, no_js_page):
    page = no_js_page
    cast = build_cast()
    page.goto(live_server.url + "/")
    page.select_option("header select[name=language]", "en")
    page.locator("header .language-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    sign_in(page, live_server.url, cast.outsider)

    page.goto(f"{live_server.url}/t/{cast.territory.slug}/portrait/edit/")
    page.fill("main input[name=max_km]", "3")
    page.check("main input[name=answer_housing][value=social-tenant]")
    # A sensitive answer without the consent box is refused, and nothing is stored.
    page.check("main input[name=answer_engagement][value=activist]")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".errorlist").first).to_be_attached()  # waits for the answer page
    assert not Answer.objects.filter(portrait__user=cast.outsider).exists()

    page.check("main input[name=consent_engagement]")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    stored = dict(
        Answer.objects.filter(portrait__user=cast.outsider).values_list("criterion__key", "value")
    )
    assert stored == {"housing": "social-tenant", "engagement": "activist"}

    for path in ["/", "/how-it-works/", "/territories/", f"/t/{cast.territory.slug}/", "/me/data/"]:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
