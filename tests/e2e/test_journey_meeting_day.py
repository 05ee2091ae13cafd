"""The day of a themed meeting: the door on a phone, the table plan, the projection, the end."""

from __future__ import annotations

import pytest

from tests.cast import build_cast, totp_secret
from tests.e2e.conftest import sign_in
from tests.gatherings.meetings.conftest import make_meeting
from tests.gatherings.meetings.day.test_services import (
    add_contributors,
    allocate,
    confirm,
    more_applicants,
)
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.day import pages, services
from tierslien.gatherings.models import Application, Contributor, MeetingState, TableSeat

NAMES = [
    "Ana", "Karim", "Josiane", "Paul", "Léa", "Omar", "Jeanne", "Yves", "Fatou", "Hugo",
    "Inès", "Marc", "Nadia", "Bruno", "Chloé", "Samir", "Lucie", "Théo", "Awa", "Gilles",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_facilitator_runs_the_day_of_a_themed_meeting(
    live_server, page, outside_requests, shoot, settings
) -> None:
    settings.MEETING_PLAN_SECONDS = 0.5
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30  # in ten days: door open
    cast = build_cast()
    meeting = allocate(make_meeting(cast, rotations=2, seats=20))
    add_contributors(meeting, 3)
    people = confirm(more_applicants(meeting, 20, prefix="guest"))
    for person, name in zip(people, NAMES, strict=True):
        User.objects.filter(pk=person.user_id).update(display_name=f"{name} Dupont")
    josiane = Application.objects.get(user__display_name="Josiane Dupont")
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)
    base = f"{live_server.url}/t/{cast.territory.slug}/meetings/manage/{meeting.pk}/day/"

    # At the door, on a phone: search a name (a plain GET form), check her in.
    page.set_viewport_size(PHONE)
    page.goto(base + "check-in/")
    assert page.locator("main [data-application]").count() == 20
    assert page.locator("main [data-contributor]").count() == 3
    page.fill("main input[name=q]", "josi")
    page.locator("main form.door-search button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main [data-application]").count() == 1
    page.locator(f"main [data-application='{josiane.pk}'] button[data-action=arrive]").click()
    page.wait_for_load_state()
    josiane.refresh_from_db()
    assert josiane.checked_in_at is not None
    assert (
        page.locator(f"main [data-application='{josiane.pk}']").get_attribute("data-arrived") == "1"
    )

    # Everyone else: the list without a search, one button per person.
    page.goto(base + "check-in/")
    for contributor in Contributor.objects.filter(meeting=meeting):
        page.locator(f"main [data-contributor='{contributor.pk}'] button").click()
        page.wait_for_load_state()
    for person in people[:5]:
        if person.pk == josiane.pk:
            continue
        page.locator(f"main [data-application='{person.pk}'] button[data-action=arrive]").click()
        page.wait_for_load_state()
    shoot("meeting-day-checkin", full_page=True)
    for person in people[5:18]:  # the rest of the queue, through the service, for speed
        services.mark_application(meeting, person.pk, arrived=True)
    assert Application.objects.filter(checked_in_at__isnull=False).count() == 18
    assert Contributor.objects.filter(checked_in_at__isnull=False).count() == 3
    page.reload()
    counts = page.locator("main [data-count=citizens]")
    assert counts.locator("[data-arrived]").inner_text() == "18"
    assert counts.locator("[data-expected]").inner_text() == "20"

    # Compose the plan: 3 tables, 2 rotations, the 18 who came.
    page.goto(base)
    page.locator("main button[data-action=compose]").click()
    page.wait_for_load_state()
    assert TableSeat.objects.filter(meeting=meeting).count() == 2 * (18 + 3)
    assert page.locator("main [data-revisits='0']").count() == 2
    plan, _, _ = pages.stored_plan(meeting)
    assert all(len({rotation[pk] for rotation in plan}) == 2 for pk in plan[0])
    shoot("meeting-day-plan", full_page=True)
    page.goto(base + "rotations/1/")
    page.emulate_media(media="print")
    assert page.locator(".table-card").count() == 3
    assert page.locator(".projection-nav").is_hidden()
    shoot("meeting-day-print", full_page=True)
    page.emulate_media(media="screen")
    page.goto(base)

    # A late arrival, then "update": nobody already seated moves.
    before = {pk: [r[pk] for r in plan] for pk in plan[0]}
    services.mark_application(meeting, people[18].pk, arrived=True)
    page.reload()
    page.locator("main button[data-action=update]").click()
    page.wait_for_load_state()
    plan, _, _ = pages.stored_plan(meeting)
    assert all([r[pk] for r in plan] == tables for pk, tables in before.items())
    assert people[18].pk in plan[0] and people[18].pk in plan[1]

    # The projection of rotation 2 on the big screen, with its timer.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("main a[data-link=projection]").nth(1).click()
    page.wait_for_load_state()
    assert page.url.endswith("/day/rotations/2/projection/")
    assert page.locator(".table-card").count() == 3
    assert page.locator(".site-header").is_hidden()
    assert "Association 0" in page.locator(".table-card").first.inner_text()
    assert "Dupont" not in page.locator("main").inner_text()  # first names only
    start = page.locator(".projection-nav button[data-action=start-timer]")
    start.click()
    page.wait_for_load_state()
    page.wait_for_function(
        "document.querySelector('[data-countdown-display]').textContent.includes(':')"
    )
    assert start.is_hidden()  # the timer runs: no button to start it
    # On a 1920 x 1080 screen the tables take most of it.
    page.set_viewport_size({"width": 1920, "height": 1080})
    box = page.locator(".projection .tables").bounding_box()
    assert box is not None
    assert box["width"] >= 0.8 * 1920 and box["height"] >= 0.8 * 1080, box
    shoot("meeting-day-projection")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The meeting is over.
    page.goto(base)
    page.locator("main button[data-action=over]").click()
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert (meeting.state, meeting.attended_count) == (MeetingState.HELD, 19)
    assert page.locator("main [data-attended='19']").count() == 1


def sideways(page) -> int:
    """How many pixels the page scrolls sideways (0: it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_day_fits_a_360_px_phone(live_server, page, settings) -> None:
    settings.MEETING_PLAN_SECONDS = 0.3
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30
    cast = build_cast()
    meeting = allocate(make_meeting(cast, rotations=2, seats=12))
    add_contributors(meeting, 2)
    for person in confirm(more_applicants(meeting, 12, prefix="guest")):
        services.mark_application(meeting, person.pk, arrived=True)
    services.compose_table_plan(meeting)
    services.start_rotation(meeting, 1)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator))
    page.set_viewport_size({"width": 360, "height": 740})
    base = f"{live_server.url}/t/{cast.territory.slug}/meetings/manage/{meeting.pk}/day/"
    for path in ("", "check-in/", "rotations/1/", "rotations/1/projection/"):
        page.goto(base + path)
        assert page.locator("main h1").count() == 1
        assert sideways(page) == 0, path
