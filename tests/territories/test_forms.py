"""Validation of the sector and venue forms, and arbitrary input posted to them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast, sign_in
from tests.territories.test_views import sector_data, venue_data
from tierslien.lib.slots import ALL_SLOTS
from tierslien.territories.forms import SectorForm, VenueForm
from tierslien.territories.models import Sector, Venue

pytestmark = pytest.mark.django_db


def sector_errors(cast: Cast, instance: Sector | None = None, **data: Any) -> dict[str, Any]:
    with translation.override("en"):
        form = SectorForm(sector_data(**data), territory=cast.territory, instance=instance)
        form.is_valid()
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def venue_errors(cast: Cast, instance: Venue | None = None, **data: Any) -> dict[str, Any]:
    with translation.override("en"):
        form = VenueForm(venue_data(cast, **data), territory=cast.territory, instance=instance)
        form.is_valid()
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


# --- Sector ---


def test_valid_sector_has_no_errors(cast: Cast) -> None:
    assert sector_errors(cast) == {}


@pytest.mark.parametrize("name", ["Centre", "centre", "  CENTRE  "])
def test_duplicate_sector_name_is_refused(cast: Cast, name: str) -> None:
    errors = sector_errors(cast, name=name)
    expected = f"This territory already has a sector called “{name.strip()}”."
    assert errors["name"] == [expected]


def test_same_sector_name_in_another_territory_is_fine(cast: Cast) -> None:
    assert sector_errors(cast, name="Bourg") == {}


def test_blank_sector_name_is_refused(cast: Cast) -> None:
    assert "name" in sector_errors(cast, name="   ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", "90.5", "A latitude lies between -90 and 90 degrees."),
        ("latitude", "-91", "A latitude lies between -90 and 90 degrees."),
        ("longitude", "180.01", "A longitude lies between -180 and 180 degrees."),
        ("longitude", "-200", "A longitude lies between -180 and 180 degrees."),
        ("latitude", "nan", "Enter a number."),
        ("longitude", "inf", "Enter a number."),
        ("latitude", "48,1", "Enter a number."),
        ("latitude", "", "This field is required."),
    ],
)
def test_sector_centre_out_of_range_is_refused(
    cast: Cast, field: str, value: str, message: str
) -> None:
    assert sector_errors(cast, **{field: value})[field] == [message]


def test_sector_description_is_limited(cast: Cast) -> None:
    assert "description" in sector_errors(cast, description="x" * 301)


# --- Venue ---


def test_valid_venue_has_no_errors(cast: Cast) -> None:
    assert venue_errors(cast) == {}


def test_venue_sector_of_another_territory_is_refused(cast: Cast) -> None:
    errors = venue_errors(cast, sector=str(cast.other_sector.pk))
    assert errors["sector"] == ["Choose one of this territory's sectors."]


@pytest.mark.parametrize("sector", ["", "abc", "999999", str(2**70)])
def test_venue_sector_must_be_given_and_known(cast: Cast, sector: str) -> None:
    assert "sector" in venue_errors(cast, sector=sector)


def test_venue_sector_choices_are_the_territory_s_only(cast: Cast) -> None:
    form = VenueForm(territory=cast.territory)
    assert list(form.fields["sector"].queryset) == [cast.sector]


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        ("0", "A venue hosts at least one circle at a time."),
        ("-3", "A venue hosts at least one circle at a time."),
        ("51", "Fifty circles at the same time is the most a venue can declare."),
        ("2.5", "Enter a whole number."),
    ],
)
def test_venue_capacity_is_between_1_and_50(cast: Cast, capacity: str, message: str) -> None:
    assert venue_errors(cast, capacity=capacity)["capacity"] == [message]


def test_venue_must_open_at_least_once_a_week(cast: Cast) -> None:
    errors = venue_errors(cast, opening_slots=[])
    assert errors["opening_slots"][0].startswith("Tick at least one opening time")


def test_venue_opening_slots_come_from_the_grid(cast: Cast) -> None:
    errors = venue_errors(cast, opening_slots=["mon-night"])
    assert errors["opening_slots"] == ["Choose opening times from the weekly grid."]


def test_venue_accessibility_comes_from_the_list(cast: Cast) -> None:
    assert "accessibility" in venue_errors(cast, accessibility=["teleporter"])


def test_duplicate_venue_name_is_refused(cast: Cast) -> None:
    errors = venue_errors(cast, name="médiathèque")
    assert errors["name"] == ["This territory already has a venue called “médiathèque”."]


def test_venue_keeps_its_own_name_when_edited(cast: Cast) -> None:
    assert venue_errors(cast, instance=cast.venue, name="Médiathèque") == {}


def test_venue_far_from_its_sector_is_refused(cast: Cast) -> None:
    # Latitude and longitude swapped: thousands of km away.
    errors = venue_errors(cast, latitude="-1.679", longitude="48.112")
    assert "km from the centre of the sector “Centre”" in errors["latitude"][0]


def test_venue_address_is_required(cast: Cast) -> None:
    assert "address" in venue_errors(cast, address="  ")


def test_venue_form_orders_slots_and_accessibility(cast: Cast) -> None:
    form = VenueForm(
        venue_data(
            cast,
            opening_slots=["sun-evening", "mon-morning"],
            accessibility=["quiet", "step-free"],
        ),
        territory=cast.territory,
    )
    assert form.is_valid()
    assert form.cleaned_data["opening_slots"] == ["mon-morning", "sun-evening"]
    assert form.cleaned_data["accessibility"] == ["step-free", "quiet"]


# --- Arbitrary input: never a 500, invalid input changes nothing ---

safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
)  # no lone surrogates: they cannot even be encoded in a request
field_values = st.one_of(
    safe_text,
    st.sampled_from(["48.1", "-1.68", "91", "-181", "nan", "1e400", "0", "51", "3", "on"]),
    st.lists(st.one_of(st.sampled_from(ALL_SLOTS), safe_text), max_size=4),
)

SECTOR_FIELDS = ["name", "description", "latitude", "longitude"]
VENUE_FIELDS = [
    "name",
    "address",
    "sector",
    "latitude",
    "longitude",
    "capacity",
    "opening_slots",
    "accessibility",
    "nothing_to_buy",
]

HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _snapshot(cast: Cast) -> tuple[Any, ...]:
    return (
        tuple(Sector.objects.order_by("pk").values_list()),
        tuple(Venue.objects.order_by("pk").values_list()),
    )


def _post(client: Client, url: str, data: dict[str, Any], cast: Cast) -> None:
    before = _snapshot(cast)
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _snapshot(cast) == before


@pytest.fixture
def facilitator_client(cast: Cast) -> Client:
    client = Client()
    sign_in(client, cast.facilitator)
    return client


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(SECTOR_FIELDS), field_values))
def test_arbitrary_sector_creation_never_fails(
    cast: Cast, facilitator_client: Client, data: dict[str, Any]
) -> None:
    _post(
        facilitator_client, reverse("manage_sector_create", args=[cast.territory.slug]), data, cast
    )


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(SECTOR_FIELDS), field_values))
def test_arbitrary_sector_edit_never_fails(
    cast: Cast, facilitator_client: Client, data: dict[str, Any]
) -> None:
    url = reverse("manage_sector_edit", args=[cast.territory.slug, cast.sector.pk])
    _post(facilitator_client, url, data, cast)


def _venue_strategy(cast: Cast) -> st.SearchStrategy[dict[str, Any]]:
    sectors = st.sampled_from(
        [str(cast.sector.pk), str(cast.other_sector.pk), "0", "-1", str(2**64), "x"]
    )
    return st.fixed_dictionaries(
        {},
        optional={
            field: (sectors if field == "sector" else field_values) for field in VENUE_FIELDS
        },
    )


@HYPOTHESIS
@given(data=st.data())
def test_arbitrary_venue_creation_never_fails(
    cast: Cast, facilitator_client: Client, data: st.DataObject
) -> None:
    posted = data.draw(_venue_strategy(cast))
    url = reverse("manage_venue_create", args=[cast.territory.slug])
    _post(facilitator_client, url, posted, cast)


@HYPOTHESIS
@given(data=st.data())
def test_arbitrary_venue_edit_never_fails(
    cast: Cast, facilitator_client: Client, data: st.DataObject
) -> None:
    posted = data.draw(_venue_strategy(cast))
    url = reverse("manage_venue_edit", args=[cast.territory.slug, cast.venue.pk])
    _post(facilitator_client, url, posted, cast)


@HYPOTHESIS
@given(overrides=st.dictionaries(st.sampled_from(VENUE_FIELDS), field_values, max_size=3))
def test_nearly_valid_venue_either_saves_a_clean_venue_or_changes_nothing(
    cast: Cast, facilitator_client: Client, overrides: dict[str, Any]
) -> None:
    url = reverse("manage_venue_edit", args=[cast.territory.slug, cast.venue.pk])
    _post(facilitator_client, url, venue_data(cast) | overrides, cast)
    cast.venue.refresh_from_db()
    assert 1 <= cast.venue.capacity <= 50
    assert cast.venue.opening_slots
    assert cast.venue.sector.territory_id == cast.territory.pk
