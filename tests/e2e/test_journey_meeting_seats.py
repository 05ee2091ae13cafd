"""Seats of a themed meeting, in the browser: people apply (one with a portrait in one click,
one without, sent through sign-in and back, answering on the spot), the facilitator sets the
quotas, publishes the seed and draws; an applicant sees their chance and outcome, and
confirms."""

from __future__ import annotations

import datetime
import random
import re

import pytest
from django.core import mail
from django.utils import timezone

from tests.cast import PASSWORD, build_cast, make_user, totp_secret
from tests.e2e.conftest import sign_in
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.meetings.seats import applications
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.portraits.models import Answer, Criterion, Portrait


def crowd(meeting: Meeting, sector: object, count: int) -> None:
    """People with a portrait (woman or man, never "other") who applied through the service."""
    rng = random.Random(8)
    criteria = {c.key: c for c in meeting.criteria.all()}
    for k in range(count):
        user = make_user(f"crowd{k}@example.org", f"Crowd {k}", language="en")
        portrait = Portrait.objects.create(user=user, territory=meeting.territory, sector=sector)
        answers = {
            "gender": rng.choice(["woman", "man"]),
            "age_bracket": rng.choice(criteria["age_bracket"].options)["value"],
        }
        for key, value in answers.items():
            Answer.objects.create(portrait=portrait, criterion=criteria[key], value=value)
        applications.apply(meeting, user)


@pytest.mark.django_db(transaction=True)
def test_applicants_are_allocated_seats(live_server, page, outside_requests, shoot) -> None:
    cast = build_cast()
    meeting = make_meeting(cast)  # 12 seats: occupation, age bracket, gender
    base = f"{live_server.url}/t/{cast.territory.slug}/meetings/{meeting.pk}"
    gender = Criterion.objects.get(territory=cast.territory, key="gender")
    alice_portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    Answer.objects.create(portrait=alice_portrait, criterion=gender, value="other")
    crowd(meeting, cast.sector, 18)

    # Alice has a portrait: one click on the meeting's page.
    sign_in(page, live_server.url, cast.participant)
    page.goto(f"{base}/")
    page.locator("main form[data-apply='one-step'] button").click()
    page.wait_for_url(re.compile(r"/my-seat/$"))
    assert page.locator("main [data-status='applied']").count() == 1
    alice = Application.objects.get(user=cast.participant)
    assert alice.answers == {"gender": "other"} and not alice.answered_on_the_spot

    # Charlie has no account here yet: sign-in link, back to the form, answers on the spot.
    page.context.clear_cookies()
    page.goto(f"{base}/")
    page.locator("main [data-apply='sign-in'] a").first.click()
    page.fill("main input[name=login]", cast.outsider.email)
    page.fill("main input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/apply/$"))
    page.check("main input[name=q_gender][value=man]")
    age = Criterion.objects.get(territory=cast.territory, key="age_bracket")
    page.check(f"main input[name=q_age_bracket][value='{age.options[1]['value']}']")
    shoot("meeting-apply-on-the-spot", full_page=True)
    page.locator("main form.apply-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my-seat/$"))
    charlie = Application.objects.get(user=cast.outsider)
    assert charlie.answered_on_the_spot
    assert charlie.answers == {"gender": "man", "age_bracket": age.options[1]["value"]}

    # The facilitator sets the quotas: wide bounds, and at least one seat for "other".
    page.context.clear_cookies()
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)
    manage = f"{live_server.url}/t/{cast.territory.slug}/meetings/manage/{meeting.pk}/seats"
    page.goto(f"{manage}/quotas/")
    page.fill("main form.tolerance-form input[name=tolerance]", "50")
    page.locator("main form.tolerance-form button").click()
    page.wait_for_load_state()
    page.fill("main input[name='min-gender-other']", "1")
    page.locator("main form.quota-form button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator("main [data-feasible='no'], main [data-feasible='undrawable']").count():
        page.locator("main form.adopt-form button").click()
        page.wait_for_load_state()
    assert page.locator("main [data-feasible='yes']").count() == 1
    shoot("meeting-quotas", full_page=True)

    # Applications close; the seed is published from a public source, then the draw.
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=timezone.now() - datetime.timedelta(minutes=1)
    )
    page.goto(f"{manage}/")
    page.check("main form.seed-form input[name=source][value=public]")
    page.fill("main form.seed-form input[name=seed]", "20261201")
    page.fill("main form.seed-form input[name=description]", "Dice rolled at the town hall")
    page.locator("main form.seed-form button[type=submit]").click()
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.draw_seed == 20261201 and meeting.published_pool
    mail.outbox.clear()
    page.locator("main form.draw-form button").click()
    page.wait_for_url(re.compile(r"/seats/draw/progress/$"))
    page.wait_for_selector("main [data-draw-job='done']", timeout=60_000)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    assert Application.objects.holding_seats().filter(meeting=meeting).count() == 12
    assert len(mail.outbox) == 20

    # Alice (the only "other") was certain to be selected: she sees it and confirms.
    page.context.clear_cookies()
    sign_in(page, live_server.url, cast.participant)
    page.goto(f"{base}/my-seat/")
    assert page.locator("main [data-status='selected']").count() == 1
    assert page.locator("main [data-probability]").get_attribute("data-probability") == "1.0"
    shoot("meeting-my-seat", full_page=True)
    page.locator("main form.seat-answer button[value=confirm]").click()
    page.wait_for_load_state()
    assert page.locator("main [data-status='confirmed']").count() == 1
    alice.refresh_from_db()
    assert alice.status == ApplicationStatus.CONFIRMED

    # Charlie sees his own chance and outcome, whatever the draw decided.
    page.context.clear_cookies()
    sign_in(page, live_server.url, cast.outsider)
    page.goto(f"{base}/my-seat/")
    charlie.refresh_from_db()
    status = page.locator("main section[data-status]").get_attribute("data-status")
    assert status == charlie.status in (ApplicationStatus.SELECTED, ApplicationStatus.WAITLISTED)
    shown = float(page.locator("main [data-probability]").get_attribute("data-probability"))
    assert 0 < shown < 1 and shown == pytest.approx(charlie.probability)
    assert page.locator("main [data-pseudonym]").inner_text() == charlie.pseudonym

    # Anyone can fetch the published files and the command to check the draw.
    page.context.clear_cookies()
    page.goto(f"{base}/draw/")
    assert page.locator("main [data-seed]").inner_text() == "20261201"
    shoot("meeting-draw", full_page=True)
    assert "--verify panel.json" in page.locator("main [data-verify-command]").inner_text()
    panel = page.request.get(f"{base}/draw/panel.json")
    assert panel.ok and panel.json()["panel"] == meeting.published_panel
