"""A facilitator reads what limits the mix of a season, applies the top lever (opening the
hall on the evening most people share), composes again and sees the predicted gain."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.cast import build_cast, make_user, totp_secret
from tests.e2e.conftest import sign_in
from tierslien.circles import actions
from tierslien.circles.models import Registration, Season, SeasonState
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Sector

THURSDAY = "thu-evening"


def _town(cast) -> Season:
    """18 people free only on Thursday evening (three sectors), 6 on Tuesday evening; the
    Médiathèque (two circles at a time) opens on Tuesday evening and Saturday morning."""
    today = timezone.localdate()
    season = Season.objects.create(
        territory=cast.territory,
        name="Autumn circles",
        registration_opens=today - datetime.timedelta(days=7),
        registration_closes=today + datetime.timedelta(days=7),
        first_week=today + datetime.timedelta(days=21),
    )
    sectors = [
        cast.sector,
        Sector.objects.create(
            territory=cast.territory, name="Nord", latitude=48.13, longitude=-1.68
        ),
        Sector.objects.create(
            territory=cast.territory, name="Est", latitude=48.11, longitude=-1.65
        ),
    ]
    occupation = Criterion.objects.get(territory=cast.territory, key="occupation")
    for k in range(24):
        user = make_user(f"p{k}@example.org", f"Personne {k}", language="en")
        thursday = k < 18
        portrait = Portrait.objects.create(
            user=user,
            territory=cast.territory,
            sector=sectors[k % 3] if thursday else cast.sector,
        )
        Answer.objects.create(portrait=portrait, criterion=occupation, value=str(1 + k % 8))
        Registration.objects.create(
            season=season,
            user=user,
            availability=[THURSDAY] if thursday else ["tue-evening"],
            max_km=10,
        )
    return season


@pytest.mark.django_db(transaction=True)
def test_facilitator_applies_the_top_lever_and_obtains_the_predicted_gain(
    live_server, page, outside_requests, shoot, settings
):
    settings.COMPOSE_TIME_LIMIT = 1
    # Each re-solve of the analysis searches as long as the composition does.
    settings.ANALYSIS_TIME_LIMIT = 1
    settings.ANALYSIS_MAX_ITERATIONS = 0
    cast = build_cast()
    cast.facilitator.language = "en"
    cast.facilitator.save(update_fields=["language"])
    season = _town(cast)
    actions.start_composition(season)  # the immediate backend composes on commit
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    sign_in(page, live_server.url, cast.facilitator, totp_secret=totp_secret(cast.facilitator))

    # From the proposal to the analysis.
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/seasons/{season.pk}/proposal/")
    expect(page.locator('[data-meaning="gap"]')).to_contain_text(re.compile(r"(The|No) gap"))
    page.locator('[data-link="potential"]').click()
    page.wait_for_url(re.compile(r"/potential/$"))
    page.get_by_role("button", name="Analyse what limits the mix").click()
    page.wait_for_load_state()
    # The immediate backend analysed during the request: the results show.
    expect(page.locator('[data-figure="costliest"]')).to_contain_text(
        "What holds the mix back most: where and when people can meet"
    )
    top = page.locator("[data-top]")
    expect(top).to_contain_text("Open “Médiathèque” on Thursday evening")
    expect(top).to_contain_text("18 people would be placed instead of 6")
    # Today's saved circles, next to a fresh composition of the same people.
    today = page.locator('[data-table="today"] [data-row="placed"]')
    expect(today.locator("[data-today]")).to_have_attribute("data-today", "6")
    expect(today.locator("[data-fresh]")).to_have_attribute("data-fresh", "6")
    expect(top.locator("[data-kept]")).to_contain_text("Keeping the circles as they are")
    ranges = top.locator("[data-ranges]")
    expect(ranges).to_contain_text("Likely, 8 compositions in 10 (estimated from 3 draws)")
    shoot("season-potential", full_page=True)

    # Apply it, then compose again.
    top.get_by_role("button", name="Apply: Open “Médiathèque” on Thursday evening").click()
    page.wait_for_url(re.compile(r"/potential/#applied$"))
    expect(page.locator("#applied")).to_contain_text("Predicted by the analysis: 18 people placed")
    cast.venue.refresh_from_db()
    assert THURSDAY in cast.venue.opening_slots
    page.get_by_role("button", name="Recompose the circles").click()
    page.wait_for_url(re.compile(r"/proposal/"))
    page.goto(f"{live_server.url}/t/{cast.territory.slug}/manage/seasons/{season.pk}/potential/")
    outcome = page.locator('[data-table="outcome"]')
    expect(outcome).to_be_visible()
    placed = outcome.locator('[data-row="placed"]')
    predicted = int(placed.locator("[data-predicted]").get_attribute("data-predicted") or 0)
    obtained = int(placed.locator("[data-obtained]").get_attribute("data-obtained") or 0)
    diversity = outcome.locator('[data-row="diversity"]')
    mixed = float(diversity.locator("[data-predicted]").get_attribute("data-predicted") or 0)
    got = float(diversity.locator("[data-obtained]").get_attribute("data-obtained") or 0)
    print(f"people placed: predicted {predicted}, obtained {obtained}")
    print(outcome.inner_text())
    expect(outcome.locator("[data-range]").first).to_be_visible()
    assert predicted == 18
    assert abs(obtained - predicted) <= 0.05 * predicted, (predicted, obtained)
    assert abs(got - mixed) <= 0.05 * mixed, (mixed, got)
