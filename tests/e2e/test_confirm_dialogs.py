"""Confirmation dialogs (static/js/site.js) ask only about a form that can be sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cast import build_cast
from tests.e2e.conftest import sign_in
from tierslien.accounts.models import User


@pytest.mark.django_db(transaction=True)
def test_delete_account_asks_only_once_the_box_is_ticked(live_server, page, outside_requests):
    cast = build_cast()
    sign_in(page, live_server.url, cast.outsider)
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(live_server.url + "/me/delete/")
    page.locator("main form button.danger").click()  # box unticked: the server explains
    expect(page.locator("main .errorlist")).to_have_count(1)  # waits for the answer page
    assert dialogs == []
    assert User.objects.filter(pk=cast.outsider.pk).exists()

    page.check("main input[name=confirm]")
    page.locator("main form button.danger").click()  # valid: asked, and dismissed
    page.wait_for_timeout(300)
    assert len(dialogs) == 1
    assert User.objects.filter(pk=cast.outsider.pk).exists()
