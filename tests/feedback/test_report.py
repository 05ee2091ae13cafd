"""The season report: counts under 11 never shown, charts without styles, CSV, constant queries."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast, make_user
from tests.moderation.conftest import make_circle, make_season
from tierslien.accounts.models import User
from tierslien.circles.models import Registration, Season
from tierslien.feedback.models import FeedbackBag
from tierslien.feedback.report import build_report, report_csv

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
REPORT = {
    "ratio_to_bound": 0.9,
    "lift": 1.35,
    "criteria": [{"name": "occupation", "entre_soi": 1.2, "upper_bound": 3}],
}


def _people(count: int, prefix: str) -> list[User]:
    return [make_user(f"{prefix}{k}@example.org", f"{prefix}{k}") for k in range(count)]


def _filled(season: Season, people: int, *, answers: int, circles: int = 2) -> Season:
    users = _people(people, f"s{season.pk}-")
    Registration.objects.bulk_create(
        [Registration(season=season, user=u, availability=[], max_km=5) for u in users]
    )
    size = max(1, people // circles)
    for number in range(circles):
        make_circle(season, users[number * size : (number + 1) * size], number=number + 1)
    FeedbackBag.objects.create(season=season, answers=[["yes", "yes", "yes"]] * answers)
    Season.objects.filter(pk=season.pk).update(report=REPORT)
    season.refresh_from_db()
    return season


def _rows(season: Season) -> dict[tuple[str, str], str]:
    with translation.override("en"):
        text = report_csv(season, build_report(season))
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return {(section, figure): value for _season, section, figure, value in reader}


def test_a_small_season_shows_fewer_than_11_everywhere(cast: Cast) -> None:
    season = _filled(make_season(cast.territory), 10, answers=10)
    rows = _rows(season)
    assert rows[("Participation and placement", "Registered")] == "fewer than 11"
    assert rows[("Participation and placement", "Placed in a circle")] == "fewer than 11"
    assert rows[("Feedback", "Answers")] == "fewer than 11"
    assert rows[("Mixing", "Share of the best possible mixing")] == "fewer than 11"
    assert all(
        value == "fewer than 11"
        for (section, _figure), value in rows.items()
        if section not in ("Mixing",)
    )


def test_eleven_people_show_the_figures(cast: Cast) -> None:
    season = _filled(make_season(cast.territory), 12, answers=11)
    rows = _rows(season)
    assert rows[("Participation and placement", "Registered")] == "12"
    assert rows[("Participation and placement", "Placed in a circle")] == "12"
    assert rows[("Participation and placement", "Not placed")] == "fewer than 11"
    assert rows[("Feedback", "Answers")] == "11"
    assert rows[("Met people from worlds different from theirs", "Yes, several")] == "11"
    assert rows[("Met people from worlds different from theirs", "Not really")] == "fewer than 11"
    assert rows[("Mixing", "Share of the best possible mixing")] == "90%"
    assert rows[("Mixing", "Mixing compared with a random draw")] == "1.35×"


def test_the_page_draws_charts_without_styles_and_suppresses_comments(
    cast: Cast, client_as: ClientAs
) -> None:
    season = _filled(make_season(cast.territory), 12, answers=10)
    FeedbackBag.objects.filter(season=season).update(comments=["Secret words"] * 10)
    page = client_as("facilitator").get(
        reverse("manage_season_report", args=[cast.territory.slug, season.pk])
    )
    html = page.content.decode()
    assert "<svg" in html and "<title" in html
    assert "style=" not in html
    assert "<script" not in re.sub(r'<script src="/static/[^"]+"[^>]*></script>', "", html)
    assert "Secret words" not in html
    assert "fewer than 11" in html


def test_the_csv_is_a_download(cast: Cast, client_as: ClientAs) -> None:
    season = _filled(make_season(cast.territory), 12, answers=0)
    response = client_as("facilitator").get(
        reverse("manage_season_report_csv", args=[cast.territory.slug, season.pk])
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "fewer than 11" in response.content.decode()


def test_the_report_costs_constant_queries(cast: Cast, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    small = _filled(make_season(cast.territory, name="Small"), 12, answers=11, circles=2)
    large = _filled(make_season(cast.territory, name="Large"), 60, answers=30, circles=10)
    counts = []
    for season in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("manage_season_report", args=[cast.territory.slug, season.pk])
            )
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_season_name_cannot_become_a_spreadsheet_formula(cast: Cast) -> None:
    season = make_season(cast.territory, name="=HYPERLINK(1)")
    text = report_csv(season, build_report(season))
    assert "\n=HYPERLINK" not in text
    assert "'=HYPERLINK(1)" in text
