"""Nothing on the analysis page depends on a sensitive answer: change one person's
sensitive answers and consents, analyse again, and the page reads byte for byte the same
(the pattern and helpers of tests/security/test_sensitive.py)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.circles.conftest import season_values
from tests.security.test_sensitive import (
    NOW,
    ClientAs,
    compose_as_the_engine_did,
    fetch,
    registered_crowd,
    rolled_back,
    set_sensitive,
)
from tierslien.circles.models import Season
from tierslien.potential import services

pytestmark = pytest.mark.django_db

CROWD = [
    ("activist", ["religious"]),
    ("curious", None),
    (None, ["secular", "political"]),
    ("involved", ["none"]),
    ("distant", None),
    ("activist", ["religious"]),
    (None, None),
    ("disillusioned", ["political"]),
    ("curious", ["secular"]),
    ("involved", None),
    ("activist", ["none"]),
    ("distant", ["religious"]),
    (None, ["secular"]),
]


def _analysis_page(cast: Cast, season: Season, client: Client, capture: Any) -> Any:
    compose_as_the_engine_did(season)
    with capture(execute=True):
        services.start_analysis(season)
        services.start_analysis(
            season, kind="point", params={"lat": 48.12, "lon": -1.67, "label": "Nord"}
        )
    url = reverse("manage_season_potential", args=[cast.territory.slug, season.pk])
    return fetch(client, url)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("who", "after"),
    [(0, (None, None)), (3, ("disillusioned", ["religious", "secular"])), (6, ("activist", None))],
)
def test_the_analysis_page_does_not_depend_on_a_sensitive_answer(
    cast: Cast,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
    who: int,
    after: Any,
) -> None:
    client = client_as("facilitator")
    with rolled_back():
        season = Season.objects.create(territory=cast.territory, **season_values())  # type: ignore[arg-type]
        users = registered_crowd(cast, season, CROWD)
        with rolled_back():
            before = _analysis_page(cast, season, client, django_capture_on_commit_callbacks)
        set_sensitive(cast, users[who], after)
        with rolled_back():
            changed = _analysis_page(cast, season, client, django_capture_on_commit_callbacks)
    assert before[1] == 200
    assert b"What holds the mix back most" in before[2] or b"no single condition" in before[2]
    assert changed == before
