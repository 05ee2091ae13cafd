"""The projection and the check-in pages cost the same whatever the size of the room."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.gatherings.conftest import Crowd
from tierslien.gatherings.evenings import services
from tierslien.gatherings.models import Evening

pytestmark = pytest.mark.django_db


def _queries(client: Client, target: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(target)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["evening_round", "evening_checkin", "evening_detail"])
def test_page_query_count_is_constant(
    evening: Evening, crowd: Crowd, client_as: Callable[[str], Client], name: str
) -> None:
    client = client_as("facilitator")
    args: list[object] = [evening.territory.slug, evening.pk]
    if name == "evening_round":
        args.append(1)
    target = reverse(name, args=args)
    crowd(evening, 8)
    services.compose_tables(evening)
    small = _queries(client, target)
    crowd(evening, 40, seed=2)
    services.compose_tables(evening, fresh=True)
    assert _queries(client, target) == small
    if name == "evening_round":
        page = client.get(target).content.decode()
        assert page.count('class="table-card"') >= 9
