"""A newcomer signs up, confirms by email, looks at their data, exports it and leaves."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from tests.cast import PASSWORD
from tierslien.accounts.models import User


def _confirm_link(body: str, base: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return base + match.group(1)


@pytest.mark.django_db(transaction=True)
def test_sign_up_confirm_view_export_and_delete(live_server, page, outside_requests, shoot):
    page.goto(live_server.url + "/")
    shoot("home")
    page.get_by_role("link", name=re.compile("Inscription|Sign up")).first.click()
    page.fill("main input[name=email]", "nadia@example.org")
    page.fill("main input[name=password1]", PASSWORD)
    page.fill("main input[name=password2]", PASSWORD)
    page.fill("main input[name=display_name]", "Nadia")
    page.select_option("main select[name=language]", "fr")
    page.check("main input[name=accept_terms]")
    shoot("signup")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert len(mail.outbox) == 1

    page.goto(_confirm_link(mail.outbox[0].body, live_server.url))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert User.objects.get(email="nadia@example.org").emailaddress_set.get().verified

    page.goto(live_server.url + "/me/data/")
    assert "nadia@example.org" in page.content()
    shoot("my-data", full_page=True)
    with page.expect_download() as download_info:
        page.locator("main a[download]").first.click()
    exported = json.loads(open(download_info.value.path(), encoding="utf-8").read())
    assert exported["data"]["account"][0]["display_name"] == "Nadia"

    page.goto(live_server.url + "/me/delete/")
    page.check("main input[name=confirm]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert not User.objects.filter(email="nadia@example.org").exists()
