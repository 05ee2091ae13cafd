"""A facilitator creates a themed meeting and invites a contributor; the contributor opens the
emailed link without an account, accepts and describes the contribution; the public page
shows it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from tests.cast import build_cast, totp_secret
from tests.e2e.conftest import sign_in
from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting, MeetingState


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db(transaction=True)
def test_a_contributor_accepts_an_invitation(live_server, page, outside_requests, shoot):
    cast = build_cast()
    slug = cast.territory.slug
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)

    # The facilitator creates the meeting (from the territory's management page).
    page.goto(f"{live_server.url}/t/{slug}/manage/")
    page.locator(f"main a[href='/t/{slug}/meetings/manage/']").click()
    page.locator(f"main a[href='/t/{slug}/meetings/manage/new/']").click()
    day = (timezone.now() + datetime.timedelta(days=21)).replace(hour=17, minute=0)
    page.fill("main input[name=theme]", "L'eau, un bien commun")
    page.fill(
        "main textarea[name=description]",
        "D'où vient l'eau de nos robinets, qui la paie, qui décide ? "
        "Habitants, agriculteurs et scientifiques en parlent ensemble, à des tables mélangées.",
    )
    page.fill("main input[name=starts_at]", _local(day))
    page.select_option("main select[name=venue]", str(cast.venue.pk))
    page.fill("main input[name=seats]", "40")
    page.fill("main input[name=registration_opens]", _local(timezone.now()))
    page.fill("main input[name=registration_closes]", _local(day - datetime.timedelta(days=7)))
    page.fill("main input[name=rotations]", "3")
    page.locator("main form.meeting-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/meetings/manage/\d+/$"))
    meeting = Meeting.objects.get()
    assert meeting.state == MeetingState.DRAFT
    assert meeting.rotations == 3
    assert meeting.criteria.count() == 3

    # ... invites a contributor ...
    page.locator("main a[href$='/contributors/new/']").click()
    page.fill("main input[name=name]", "Nadia Benali")
    page.fill("main input[name=organisation]", "Association Rivières Vivantes")
    page.select_option("main select[name=kind]", "association")
    page.fill("main input[name=email]", "nadia@rivieres.example")
    page.locator("main form.invite-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/meetings/manage/\d+/$"))
    assert page.locator("main tr[data-status=invited]").count() == 1

    # ... and opens it (allowed although nobody accepted yet).
    page.locator("main button[data-action=open]").click()
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN

    # The facilitator logs out; the contributor reads the email and opens the link, without
    # an account.
    page.locator(".site-header form[action$='/logout/'] button").click()
    page.wait_for_load_state()
    guest = page
    assert [m.to for m in mail.outbox] == [["nadia@rivieres.example"]]
    link = re.search(r"https?://\S+/contribute/[A-Za-z0-9_-]+/", mail.outbox[0].body).group(0)
    path = link.split("/t/", 1)[1]
    guest.goto(f"{live_server.url}/t/{path}")
    guest.check("main input[name=answer][value=accept]")
    guest.fill("main input[name=title]", "Vingt ans à suivre la Lienne")
    guest.fill(
        "main textarea[name=summary]",
        "Ce que les bénévoles ont mesuré dans la rivière depuis 2005, et ce qui a changé.",
    )
    guest.select_option("main select[name=format]", "table")
    guest.locator("main form.contribution-form button[type=submit]").click()
    guest.wait_for_load_state()
    assert guest.locator("main [data-accepted]").count() == 1
    contributor = Contributor.objects.get()
    assert contributor.status == ContributorStatus.ACCEPTED
    assert contributor.title == "Vingt ans à suivre la Lienne"

    # She comes back with the same link and edits her contribution.
    guest.goto(f"{live_server.url}/t/{path}")
    guest.select_option("main select[name=format]", "workshop")
    guest.locator("main form.contribution-form button[type=submit]").click()
    guest.wait_for_load_state()
    contributor.refresh_from_db()
    assert contributor.format == "workshop"

    # The public page shows the contribution, never the address.
    guest.goto(f"{live_server.url}/t/{slug}/meetings/")
    guest.locator(f"main a[href='/t/{slug}/meetings/{meeting.pk}/']").first.click()
    guest.wait_for_load_state()
    card = guest.locator(f"main [data-contributor='{contributor.pk}']")
    assert "Vingt ans à suivre la Lienne" in card.inner_text()
    assert "Association Rivières Vivantes" in card.inner_text()
    assert "nadia@rivieres.example" not in guest.content()
    shoot("meeting-public", full_page=True)
