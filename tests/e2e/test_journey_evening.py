"""A facilitator runs a discovery evening: creates it, checks people in, composes, projects."""

from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone

from tests.cast import build_cast, totp_secret
from tests.e2e.conftest import sign_in
from tierslien.gatherings.evenings import services
from tierslien.gatherings.evenings.door import short_code
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import Attendee, Evening, EveningState, Seat


@pytest.mark.django_db(transaction=True)
def test_facilitator_runs_a_discovery_evening(live_server, page, outside_requests, shoot, settings):
    settings.EVENING_COMPOSE_SECONDS = 0.5
    cast = build_cast()
    secret = totp_secret(cast.facilitator)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=secret)

    # Create the evening.
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/evenings/new/")
    page.fill("main input[name=starts_at]", "2026-12-04T19:00")
    page.select_option("main select[name=venue]", str(cast.venue.pk))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    evening = Evening.objects.get()
    assert (evening.min_size, evening.max_size, evening.rounds) == (4, 5, 2)

    # 27 check-ins through the service, for speed.
    rng = random.Random(3)
    questions = evening_questions(cast.territory)
    names = [
        "Ana", "Karim", "Josiane", "Paul", "Léa", "Omar", "Jeanne", "Yves", "Fatou",
        "Hugo", "Inès", "Marc", "Nadia", "Bruno", "Chloé", "Samir", "Lucie", "Théo",
        "Awa", "Gilles", "Rose", "Malik", "Odile", "Tom", "Yasmina", "Pierre", "Aïcha",
    ]  # fmt: skip
    for name in names:
        services.check_in(
            evening,
            first_name=name,
            answers={q.key: rng.choice(q.options)["value"] for q in questions},
        )
    karim = Attendee.objects.get(first_name="Karim")

    # Three at the door, through the big form.
    checkin = f"{live_server.url}/t/{cast.territory.slug}/evenings/{evening.pk}/check-in/"
    page.goto(checkin)
    # On a 375-px phone the long address wraps: nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".door-code svg.qr").is_visible()
    page.set_viewport_size({"width": 1200, "height": 900})
    for k, name in enumerate(["Mireille", "Bastien", "Nour"]):
        page.fill("main input[name=first_name]", name)
        page.check(f"main input[name=q_{questions[0].key}] >> nth={k + 1}")
        if name == "Nour":
            page.fill("main input[name=email]", "nour@example.org")
            page.locator("main details.came-with summary").click()
            page.check(f"main input[name=came_with][value='{karim.pk}']")
            page.set_viewport_size({"width": 420, "height": 900})
            shoot("evening-checkin", full_page=True)
            page.set_viewport_size({"width": 1200, "height": 900})
        page.locator("main form.checkin-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.input_value("main input[name=first_name]") == ""
    assert Attendee.objects.filter(evening=evening).count() == 30
    nour = Attendee.objects.get(first_name="Nour")
    assert nour.email == "nour@example.org"
    assert list(nour.companions.values_list("other_id", flat=True)) == [karim.pk]

    # Compose both rounds, then open the projection.
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/evenings/{evening.pk}/")
    page.locator(f"main form[action$='/evenings/{evening.pk}/compose/'] button").first.click()
    page.wait_for_load_state()
    evening.refresh_from_db()
    assert evening.state == EveningState.COMPOSED
    assert Seat.objects.filter(evening=evening).count() == 60
    for number in (1, 2):
        assert (
            Seat.objects.get(attendee=nour, round=number).table
            != Seat.objects.get(attendee=karim, round=number).table
        )

    everyone = sorted([*names, "Mireille", "Bastien", "Nour"])
    for number in (1, 2):
        assert Seat.objects.filter(evening=evening, round=number).count() == 30

    def shown() -> list[str]:
        texts = page.locator(".table-card .names").all_inner_texts()
        return sorted(name for text in texts for name in text.split(", "))

    page.locator("main .round-links a").first.click()
    page.wait_for_load_state()
    assert page.locator(".table-card").count() == 6
    assert shown() == everyone  # the projection of round 1 shows all 30, once each
    assert page.locator(".site-header").is_hidden()
    start = page.locator(".projection-nav [data-action=start-timer]")
    assert start.inner_text().startswith("Lancer le minuteur")
    start.click()  # start the timer: the button goes while it runs
    page.wait_for_load_state()
    page.wait_for_function(
        "document.querySelector('[data-countdown-display]').textContent.includes(':')"
    )
    assert page.locator("[data-timer=running]").is_visible()
    assert start.count() == 1 and start.is_hidden()

    # The projection fills a 1920 x 1080 screen: the tables take most of it.
    page.set_viewport_size({"width": 1920, "height": 1080})
    box = page.locator(".projection .tables").bounding_box()
    assert box is not None
    assert box["width"] >= 0.8 * 1920, box
    assert box["height"] >= 0.8 * 1080, box
    assert box["y"] + box["height"] <= 1080  # nothing to scroll to see the last tables
    # The way in on one's phone: a QR code and a short address, visible from the room.
    assert page.locator(".door-code svg.qr").is_visible()
    short = page.locator(".door-code a.door-url").inner_text()
    assert short == f"{live_server.url}/e/{short_code(evening.pk)}/"
    shoot("evening-projection")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.locator(".projection-nav a.button").last.click()  # next: round 2
    page.wait_for_load_state()
    assert page.url.endswith("/rounds/2/")
    assert page.locator(".table-card").count() == 6
    assert shown() == everyone


@pytest.mark.django_db(transaction=True)
def test_every_page_of_an_evening_fits_a_360_px_phone(live_server, page, settings):
    settings.EVENING_COMPOSE_SECONDS = 0.3
    cast = build_cast()
    evening = services.create_evening(
        cast.territory, venue=cast.venue, starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    questions = evening_questions(cast.territory)
    for k in range(10):
        services.check_in(
            evening,
            first_name=f"Maximilienne-Gwendoline {k}",
            answers={q.key: q.options[k % len(q.options)]["value"] for q in questions},
        )
    services.compose_tables(evening)
    services.start_round(evening, 1)
    sign_in(page, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator))
    page.set_viewport_size({"width": 360, "height": 740})
    base = f"{live_server.url}/t/{cast.territory.slug}/evenings/"
    for path in ("", f"{evening.pk}/", f"{evening.pk}/check-in/", f"{evening.pk}/rounds/1/"):
        page.goto(base + path)
        assert page.locator("main h1").count() == 1
        width = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert width == 0, path
