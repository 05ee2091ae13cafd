"""A facilitator creates, composes, reviews and publishes a season; a member confirms from the
email link; progress follows itself."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.cast import PASSWORD, Cast, build_cast, make_user, totp_secret
from tests.e2e.conftest import sign_in
from tierslien.accounts.models import User
from tierslien.circles.models import (
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
)
from tierslien.portraits.models import Answer, Criterion, Portrait


def _sign_in_as_facilitator(page, live_server, cast: Cast) -> None:
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)


def _register(cast: Cast, season: Season, count: int) -> None:
    occupation = Criterion.objects.get(territory=cast.territory, key="occupation")
    for k in range(count):
        user = make_user(f"p{k}@example.org", f"Personne {k}", language="en")
        portrait = Portrait.objects.create(user=user, territory=cast.territory, sector=cast.sector)
        Answer.objects.create(portrait=portrait, criterion=occupation, value=str(1 + k % 8))
        Registration.objects.create(
            season=season, user=user, availability=["tue-evening"], max_km=10
        )


@pytest.mark.django_db(transaction=True)
def test_facilitator_creates_composes_and_reads_a_season(
    live_server, page, outside_requests, shoot, settings
):
    settings.COMPOSE_TIME_LIMIT = 1
    cast = build_cast()
    cast.facilitator.language = "en"
    cast.facilitator.save(update_fields=["language"])
    _sign_in_as_facilitator(page, live_server, cast)

    today = timezone.localdate()
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/seasons/new/")
    page.fill("main input[name=name]", "Autumn circles")
    page.fill("main input[name=registration_opens]", today.isoformat())
    page.fill(
        "main input[name=registration_closes]", (today + datetime.timedelta(days=7)).isoformat()
    )
    page.fill("main input[name=first_week]", (today + datetime.timedelta(days=21)).isoformat())
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    season = Season.objects.get(name="Autumn circles")
    assert season.first_week.weekday() == 0

    _register(cast, season, 11)
    page.reload()
    page.get_by_role("button", name="Close registration and compose").click()
    # The immediate backend composed during the request: the proposal opens by itself.
    page.wait_for_url(re.compile(r"/proposal/$"))
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    assert page.locator("main article").count() == 2
    assert "different answers about “Occupation”" in page.content()
    # Each season figure says in words what it means.
    expect(page.locator('[data-meaning="ratio"]')).to_contain_text("ceiling")
    shoot("season-proposal", full_page=True)

    # A refused move (the smaller circle would fall below five): its reason shows inside
    # the circle the page opens on, in view, and nothing is marked "just changed".
    smaller = min(season.circles.all(), key=lambda circle: circle.memberships.count())
    circle = page.locator(f"#circle-{smaller.number}")
    circle.get_by_role("link", name="Move or swap someone").click()
    page.wait_for_load_state()
    circle.get_by_role("button", name="Move", exact=True).click()
    page.wait_for_url(re.compile(rf"#circle-{smaller.number}$"))
    notes = page.locator(f"#circle-{smaller.number} .review-notes")
    expect(notes).to_contain_text("Nothing was changed")
    expect(notes).to_be_in_viewport()
    assert page.locator("main article.changed").count() == 0
    assert page.locator("main > .messages").count() == 0  # not at the top as well

    # Lock the first circle, then publish: every member gets an invitation by email.
    page.get_by_role("button", name="Lock this circle").first.click()
    page.wait_for_load_state()
    assert "locked" in page.locator("main article").first.inner_text()
    page.get_by_role("link", name="Publish the circles").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile(r"^Publish and send \d+ invitations$")).click()
    page.wait_for_load_state()
    season.refresh_from_db()
    assert season.state == SeasonState.PUBLISHED
    assert "Waiting for an answer" in page.content()
    member = User.objects.get(email="p0@example.org")
    (invitation,) = [m for m in mail.outbox if m.to == [member.email]]
    assert invitation.attachments[0][0].endswith(".ics")
    link = re.search(r"https?://\S+/invitation/", invitation.body)
    assert link is not None

    # The member follows the link from the email, signs in and confirms.
    page.context.clear_cookies()
    path = link.group(0).split("/", 3)[3]
    page.goto(f"{live_server.url}/{path}")
    page.wait_for_url(re.compile("/accounts/login/"))
    page.fill("main input[name=login]", member.email)
    page.fill("main input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile("/invitation/"))
    page.get_by_role("button", name="I will come").click()
    page.wait_for_load_state()
    assert "your seat is confirmed" in page.content()
    assert Membership.objects.get(user=member).status == MembershipStatus.CONFIRMED
    shoot("circle-invitation-confirmed", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_progress_page_follows_the_composition_with_javascript(live_server, page, settings):
    cast = build_cast()
    cast.facilitator.language = "en"
    cast.facilitator.save(update_fields=["language"])
    today = timezone.localdate()
    season = Season.objects.create(
        territory=cast.territory,
        name="Winter",
        registration_opens=today,
        registration_closes=today + datetime.timedelta(days=7),
        first_week=today + datetime.timedelta(days=14),
        state=SeasonState.COMPOSING,
        job_progress=0.1,
    )
    _sign_in_as_facilitator(page, live_server, cast)
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/seasons/{season.pk}/progress/")
    bar = page.locator("#composition-progress")
    assert bar.get_attribute("value") == "10"
    Season.objects.filter(pk=season.pk).update(job_progress=0.6)
    # Updated in place by the script (a string predicate would be refused by the CSP).
    expect(page.locator("#composition-percent")).to_have_text("60 %", timeout=10_000)
    assert bar.get_attribute("value") == "60"
    assert page.locator("#composition-score").count() == 0  # no raw score
    Season.objects.filter(pk=season.pk).update(state=SeasonState.OPEN, job_error="cancelled")
    page.wait_for_selector("text=A facilitator stopped the composition.", timeout=10_000)


@pytest.mark.django_db(transaction=True)
def test_once_composed_the_progress_page_opens_the_proposal_by_itself(live_server, page, settings):
    cast = build_cast()
    cast.facilitator.language = "en"
    cast.facilitator.save(update_fields=["language"])
    today = timezone.localdate()
    season = Season.objects.create(
        territory=cast.territory,
        name="Winter",
        registration_opens=today,
        registration_closes=today + datetime.timedelta(days=7),
        first_week=today + datetime.timedelta(days=14),
        state=SeasonState.COMPOSING,
        job_progress=0.3,
    )
    _sign_in_as_facilitator(page, live_server, cast)
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/seasons/{season.pk}/progress/")
    expect(page.locator("#composition-percent")).to_have_text("30 %")
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.PROPOSED, job_state="done", job_progress=1.0
    )
    page.wait_for_url(re.compile(r"/proposal/$"), timeout=10_000)
    expect(page.locator("h1")).to_contain_text("Proposed circles: Winter")
