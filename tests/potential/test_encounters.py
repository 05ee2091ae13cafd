"""Who meets whom: encounter tables from the current circles, small cells hidden."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.circles.conftest import Proposed, proposed  # noqa: F401  (fixture)
from tierslien.portraits.models import Criterion
from tierslien.potential.encounters import encounter_tables, hide_small

pytestmark = pytest.mark.django_db


def test_cells_under_eleven_are_hidden() -> None:
    assert hide_small(((25, 10), (10, 11))) == ((25, None), (None, 11))
    assert hide_small(((0,),)) == ((None,),)


def test_the_sector_table_counts_pairs_sharing_a_circle(proposed: Proposed) -> None:  # noqa: F811
    tables = encounter_tables(proposed.season, "Sectors")
    sectors = tables[0]
    assert sectors.title == "Sectors"
    assert sectors.labels == ("Centre",)
    # Six people in one circle and five in the other, all of the Centre: 15 + 10 pairs.
    assert sectors.rows == (("Centre", (25,)),)


def test_a_table_per_question_that_may_be_told_never_a_sensitive_one(
    proposed: Proposed,  # noqa: F811
    cast: Cast,
) -> None:
    titles = [t.title for t in encounter_tables(proposed.season, "Sectors")[1:]]
    told = Criterion.objects.get(territory=cast.territory, key="occupation")
    assert str(told.display_label) in titles
    for criterion in Criterion.objects.filter(territory=cast.territory, sensitive=True):
        assert str(criterion.display_label) not in titles
    occupation = next(
        t for t in encounter_tables(proposed.season, "Sectors") if t.title == titles[0]
    )
    # Eleven people over eight occupations: no pair of occupations meets 11 times.
    assert all(cell is None for _label, cells in occupation.rows for cell in cells)


def test_the_page_shows_hidden_cells_in_words(
    proposed: Proposed,  # noqa: F811
    client_as: Callable[[str], Client],
) -> None:
    season = proposed.season
    url = reverse("manage_season_potential", args=[season.territory.slug, season.pk])
    text = re.sub(r"\s+", " ", client_as("facilitator").get(url).content.decode())
    assert "Who meets whom" in text
    assert '<th scope="row">Centre</th><td>25</td>' in text
    assert "<td>&lt;&nbsp;11</td>" in text
    assert "fewer than 11 encounters, hidden" in text
