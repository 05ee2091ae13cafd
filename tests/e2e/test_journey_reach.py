"""The reach journey on a 375-px phone: a local contact registers three people in the street
(text message, post, email), the facilitator composes and publishes, the relay prints her
people's letters, the text-message invitation arrives in at most two segments, the relay
declines for someone who asked her (a replacement is invited), and the person reached by
post takes over their account with the code from their letter and downloads their data."""

from __future__ import annotations

import datetime
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import dateformat, timezone, translation
from playwright.sync_api import Browser, Page, expect

from tests.cast import Cast, build_cast, make_user, totp_secret
from tests.e2e.conftest import SCREENSHOTS, sign_in
from tierslien.accounts.models import ReachBy, User
from tierslien.circles.actions.publish import DECLINED
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    Unplaced,
    monday_of,
)
from tierslien.circles.schedule import session_times
from tierslien.outbox import sms
from tierslien.outbox.models import Channel, Message, MessageState
from tierslien.outbox.services import deliver_due
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.relays.models import AgreedHow, Registered

PHONE = {"width": 375, "height": 740}
SLOT = "tue-evening"  # the only time everyone gives: two circles at most (venue capacity 2)
CODE = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")
NEW_PASSWORD = "a long walk by the river"

# The three people Rosa meets in the street, and how each is reached.
STREET = [
    {"name": "Samia", "reach_by": ReachBy.SMS, "phone": "06 12 34 56 79", "occupation": "5"},
    {
        "name": "Paulette",
        "reach_by": ReachBy.POST,
        "postal_address": "12 rue des Lilas\n35000 Val-de-Lien",
        "occupation": "7",
    },
    {"name": "Élias", "reach_by": ReachBy.EMAIL, "email": "elias@example.org", "occupation": "6"},
]


# The elements that stick out to the right, to say what to fix when a page is too wide.
WIDEST = """() => [...document.querySelectorAll("main *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`)"""


def fits_the_phone(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling on a 375-px phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide: " + ", ".join(
        page.evaluate(WIDEST)
    )


def snap(page: Page, name: str, tmp_path: Path) -> None:
    """A screenshot of any page (the `shoot` fixture only sees the test's own page)."""
    target = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def french_date(moment: datetime.datetime, pattern: str) -> str:
    with translation.override("fr"):
        return dateformat.format(timezone.localtime(moment), pattern)


def open_season(cast: Cast) -> Season:
    today = timezone.localdate()
    return Season.objects.create(
        territory=cast.territory,
        name="Saison d'hiver",
        registration_opens=today - datetime.timedelta(days=3),
        registration_closes=today + datetime.timedelta(days=7),
        first_week=monday_of(today + datetime.timedelta(days=28)),
    )


def register_others(cast: Cast, season: Season, count: int, *, start: int = 0) -> list[User]:
    """People who registered online, with varied answers, free on Tuesday evenings."""
    criteria = {c.key: c for c in Criterion.objects.filter(territory=cast.territory)}
    ages = ["18-24", "25-34", "35-49", "50-64", "65-74", "75+"]
    people = []
    for k in range(start, start + count):
        user = make_user(f"online{k}@example.org", f"En ligne {k}", language="en")
        portrait = Portrait.objects.create(
            user=user, territory=cast.territory, sector=cast.sector, availability=[SLOT]
        )
        Answer.objects.create(
            portrait=portrait, criterion=criteria["occupation"], value=str(1 + k % 8)
        )
        Answer.objects.create(
            portrait=portrait, criterion=criteria["age_bracket"], value=ages[(k * 5) % 6]
        )
        Registration.objects.create(season=season, user=user, availability=[SLOT], max_km=10)
        people.append(user)
    return people


def register_in_the_street(page: Page, base: str, person: dict[str, str]) -> float:
    """Rosa's short path for one person: open the page, fill it in, see the confirmation.
    Returns the seconds it took."""
    started = time.monotonic()
    page.goto(f"{base}/relay/register/")
    fits_the_phone(page)
    form = page.locator("main form.relay-form")
    form.locator("input[name=display_name]").fill(person["name"])
    form.locator(f"input[name=reach_by][value={person['reach_by']}]").check()
    if "phone" in person:
        form.locator("input[name=phone]").fill(person["phone"])
    if "postal_address" in person:
        form.locator("textarea[name=postal_address]").fill(person["postal_address"])
    if "email" in person:
        form.locator("input[name=email]").fill(person["email"])
    form.locator(f"input[name=availability][value={SLOT}]").check()
    form.locator(f"input[name=answer_occupation][value='{person['occupation']}']").check()
    form.locator("input[name=answer_age_bracket][value='50-64']").check()
    form.locator("input[name=agreed]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/relay/people/\d+/$"))
    expect(page.locator("main h1")).to_have_text(person["name"])
    fits_the_phone(page)
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_reach_journey_on_a_phone(
    live_server, page, browser: Browser, axe_watch, outside_requests, shoot, settings, tmp_path
) -> None:
    settings.COMPOSE_TIME_LIMIT = 1
    cast = build_cast()
    season = open_season(cast)
    base = f"{live_server.url}/t/{cast.territory.slug}"
    sensitive = list(Criterion.objects.filter(territory=cast.territory, sensitive=True))
    assert sensitive, "the default questionnaire has sensitive questions to keep out"

    # 1. Rosa, on her phone, signs in with her second factor and registers three people.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, cast.relay, totp_secret=totp_secret(cast.relay))
    page.goto(f"{base}/relay/register/")
    fits_the_phone(page)
    for criterion in sensitive:
        assert page.locator(f"[name=answer_{criterion.key}]").count() == 0
        assert str(criterion.display_question) not in page.content()
    shoot("reach-relay-registers")
    seconds = {person["name"]: register_in_the_street(page, base, person) for person in STREET}
    print("registration, open to confirmed (s):", {k: round(v, 2) for k, v in seconds.items()})
    assert all(taken < 60 for taken in seconds.values()), seconds
    people = {
        person["name"]: User.objects.get(
            registered_by_relay__relay=cast.relay, display_name=person["name"]
        )
        for person in STREET
    }
    samia, paulette, elias = people["Samia"], people["Paulette"], people["Élias"]
    assert samia.phone == "+33612345679" and samia.email is None
    assert paulette.postal_address == STREET[1]["postal_address"]
    assert elias.email == "elias@example.org"
    for person in people.values():
        assert Registration.objects.filter(season=season, user=person).exists()
        assert not Answer.objects.filter(portrait__user=person, criterion__sensitive=True).exists()
    page.goto(f"{base}/relay/")
    fits_the_phone(page)
    assert page.locator("main .relay-people li[data-person]").count() == 4  # with Rémi
    shoot("reach-relay-list", full_page=True)
    for path in [f"/relay/people/{paulette.pk}/contact/", "/paper/forms/?count=1"]:
        page.goto(f"{base}{path}")
        fits_the_phone(page)

    # 2. Nine more registered online: twelve people for two circles of six at the
    # Médiathèque on Tuesday evenings. Fiona closes registration, composes, publishes.
    register_others(cast, season, 9)
    fiona = User.objects.filter(pk=cast.facilitator.pk)
    fiona.update(language="en")
    desk = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    facilitator = desk.new_page()
    sign_in(
        facilitator, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator)
    )
    facilitator.goto(f"{base}/manage/seasons/")
    facilitator.get_by_role("button", name="Close registration and compose").click()
    facilitator.wait_for_url(re.compile(r"/proposal/$"))
    facilitator.get_by_role("link", name="Publish the circles").click()
    facilitator.wait_for_load_state()
    publish = re.compile(r"^Publish and send \d+ invitations$")
    facilitator.get_by_role("button", name=publish).click()
    facilitator.wait_for_load_state()
    season.refresh_from_db()
    assert season.state == SeasonState.PUBLISHED
    seats = Membership.objects.filter(circle__season=season)
    assert seats.count() == 12, "everyone fits in the two circles"
    for person in people.values():
        assert seats.get(user=person).status == MembershipStatus.INVITED
    # Two more register once the circles are published: they wait for a seat.
    waiting = register_others(cast, season, 2, start=9)

    # 3. Rosa prints the letters of her people (Paulette's, by post, among them).
    page.goto(f"{base}/paper/seasons/{season.pk}/letters/")
    fits_the_phone(page)
    names = page.locator("section.letter").evaluate_all("all => all.map(s => s.ariaLabel)")
    assert sorted(names) == sorted(people)  # her people only (Rémi has no seat)
    letter = page.locator("section.letter", has_text="Paulette")
    expect(letter).to_have_count(1)
    text = letter.inner_text()
    circle: Circle = seats.get(user=paulette).circle
    assert circle.venue is not None
    for line in ["Paulette", "12 rue des Lilas", "35000 Val-de-Lien"]:
        assert line in text
    assert circle.venue.name in text and circle.venue.address in text
    sessions = session_times(season, circle.slot)
    for session in sessions:
        assert french_date(session.starts_at, "l j F Y, H:i") in text
    assert "Rosa" in text  # who to call
    letter.evaluate("sheet => sheet.scrollIntoView()")  # the top: name and address
    shoot("reach-printed-letter")
    page.emulate_media(media="print")
    expect(letter).to_be_visible()  # the print stylesheet keeps the letter itself
    assert french_date(sessions[0].starts_at, "l j F Y, H:i") in letter.inner_text()
    pdf = page.pdf(format="A4", print_background=False)  # headless Chromium only
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    print("letters PDF:", pages, "A4 pages,", len(pdf), "bytes")
    assert pages == len(people)  # one letter per sheet
    page.emulate_media(media="screen")

    # 4. Samia's invitation left as a text message: the venue, the first date, two segments.
    to_samia = [sent["text"] for sent in sms.sent if sent["to"] == samia.phone]
    print("texts to Samia:", to_samia)
    (body,) = [text for text in to_samia if "/invitation/" in text]
    samia_circle = seats.get(user=samia).circle
    assert samia_circle.venue is not None
    first = session_times(season, samia_circle.slot)[0].starts_at
    assert sms.plain(samia_circle.venue.name) in body
    assert french_date(first, "j F H:i") in body
    print("invitation text:", sms.segments(body), "segment(s),", len(body), "characters")
    invitation_row = Message.objects.get(user=samia, channel=Channel.SMS, body=body)
    assert invitation_row.state == MessageState.SENT
    assert deliver_due().sent == 0  # nothing was left for the sweep
    assert sms.segments(body) <= 2

    # 5. Samia asks Rosa to decline for her: the seat goes to someone waiting.
    page.goto(f"{base}/relay/people/{samia.pk}/answers/")
    fits_the_phone(page)
    form = page.locator("main form", has=page.locator("input[name=kind][value=circle]"))
    form.locator("input[name=asked]").check()
    form.locator("button[value=decline]").click()
    page.wait_for_load_state()
    fits_the_phone(page)
    assert not Membership.objects.filter(user=samia).exists()
    gone = Unplaced.objects.get(season=season, user=samia)
    assert (gone.code, gone.answered_by_id) == (DECLINED, cast.relay.pk)
    replacement = Membership.objects.get(user__in=waiting)
    assert replacement.status == MembershipStatus.INVITED
    assert replacement.circle_id == samia_circle.pk
    assert Message.objects.filter(user=replacement.user, topic=f"season:{season.pk}").exists()

    # 6. Paulette takes over her account with the code from her letter.
    page.goto(f"{base}/relay/people/{paulette.pk}/takeover/")
    fits_the_phone(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # Matched here, not with `body__regex`: PostgreSQL's regular expressions read `\b` as
    # a backspace, not a word boundary.
    (code_letter,) = [
        letter
        for letter in Message.objects.filter(user=paulette, channel=Channel.LETTER)
        if CODE.search(letter.body)
    ]
    facilitator.goto(f"{base}/manage/letters/")
    printed = facilitator.locator("article.letter", has_text=CODE).filter(has_text="Paulette")
    expect(printed).to_have_count(1)
    found = CODE.search(printed.inner_text())
    assert found is not None and found.group(0) in code_letter.body
    with facilitator.expect_navigation():  # printed: Fiona marks the letters so
        facilitator.locator("main form[action$='/printed/'] button[type=submit]").click()
    code_letter.refresh_from_db()
    assert code_letter.sent_at is not None
    axe_watch.check(facilitator)
    desk.close()

    phone = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    hers = phone.new_page()
    hers.goto(f"{live_server.url}/takeover/")
    fits_the_phone(hers)
    code_field = hers.locator("main input[name=code]")
    code_field.fill(found.group(0).lower().replace("-", " "))
    continue_button = hers.locator("main form button[type=submit]")
    field_box, button_box = code_field.bounding_box(), continue_button.bounding_box()
    assert field_box is not None and button_box is not None
    # A thumb needs room: the button does not touch the field above it.
    assert button_box["y"] >= field_box["y"] + field_box["height"] + 8
    snap(hers, "reach-takeover", tmp_path)
    continue_button.click()
    hers.wait_for_url(re.compile(r"/takeover/account/$"))
    fits_the_phone(hers)
    hers.fill("main input[name=password1]", NEW_PASSWORD)
    hers.fill("main input[name=password2]", NEW_PASSWORD)
    hers.locator("main form button[type=submit]").click()
    hers.wait_for_url(re.compile(r"/me/data/$"))
    fits_the_phone(hers)
    assert Registered.objects.get(person=paulette).taken_over_at is not None
    with hers.expect_download() as download:
        hers.locator("main a[download]").click()
    exported: dict[str, Any] = json.loads(Path(download.value.path()).read_text())
    data = exported["data"]
    (account,) = data["account"]
    assert account["display_name"] == "Paulette"
    assert account["postal_address"] == STREET[1]["postal_address"]
    (record,) = data["registered_by_relay"]
    assert record["relay__display_name"] == "Rosa"
    assert record["agreed_how"] == AgreedHow.IN_PERSON.value
    assert record["taken_over_at"] is not None
    axe_watch.check(hers)
    phone.close()
