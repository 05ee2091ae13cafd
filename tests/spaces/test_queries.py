"""Each main page costs the same number of queries whatever the size of the circle."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, Space, add_member
from tierslien.spaces.models import AidOffer, AidPost, Attendance, Introduction, Message

pytestmark = pytest.mark.django_db

# session, user, circle, pact, then the page's own reads
PAGES = {
    # memberships with users, introductions; why together: members with their portraits,
    # the questions, the answers, who met before
    "circle_home": 10,
    "circle_sessions": 6,  # attendances with users, my calendar address
    "circle_guide": 6,  # members for the default order of speakers
    "circle_board": 5,  # messages with authors
    "circle_aid": 6,  # posts with authors, offers with authors
}


def _fill(space: Space, cast: Cast, members: int, items: int, *, first: bool = True) -> None:
    people = [cast.participant, cast.co_member] if first else []
    people += [add_member(space.circle) for _ in range(members)]
    for k, person in enumerate(people):
        Introduction.objects.create(
            circle=space.circle, user=person, text=f"intro {k}", updated_at=NOW
        )
        Attendance.objects.create(
            circle=space.circle, user=person, session=1 + k % 4, answer="coming", updated_at=NOW
        )
    for k in range(items):
        author = people[k % len(people)]
        Message.objects.create(circle=space.circle, author=author, text=f"m{k}", created_at=NOW)
        post = AidPost.objects.create(
            circle=space.circle,
            author=author,
            kind="need",
            title=f"p{k}",
            text="x",
            created_at=NOW,
        )
        AidOffer.objects.create(
            post=post, author=people[(k + 1) % len(people)], text="o", created_at=NOW
        )


def _count(client: Client, name: str, space: Space) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=[space.circle.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize(("members", "items"), [(1, 2), (10, 30)])
def test_page_query_count_is_fixed(
    space: Space,
    cast: Cast,
    django_assert_max_num_queries: Any,
    name: str,
    members: int,
    items: int,
) -> None:
    _fill(space, cast, members, items)
    client = password_only(cast.participant)
    client.get(reverse(name, args=[space.circle.pk]))  # warm the session
    with django_assert_max_num_queries(PAGES[name]):
        response = client.get(reverse(name, args=[space.circle.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_query_count_does_not_grow(space: Space, cast: Cast, name: str) -> None:
    client = password_only(cast.participant)
    _fill(space, cast, 1, 2)
    small = _count(client, name, space)
    _fill(space, cast, 8, 20, first=False)
    assert _count(client, name, space) == small
