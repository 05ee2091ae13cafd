"""A circle from start to end on the demo territory (Lienville, `load_demo`, under a second):
a facilitator composes and publishes a season, a participant confirms, posts, runs the timer,
gives feedback after the last session, and the purge leaves nothing of the circle's words."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.cast import make_user
from tests.e2e.conftest import current_totp
from tests.feedback.conftest import answers_stored
from tierslien.accounts.models import User
from tierslien.circles import actions
from tierslien.circles.actions import publish
from tierslien.circles.engine import met_before
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    monday_of,
)
from tierslien.circles.schedule import last_session_end
from tierslien.demo.territory import (
    DEMO_PASSWORD,
    FACILITATOR_EMAIL,
    FACILITATOR_TOTP_SECRET,
    PARTICIPANT_EMAIL,
    load_demo,
)
from tierslien.feedback.models import FeedbackGiven, SeasonTally
from tierslien.feedback.purge import purge_finished_circles
from tierslien.portraits.models import MeetingMode, Portrait
from tierslien.spaces.models import AidPost, Attendance, Message, PactAcceptance
from tierslien.spaces.services import leave_circle


def _sign_in(page, base_url: str, email: str, *, totp: bool = False) -> None:
    """The demo logins have their own password (tests.cast's sign_in assumes the cast's)."""
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.fill("main input[name=login]", email)
    page.fill("main input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if totp:
        page.wait_for_url(re.compile("/2fa/"))
        page.fill("main input[name=code]", current_totp(FACILITATOR_TOTP_SECRET))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url and "/2fa/" not in url)


def _demo_season() -> tuple[Season, User, User]:
    """Lienville, a season open for registration, and its centre-ville and online people
    registered (Camille, the demo participant, joins through the browser)."""
    territory = load_demo(0).territory
    camille = User.objects.get(email=PARTICIPANT_EMAIL)
    fatou = User.objects.get(email=FACILITATOR_EMAIL)
    User.objects.filter(pk__in=[camille.pk, fatou.pk]).update(language="en")
    today = timezone.localdate()
    season = Season.objects.create(
        territory=territory,
        name="Lienville, autumn",
        registration_opens=today - datetime.timedelta(days=1),
        registration_closes=today + datetime.timedelta(days=7),
        first_week=monday_of(today + datetime.timedelta(days=14)),
        sessions=3,
    )
    sector = Portrait.objects.get(user=camille, territory=territory).sector
    others = Portrait.objects.filter(territory=territory).exclude(user=camille)
    chosen = list(others.filter(sector=sector)) + list(
        others.filter(meeting_mode=MeetingMode.ONLINE).exclude(sector=sector)
    )
    Registration.objects.bulk_create(
        Registration(season=season, user_id=p.user_id, availability=p.availability, max_km=p.max_km)
        for p in chosen
    )
    return season, camille, fatou


def _late_twin(season: Season, keep: User) -> User:
    """Someone registering after publication, alike in every rule to a member of a circle
    with room (so a seat that keeps every rule exists), joining through the service.

    The composition runs against the clock, so every in-person circle may be full: then
    one member of a circle other than `keep`'s leaves it first, as members may."""
    circles = list(season.circles.filter(online=False).prefetch_related("memberships"))
    with_room = [c for c in circles if len(c.memberships.all()) < season.max_size]
    if with_room:
        circle = with_room[0]
    else:
        circle = next(c for c in circles if keep.pk not in {m.user_id for m in c.memberships.all()})
        leaving = circle.memberships.all()[len(circle.memberships.all()) - 1]
        leave_circle(circle, leaving.user)
        circle = season.circles.prefetch_related("memberships").get(pk=circle.pk)
    model = Portrait.objects.get(user_id=circle.memberships.all()[0].user_id)
    user = make_user("late-twin@example.org", "Lou", language="en")
    twin = Portrait.objects.create(
        user=user,
        territory=season.territory,
        sector=model.sector,
        max_km=model.max_km,
        availability=model.availability,
        meeting_mode=model.meeting_mode,
        accessibility_needs=model.accessibility_needs,
    )
    for answer in model.answers.filter(criterion__sensitive=False):  # no consent to copy
        answer.pk = None
        answer.portrait = twin
        answer.save()
    registration = Registration.objects.get(season=season, user_id=model.user_id)
    actions.join_season(
        user, season, availability=registration.availability, max_km=registration.max_km
    )
    return user


@pytest.mark.django_db(transaction=True)
def test_a_circle_from_composition_to_purge(
    live_server, page, outside_requests, shoot, settings, time_machine
):
    settings.COMPOSE_TIME_LIMIT = 2
    season, camille, _fatou = _demo_season()
    slug = season.territory.slug
    base = live_server.url

    # Camille joins the season with the times of her self-portrait.
    _sign_in(page, base, camille.email)
    page.goto(f"{base}/t/{slug}/seasons/{season.pk}/")
    page.get_by_role("button", name="Join the season").click()
    page.wait_for_load_state()
    assert Registration.objects.filter(season=season, user=camille).exists()

    # The facilitator closes registration, composes and publishes.
    _sign_in(page, base, FACILITATOR_EMAIL, totp=True)
    page.goto(f"{base}/t/{slug}/manage/seasons/")
    page.get_by_role("button", name="Close registration and compose").click()
    page.wait_for_url(re.compile(r"/proposal/$"))  # composed: the proposal opens by itself
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    assert page.locator("main article").count() == season.circles.count() > 1
    # Online-only people meet among themselves, in circles without a venue.
    online_only = set(
        Portrait.objects.filter(
            territory=season.territory, meeting_mode=MeetingMode.ONLINE
        ).values_list("user_id", flat=True)
    )
    for circle in season.circles.prefetch_related("memberships"):
        members = {m.user_id for m in circle.memberships.all()}
        if members & online_only:
            assert circle.online and circle.venue is None
    assert page.locator('main tr[data-hope="discovery"]').count() == 1
    page.get_by_role("link", name="Publish the circles").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile(r"^Publish and send \d+ invitations$")).click()
    page.wait_for_load_state()
    season.refresh_from_db()
    assert season.state == SeasonState.PUBLISHED

    # On the circles page: a meeting link for an online circle, and a seat for a late registrant.
    page.wait_for_url(re.compile(r"/circles/$"))
    online = season.circles.filter(online=True).order_by("number").first()
    assert online is not None
    page.fill(f"#id_link{online.pk}-link", "https://visio.example.net/lienville")
    page.locator(f'form.meeting-link[data-circle="{online.pk}"] button').click()
    page.wait_for_load_state()
    online.refresh_from_db()
    assert online.meeting_link == "https://visio.example.net/lienville"
    newcomer = _late_twin(season, camille)
    page.reload()
    shoot("season-circles-waiting", full_page=True)
    page.locator(f'li[data-user="{newcomer.pk}"] button').click()
    page.wait_for_load_state()
    late_seat = Membership.objects.get(user=newcomer, circle__season=season)
    assert late_seat.status == MembershipStatus.INVITED
    # (besides the receipt of the registration, which has no calendar)
    (late_mail,) = [m for m in mail.outbox if m.to == [newcomer.email] and m.attachments]
    assert late_mail.attachments[0][0] == f"circle-{late_seat.circle.number}.ics"

    # Camille confirms from the link in her email.
    seat = Membership.objects.select_related("circle").get(user=camille, circle__season=season)
    circle = seat.circle
    (invitation,) = [m for m in mail.outbox if m.to == [camille.email] and m.attachments]
    assert invitation.attachments[0][0] == f"circle-{circle.number}.ics"
    link = re.search(r"https?://\S+/invitation/", invitation.body)
    assert link is not None
    _sign_in(page, base, camille.email)
    page.goto(f"{base}/{link.group(0).split('/', 3)[3]}")
    page.get_by_role("button", name="I will come").click()
    page.wait_for_load_state()
    assert Membership.objects.get(pk=seat.pk).status == MembershipStatus.CONFIRMED

    # Her circle's space: the pact, a message, a need, "I'll come", the speaking-round timer.
    page.goto(f"{base}/circles/{circle.pk}/")
    page.wait_for_url(re.compile(r"/pact/$"))
    page.get_by_label("I accept the circle's pact").check()
    page.get_by_role("button", name="Enter the circle").click()
    page.wait_for_url(re.compile(rf"/circles/{circle.pk}/$"))
    page.goto(f"{base}/circles/{circle.pk}/board/")
    page.fill("main textarea[name=text]", "Hello! Looking forward to Tuesday.")
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state()
    expect(page.locator("ol.board")).to_contain_text("Looking forward")
    page.goto(f"{base}/circles/{circle.pk}/aid/")
    page.locator("main input[name=kind][value=need]").check()
    page.fill("main input[name=title]", "A ladder")
    page.fill("main textarea[name=text]", "To paint a ceiling, one afternoon.")
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state()
    page.goto(f"{base}/circles/{circle.pk}/sessions/")
    page.get_by_role("button", name="I'll come").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}/circles/{circle.pk}/guide/")
    page.fill("main input[name=minutes]", "1")
    page.get_by_role("button", name="Set the timer").click()
    page.wait_for_load_state()
    digits = page.locator("#timer-digits")
    expect(digits).to_have_text("01:00")
    page.get_by_role("button", name="Start").click()
    expect(digits).not_to_have_text("01:00", timeout=5_000)
    page.get_by_role("button", name="Pause").click()
    assert Message.objects.filter(circle=circle).count() == 1
    assert AidPost.objects.filter(circle=circle).count() == 1
    assert Attendance.objects.filter(circle=circle).count() == 1

    # After the last session: the season closes by its clock and the feedback form opens.
    own_end = last_session_end(season, circle.slot)
    _first, end = publish.season_bounds(season)  # the season's very last session
    assert own_end is not None and end is not None and own_end <= end
    time_machine.move_to(end + datetime.timedelta(hours=1), tick=True)
    publish.advance_seasons()
    season.refresh_from_db()
    assert season.state == SeasonState.CLOSED
    _sign_in(page, base, camille.email)
    page.goto(f"{base}/feedback/circles/{circle.pk}/")
    page.locator("main input[name=met_different][value=yes]").check()
    page.locator("main input[name=felt_safe][value=mostly]").check()
    page.locator("main input[name=come_again][value=yes]").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert FeedbackGiven.objects.filter(user=camille, season=season).exists()
    assert answers_stored() == 1
    shoot("circle-journey-feedback", full_page=True)

    # Thirty days later, the purge: nothing the circle said or did is left.
    members = set(Membership.objects.filter(circle=circle).values_list("user_id", flat=True))
    time_machine.move_to(end + datetime.timedelta(days=30, minutes=1), tick=True)
    assert purge_finished_circles(timezone.now()) == 1
    season.refresh_from_db()
    assert season.state == SeasonState.PURGED
    assert not Message.objects.filter(circle=circle).exists()
    assert not AidPost.objects.filter(circle=circle).exists()
    assert not Attendance.objects.filter(circle=circle).exists()
    assert not PactAcceptance.objects.filter(circle=circle).exists()
    assert not FeedbackGiven.objects.filter(season=season).exists()
    # What remains: who met whom, and the anonymous counts.
    assert Circle.objects.filter(pk=circle.pk).exists()
    assert set(Membership.objects.filter(circle=circle).values_list("user_id", flat=True)) == (
        members
    )
    assert answers_stored() == 1
    assert SeasonTally.objects.filter(season=season).exists()
    other = next(iter(members - {camille.pk}))
    later = Season.objects.create(
        territory=season.territory,
        name="Lienville, spring",
        registration_opens=timezone.localdate(),
        registration_closes=timezone.localdate() + datetime.timedelta(days=7),
        first_week=monday_of(timezone.localdate() + datetime.timedelta(days=14)),
    )
    assert met_before(later, {camille.pk: "a", other: "b"}) == (("a", "b"),)
    # And the circle's space is gone for its members.
    _sign_in(page, base, camille.email)
    response = page.goto(f"{base}/circles/{circle.pk}/board/")
    assert response is not None and response.status == 404
