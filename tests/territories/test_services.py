"""Service functions guard their invariants even without the forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.territories.test_views import ClientAs, sector_data, venue_data
from tierslien.territories import services
from tierslien.territories.models import Sector, Venue

pytestmark = pytest.mark.django_db


def venue_fields(cast: Cast, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Centre social",
        "address": "5 allée des Tilleuls",
        "sector": cast.sector,
        "latitude": 48.112,
        "longitude": -1.679,
        "capacity": 3,
        "opening_slots": ["mon-morning"],
        "accessibility": [],
        "nothing_to_buy": True,
    } | overrides


def test_create_venue_refuses_a_sector_of_another_territory(cast: Cast) -> None:
    with pytest.raises(ValueError):
        services.create_venue(cast.territory, **venue_fields(cast, sector=cast.other_sector))
    assert not Venue.objects.filter(name="Centre social").exists()


def test_update_venue_refuses_a_sector_of_another_territory(cast: Cast) -> None:
    with pytest.raises(ValueError):
        services.update_venue(cast.venue, **venue_fields(cast, sector=cast.other_sector))
    cast.venue.refresh_from_db()
    assert cast.venue.sector == cast.sector


def test_duplicate_names_are_refused_by_the_services(cast: Cast) -> None:
    with pytest.raises(services.DuplicateName):
        services.create_sector(
            cast.territory, name="CENTRE", description="", latitude=48.0, longitude=-1.6
        )
    with pytest.raises(services.DuplicateName):
        services.create_venue(cast.territory, **venue_fields(cast, name="médiathèque"))


def test_update_sector_saves_every_field(cast: Cast) -> None:
    services.update_sector(
        cast.sector, name="Centre-ville", description="Old town", latitude=48.2, longitude=-1.7
    )
    sector = Sector.objects.get(pk=cast.sector.pk)
    assert (sector.name, sector.description, sector.latitude, sector.longitude) == (
        "Centre-ville",
        "Old town",
        48.2,
        -1.7,
    )


@pytest.mark.parametrize(
    ("service", "url_name", "obj", "data"),
    [
        ("create_sector", "manage_sector_create", None, "sector"),
        ("update_sector", "manage_sector_edit", "sector", "sector"),
        ("create_venue", "manage_venue_create", None, "venue"),
        ("update_venue", "manage_venue_edit", "venue", "venue"),
    ],
)
def test_a_name_taken_meanwhile_rerenders_the_form(
    cast: Cast,
    client_as: ClientAs,
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    url_name: str,
    obj: str | None,
    data: str,
) -> None:
    def taken(*args: Any, **kwargs: Any) -> None:
        raise services.DuplicateName("x")

    monkeypatch.setattr(services, service, taken)
    args: list[Any] = [cast.territory.slug]
    if obj:
        args.append(getattr(cast, obj).pk)
    payload = sector_data(name="Nouveau") if data == "sector" else venue_data(cast, name="Nouveau")
    response = client_as("facilitator").post(reverse(url_name, args=args), payload)
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_territory_summary_counts(cast: Cast) -> None:
    summary = services.territory_summary(cast.territory)
    assert summary.participant_count == 2
    assert summary.participants_without_sector == 0
    assert [(row.sector, row.venue_count, row.participant_count) for row in summary.sectors] == [
        (cast.sector, 1, 2)
    ]
    assert summary.sectors_without_venue == []
    Sector.objects.create(territory=cast.territory, name="Vide", latitude=48.0, longitude=-1.6)
    assert [s.name for s in services.territory_summary(cast.territory).sectors_without_venue] == [
        "Vide"
    ]
