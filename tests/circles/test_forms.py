"""Validation of the season and join forms, and arbitrary input posted to them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast, sign_in
from tests.circles.test_views_manage import form_data
from tests.ritual import password_only
from tierslien.circles.forms import JoinForm, SeasonForm
from tierslien.circles.models import Registration, Season
from tierslien.lib.slots import ALL_SLOTS

pytestmark = pytest.mark.django_db


def season_errors(**overrides: Any) -> dict[str, list[str]]:
    with translation.override("en"):
        form = SeasonForm(form_data(**overrides))
        form.is_valid()
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def test_valid_season_has_no_errors() -> None:
    assert season_errors() == {}


def test_window_must_close_after_it_opens() -> None:
    errors = season_errors(registration_opens="2030-01-10", registration_closes="2030-01-10")
    assert errors["registration_closes"] == ["Registration must close after the day it opens."]


def test_smallest_circle_cannot_exceed_the_largest() -> None:
    errors = season_errors(min_size="7", max_size="6")
    assert errors["max_size"] == ["The largest circle cannot be smaller than the smallest one."]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_size", "2"),
        ("max_size", "13"),
        ("sessions", "0"),
        ("sessions", "21"),
        ("session_minutes", "29"),
        ("session_minutes", "241"),
        ("min_size", "five"),
        ("confirmation_days", "0"),
        ("confirmation_days", "31"),
    ],
)
def test_numbers_stay_within_bounds(field: str, value: str) -> None:
    assert "Give a whole number between" in season_errors(**{field: value})[field][0]


def test_days_to_confirm_default_to_seven_when_left_empty() -> None:
    form = SeasonForm(form_data(confirmation_days=""))
    assert form.is_valid()
    assert form.values()["confirmation_days"] == 7
    form = SeasonForm(form_data(confirmation_days="3"))
    assert form.is_valid()
    assert form.values()["confirmation_days"] == 3


def test_first_meetings_come_after_registration_closes() -> None:
    errors = season_errors(
        registration_opens="2030-01-01", registration_closes="2030-01-20", first_week="2030-01-06"
    )
    assert errors["first_week"] == [
        "The first week must start after registration closes (Jan. 20, 2030): "
        "the earliest is the week of Monday Jan. 21, 2030."
    ]


def test_a_first_week_starting_before_registration_closes_is_refused() -> None:
    """Closing on Wednesday 16th: the week of Monday 14th would start before it."""
    errors = season_errors(
        registration_opens="2030-01-01", registration_closes="2030-01-16", first_week="2030-01-18"
    )
    assert errors["first_week"] == [
        "The first week must start after registration closes (Jan. 16, 2030): "
        "the earliest is the week of Monday Jan. 21, 2030."
    ]
    assert "first_week" in season_errors(
        registration_opens="2030-01-01", registration_closes="2030-01-14", first_week="2030-01-14"
    )


def test_the_week_after_closing_is_fine_and_becomes_its_monday() -> None:
    form = SeasonForm(
        form_data(
            registration_opens="2030-01-01",
            registration_closes="2030-01-20",  # a Sunday
            first_week="2030-01-23",
        )
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_week"] == datetime.date(2030, 1, 21)


def test_blank_name_is_refused() -> None:
    assert "name" in season_errors(name="   ")


def test_edit_form_starts_from_the_season(season: Season) -> None:
    form = SeasonForm(instance=season)
    assert form.initial["name"] == "Autumn circles"
    assert form.initial["min_size"] == 5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"availability": ["tue-evening"], "max_km": "-1"}, "max_km"),
        ({"availability": ["tue-evening"], "max_km": "201"}, "max_km"),
        ({"availability": ["tue-evening"], "max_km": "nan"}, "max_km"),
        ({"availability": ["noon"], "max_km": "3"}, "availability"),
        ({"availability": [], "max_km": "3"}, "availability"),
    ],
)
def test_join_form_validation(data: dict[str, Any], field: str) -> None:
    form = JoinForm(data)
    assert not form.is_valid()
    assert field in form.errors


def test_join_form_orders_the_times() -> None:
    form = JoinForm({"availability": ["sun-evening", "mon-morning"], "max_km": "2"})
    assert form.is_valid()
    assert form.cleaned_data["availability"] == ["mon-morning", "sun-evening"]


# --- Arbitrary input: never a 500, invalid input changes nothing ---

HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
safe_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
values = st.one_of(
    safe_text,
    st.sampled_from(
        ["2030-01-07", "2029-12-31", "1900-01-01", "9999-12-31", "2030-02-30", "5", "3", "12"]
    ),
    st.sampled_from(["0", "-1", "13", "1e400", "nan", "weekly", "fortnightly", "on", ""]),
    st.lists(st.one_of(st.sampled_from(ALL_SLOTS), safe_text), max_size=4),
)
SEASON_FIELDS = list(form_data())


def _snapshot() -> tuple[Any, ...]:
    return (
        tuple(Season.objects.order_by("pk").values_list()),
        tuple(Registration.objects.order_by("pk").values_list()),
    )


def _post(client: Client, target: str, data: dict[str, Any]) -> None:
    before = _snapshot()
    response = client.post(target, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _snapshot() == before


@pytest.fixture
def facilitator_client(cast: Cast) -> Client:
    client = Client()
    sign_in(client, cast.facilitator)
    return client


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(SEASON_FIELDS), values))
def test_arbitrary_season_creation_never_fails(
    cast: Cast, facilitator_client: Client, data: dict[str, Any]
) -> None:
    _post(facilitator_client, reverse("manage_season_create", args=[cast.territory.slug]), data)


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(SEASON_FIELDS), values))
def test_arbitrary_season_edit_never_fails(
    cast: Cast, season: Season, facilitator_client: Client, data: dict[str, Any]
) -> None:
    target = reverse("manage_season_edit", args=[cast.territory.slug, season.pk])
    _post(facilitator_client, target, data)


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(["availability", "max_km"]), values))
def test_arbitrary_joining_never_fails(cast: Cast, season: Season, data: dict[str, Any]) -> None:
    client = password_only(cast.participant)
    _post(client, reverse("season_detail", args=[cast.territory.slug, season.pk]), data)


@HYPOTHESIS
@given(data=st.dictionaries(safe_text, values, max_size=3))
def test_arbitrary_posts_to_actions_never_fail(
    cast: Cast, season: Season, facilitator_client: Client, data: dict[str, Any]
) -> None:
    for name in ("manage_season_compose", "manage_season_cancel", "manage_season_reopen"):
        target = reverse(name, args=[cast.territory.slug, season.pk])
        assert facilitator_client.post(target, data).status_code == 302
    target = reverse("season_leave", args=[cast.territory.slug, season.pk])
    assert facilitator_client.post(target, data).status_code == 302
    season.refresh_from_db()
    assert season.state == "open"  # nobody registered: composition refused
