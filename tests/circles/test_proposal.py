"""The proposal page: counts only, never answers, at a constant number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast, make_user
from tests.circles.conftest import Crowd, answer
from tierslien.accounts.models import User
from tierslien.circles import actions
from tierslien.circles.models import Circle, Membership, Season, SeasonState, Unplaced
from tierslien.circles.pages import (
    entre_soi_meaning,
    first_session,
    lift_meaning,
    ratio_meaning,
    tell_apart,
)
from tierslien.portraits.models import Portrait

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def proposal_url(season: Season) -> str:
    return reverse("manage_season_proposal", args=[season.territory.slug, season.pk])


def _compose(season: Season, cast: Cast, capture: Any) -> Season:
    with capture(execute=True):
        actions.start_composition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    return season


def test_proposal_shows_circles_counts_and_season_figures_but_no_answer(
    cast: Cast,
    season: Season,
    crowd: Crowd,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    registrations = crowd(season, 12)
    for registration in registrations:
        portrait = Portrait.objects.get(user=registration.user, territory=cast.territory)
        answer(portrait, "engagement", "activist")  # sensitive, given with consent
    lonely = crowd(season, 1, slots=["mon-morning"])[0]
    season = _compose(season, cast, django_capture_on_commit_callbacks)
    html = client_as("facilitator").get(proposal_url(season)).content.decode()
    assert "Circle 1" in html
    assert cast.venue.name in html
    assert "Tuesday evening" in html or "Saturday morning" in html
    assert "First meeting:" in html
    assert "different answers about “Occupation”" in html
    assert "1 sector" in html
    assert "Entre-soi index" in html
    assert "times as diverse" in html
    # Display names of members and of the unplaced, with the reason in plain words.
    assert registrations[0].user.display_name in html
    assert lonely.user.display_name in html
    assert "No venue within 10 km is open at the times they are free." in html
    # Never an answer, never a sensitive question, never an email.
    for forbidden in (
        "Activist",
        "activist",
        "Civic engagement",
        "Manual worker",
        "18 to 24",
        "example.org",
    ):
        assert forbidden not in html
    assert "Publish the circles" in html


def test_proposal_page_in_french(
    cast: Cast,
    season: Season,
    crowd: Crowd,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    crowd(season, 6)
    season = _compose(season, cast, django_capture_on_commit_callbacks)
    User.objects.filter(pk=cast.facilitator.pk).update(language="fr")
    html = client_as("facilitator").get(proposal_url(season)).content.decode()
    assert '<html lang="fr">' in html
    assert "Samedi matin" in html or "Mardi soir" in html  # Django's own French day names


def test_first_session_is_the_slot_s_day_in_the_first_week(season: Season) -> None:
    season.first_week = datetime.date(2030, 1, 7)  # a Monday
    assert first_session(season, "mon-evening") == datetime.date(2030, 1, 7)
    assert first_session(season, "sat-morning") == datetime.date(2030, 1, 12)
    assert first_session(season, "") is None
    season.first_week = datetime.date(2030, 1, 10)  # stored off a Monday: still that week
    assert first_session(season, "mon-evening") == datetime.date(2030, 1, 7)
    assert first_session(season, "xyz-evening") is None


def _many_circles(cast: Cast, season: Season, count: int) -> None:
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.PROPOSED,
        report={
            "ratio_to_bound": 0.93,
            "lift": 1.4,
            "criteria": [
                {"name": "occupation", "entre_soi": 1.1, "upper_bound": 40.0},
                {"name": "housing", "entre_soi": 1.0, "upper_bound": 0.0},
                {"name": "x"},
            ],
        },
    )
    for number in range(1, count + 1):
        circle = Circle.objects.create(
            season=season,
            venue=cast.venue,
            slot="tue-evening",
            number=number,
            counts={"occupation": 5, "gender": 0, "sectors": 2},
            diversity=7.5,
        )
        for k in range(5):
            user = make_user(f"c{season.pk}-{number}-{k}@example.org", f"Member {number}-{k}")
            Membership.objects.create(circle=circle, user=user)
        user = make_user(f"u{season.pk}-{number}@example.org", f"Unplaced {number}")
        Unplaced.objects.create(season=season, user=user, code="no_time")


@pytest.mark.parametrize("count", [5, 25])
def test_proposal_costs_a_constant_number_of_queries(
    cast: Cast,
    season: Season,
    client_as: ClientAs,
    django_assert_max_num_queries: Any,
    count: int,
) -> None:
    _many_circles(cast, season, count)
    client = client_as("facilitator")
    # The page also builds the engine's problem once, to check every circle's rules,
    # and counts the season's hopes and meeting modes (one query).
    with django_assert_max_num_queries(16):
        response = client.get(proposal_url(season))
    html = response.content.decode()
    assert html.count("<article") == count
    assert "5 different answers about “Occupation”" in html
    assert "about “Gender”" not in html  # nobody answered: no line
    assert '<th scope="row">Occupation</th><td>1.10</td>' in html
    assert '<th scope="row">Housing</th>' not in html  # nothing to mix on: no figure
    assert f"Member {count}-4" in html


@pytest.mark.parametrize("count", [5, 25])
def test_season_list_costs_a_constant_number_of_queries(
    cast: Cast,
    make_season: Any,
    client_as: ClientAs,
    django_assert_max_num_queries: Any,
    count: int,
) -> None:
    for k in range(count):
        make_season(name=f"Season {k}")
    client = client_as("facilitator")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("manage_season_list", args=[cast.territory.slug]))
    assert response.content.decode().count("<tr>") == count + 1


def test_proposal_query_count_does_not_grow_with_circles(
    cast: Cast, make_season: Any, client_as: ClientAs
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (5, 25):
        season = make_season(name=f"Season of {size}")
        _many_circles(cast, season, size)
        client = client_as("facilitator")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(proposal_url(season)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_same_names_are_told_apart_by_a_stable_number_and_nothing_else() -> None:
    shown = tell_apart([(7, "Pauline"), (3, "pauline "), (5, "Karim"), (9, "Pauline")])
    assert shown == {3: "pauline ①", 7: "Pauline ②", 9: "Pauline ③", 5: "Karim"}
    many = tell_apart([(k, "Léa") for k in range(1, 23)])
    assert many[20] == "Léa ⑳" and many[22] == "Léa (22)"


@pytest.mark.parametrize(
    ("percent", "verdict"),
    [(98, "Excellent"), (90, "Good"), (81, "Fair"), (40, "Low")],
)
def test_the_share_of_the_best_possible_says_whether_it_is_good_and_why_not_100(
    percent: int, verdict: str
) -> None:
    with translation.override("en"):
        text = ratio_meaning(percent)
    assert text.startswith(verdict)
    assert "each question alone" in text and "usually out of reach" in text


def test_the_lift_is_read_against_the_most_these_people_allow() -> None:
    with translation.override("en"):
        # 1.09 times chance, 97 % of the ceiling: the ceiling is 1.12 times chance.
        good = lift_meaning(1.09, 0.97)
        assert "could exceed 1.12 times" in good and good.endswith(
            "most of what mixing can add over chance is there."
        )
        assert "Low:" in lift_meaning(1.01, 0.80)  # ceiling 1.26: little of it gained
        assert "almost nothing to gain" in lift_meaning(1.005, 0.995)
        assert lift_meaning(0.95, 0.8).startswith("Less mixed than a random draw")
        assert "almost nothing to gain" in lift_meaning(1.2, None)
    with translation.override("fr"):
        assert "1,12" in lift_meaning(1.09, 0.97)


@pytest.mark.parametrize(
    ("value", "start"),
    [
        (1.0, "As mixed as it can be"),
        (1.3, "Good"),
        (1.7, "Somewhat"),
        (1.92, "About as many"),
        (2.0, "About as many"),
        (2.4, "More people"),
    ],
)
def test_each_entre_soi_index_is_said_in_words(value: float, start: str) -> None:
    with translation.override("en"):
        assert entre_soi_meaning(value).startswith(start)


def test_the_proposal_says_what_each_figure_means(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    _many_circles(cast, season, 2)
    html = client_as("facilitator").get(proposal_url(season)).content.decode()
    assert '<dd class="meaning" data-meaning="ratio">Good: close to the ceiling.' in html
    assert (
        "No grouping of these people could exceed 1.51 times: a random draw would reach "
        "about 66 % of the ceiling, these circles reach 93 %." in html
    )
    assert "<td>1.10</td><td>As mixed as it can be" in html
    assert "What holds these figures back" in html
    assert reverse("how_it_works") in html
