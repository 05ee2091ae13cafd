"""Helpers for the territory tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from tests.cast import Cast, venue_elsewhere
from tierslien.territories.models import Sector, Venue


@pytest.fixture
def other_venue(cast: Cast) -> Venue:
    """A venue of the other territory, to forge ids with."""
    return venue_elsewhere(cast, name="Salle du Bourg", capacity=1, opening_slots=["sat-morning"])


@pytest.fixture
def make_sectors(cast: Cast) -> Callable[[int], list[Sector]]:
    made = itertools.count()

    def make(count: int) -> list[Sector]:
        sectors = [
            Sector.objects.create(
                territory=cast.territory,
                name=f"Quartier {index}",
                latitude=48.1 + index / 1000,
                longitude=-1.68,
            )
            for index in (next(made) for _ in range(count))
        ]
        for sector in sectors:
            index = sector.name.removeprefix("Quartier ")
            Venue.objects.create(
                territory=cast.territory,
                sector=sector,
                name=f"Salle {index}",
                address=f"{index} rue de la Paix",
                latitude=sector.latitude,
                longitude=sector.longitude,
                opening_slots=["mon-evening", "sat-morning"],
                accessibility=["quiet"],
            )
        return sectors

    return make
