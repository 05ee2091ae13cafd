"""A newcomer signs up, confirms by email, fills the self-portrait (first without, then with
the sensitive question), looks at their data, exports it and deletes the account."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from tests.cast import PASSWORD, build_cast
from tierslien.accounts.models import Consent, User
from tierslien.portraits.models import Answer


def _confirm_link(body: str, base: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return base + match.group(1)


def _save(page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_sign_up_portrait_my_data_export_and_delete(live_server, page, outside_requests, shoot):
    cast = build_cast()
    page.goto(live_server.url + "/")
    shoot("home")
    page.locator("header a[href='/accounts/signup/']").click()
    page.fill("main input[name=email]", "nadia@example.org")
    page.fill("main input[name=password1]", PASSWORD)
    page.fill("main input[name=password2]", PASSWORD)
    page.fill("main input[name=display_name]", "Nadia")
    page.select_option("main select[name=language]", "fr")
    page.check("main input[name=accept_terms]")
    shoot("signup")
    _save(page)
    assert len(mail.outbox) == 1

    page.goto(_confirm_link(mail.outbox[0].body, live_server.url))
    _save(page)
    nadia = User.objects.get(email="nadia@example.org")
    assert nadia.emailaddress_set.get().verified

    # The self-portrait, without the sensitive question.
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/")
    page.locator(f"main a[href$='/t/{cast.territory.slug}/portrait/edit/']").first.click()
    page.select_option("main select[name=sector]", str(cast.sector.pk))
    page.fill("main input[name=max_km]", "4")
    page.check("main input[name=availability][value=tue-evening]")
    page.check("main input[name=availability][value=sat-morning]")
    page.check("main input[name=answer_occupation][value='5']")
    page.check("main input[name=answer_age_bracket][value='25-34']")
    page.check("main input[name=answer_languages][value=fr]")
    shoot("portrait-form", full_page=True)
    _save(page)
    portrait = nadia.portraits.get()
    assert portrait.availability == ["tue-evening", "sat-morning"]
    keys = set(Answer.objects.filter(portrait=portrait).values_list("criterion__key", flat=True))
    assert keys == {"occupation", "age_bracket", "languages"}
    assert not Consent.objects.filter(user=nadia, subject__startswith="question:").exists()

    # Then with it: an explicit, separate consent, then the answer.
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/portrait/edit/")
    page.check("main input[name=consent_engagement]")
    page.check("main input[name=answer_engagement][value=curious]")
    _save(page)
    assert Answer.objects.get(portrait=portrait, criterion__key="engagement").value == "curious"
    assert Consent.objects.get(user=nadia, subject="question:engagement").withdrawn_at is None
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/portrait/")
    shoot("portrait", full_page=True)

    page.goto(live_server.url + "/me/data/")
    assert "nadia@example.org" in page.content()
    # Readable and short: codes in words, empty sections named in one sentence.
    text = page.locator("main").inner_text()
    for code in ("tue-evening", "question:engagement", "Staff status", "staff status"):
        assert code not in text
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"my data page: {height} px")
    assert height < 4000, height
    shoot("my-data", full_page=True)
    with page.expect_download() as download_info:
        page.locator("main a[download]").first.click()
    with open(download_info.value.path(), encoding="utf-8") as exported_file:
        exported = json.load(exported_file)
    assert exported["data"]["account"][0]["display_name"] == "Nadia"
    assert {"criterion__key": "engagement"}.items() <= next(
        row for row in exported["data"]["answers"] if row["criterion__key"] == "engagement"
    ).items()

    page.goto(live_server.url + "/me/delete/")
    page.check("main input[name=confirm]")
    page.once("dialog", lambda dialog: dialog.accept())
    _save(page)
    assert not User.objects.filter(email="nadia@example.org").exists()
    assert not Answer.objects.filter(portrait__user_id=nadia.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_english_newcomer_signs_up_in_english_and_switches_to_french(
    live_server, browser, outside_requests
):
    """The browser speaks English: the sign-up page and the account are English without
    touching the language list; the header switch then stores French and says so in it."""
    build_cast()
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("main input[name=email]", "sam@example.org")
    page.fill("main input[name=password1]", PASSWORD)
    page.fill("main input[name=password2]", PASSWORD)
    page.fill("main input[name=display_name]", "Sam")
    page.check("main input[name=accept_terms]")
    _save(page)
    sam = User.objects.get(email="sam@example.org")
    assert sam.language == "en"
    assert "confirm" in mail.outbox[0].subject.lower()
    page.goto(_confirm_link(mail.outbox[0].body, live_server.url))
    _save(page)

    with page.expect_navigation():  # the switch submits itself when it changes
        page.select_option("header select[name=language]", "fr")
    page.wait_for_load_state()
    sam.refresh_from_db()
    assert sam.language == "fr"
    assert page.locator("html").get_attribute("lang") == "fr"
    messages = page.locator("main .messages li").all_inner_texts()
    assert messages and all("Langue" in m or "Connexion" in m or "connecté" in m for m in messages)
    assert "Langue changée : les pages et les courriels sont désormais en français." in messages
    context.close()
