"""The permission ritual for every page of a circle's space, and the pact gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import assert_sent_to_login, password_only
from tests.spaces.conftest import NOW, Space, add_member
from tierslien.accounts.models import User
from tierslien.circles.models import Circle
from tierslien.spaces.models import AidPost, CalendarToken, Message

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]

# name -> (method, needs a message id, needs a post id)
PAGES: dict[str, tuple[str, str | None]] = {
    "circle_home": ("get", None),
    "circle_pact": ("get", None),
    "circle_intro": ("get", None),
    "circle_sessions": ("get", None),
    "circle_calendar_token": ("post", None),
    "circle_guide": ("get", None),
    "circle_board": ("get", None),
    "circle_message_edit": ("get", "message"),
    "circle_message_delete": ("post", "message"),
    "circle_aid": ("get", None),
    "circle_aid_offer": ("post", "post"),
    "circle_aid_resolve": ("post", "post"),
    "circle_leave": ("get", None),
}
WRONG_METHOD = {"get": "put", "post": "get"}
OK = {200, 302}


def _objects(space: Space, cast: Cast) -> dict[str, int]:
    return _objects_in(space.circle, cast.participant)


def _objects_in(circle: Circle, author: User) -> dict[str, int]:
    """A message on the circle's board and a need posted there, both by `author`."""
    message = Message.objects.create(circle=circle, author=author, text="Hello", created_at=NOW)
    post = AidPost.objects.create(
        circle=circle,
        author=author,
        kind="need",
        title="T",
        text="x",
        created_at=NOW,
    )
    return {"message": message.pk, "post": post.pk}


def url(name: str, circle_id: int, ids: dict[str, int]) -> str:
    extra = PAGES[name][1]
    args: list[Any] = [circle_id] + ([ids[extra]] if extra else [])
    return reverse(name, args=args)


def _call(client: Client, name: str, target: str, method: str | None = None) -> Any:
    method = method or PAGES[name][0]
    data = {"text": "Me too"} if name == "circle_aid_offer" else {}
    return (
        getattr(client, method)(target, data)
        if method == "post"
        else getattr(client, method)(target)
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_login(
    space: Space, cast: Cast, client_as: ClientAs, name: str
) -> None:
    response = _call(
        client_as("anonymous"), name, url(name, space.circle.pk, _objects(space, cast))
    )
    assert_sent_to_login(response)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("role", ["outsider", "facilitator", "other_facilitator", "admin"])
def test_non_members_get_404(
    space: Space, cast: Cast, client_as: ClientAs, name: str, role: str
) -> None:
    target = url(name, space.circle.pk, _objects(space, cast))
    assert _call(client_as(role), name, target).status_code == 404


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_member_of_another_circle_gets_404(space: Space, cast: Cast, name: str) -> None:
    client = password_only(space.stranger)
    target = url(name, space.circle.pk, _objects(space, cast))
    assert _call(client, name, target).status_code == 404


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_member_gets_in(space: Space, cast: Cast, client_as: ClientAs, name: str) -> None:
    target = url(name, space.circle.pk, _objects(space, cast))
    # the author cannot offer help on their own post; the co-member can
    client = client_as("participant")
    if name == "circle_aid_offer":
        client = password_only(cast.co_member)
    assert _call(client, name, target).status_code in OK


@pytest.mark.parametrize("name", sorted(PAGES))
def test_wrong_method_gets_405(space: Space, cast: Cast, client_as: ClientAs, name: str) -> None:
    target = url(name, space.circle.pk, _objects(space, cast))
    method = WRONG_METHOD[PAGES[name][0]]
    if name in {
        "circle_pact",
        "circle_intro",
        "circle_sessions",
        "circle_board",
        "circle_aid",
        "circle_leave",
        "circle_message_edit",
    }:
        method = "put"  # these accept GET and POST
    assert _call(client_as("participant"), name, target, method).status_code == 405


@pytest.mark.parametrize("name", ["circle_home", "circle_board"])
def test_an_unpublished_circle_is_not_reachable(
    space: Space, cast: Cast, client_as: ClientAs, name: str
) -> None:
    space.season.state = "proposed"
    space.season.save(update_fields=["state"])
    target = url(name, space.circle.pk, {})
    assert client_as("participant").get(target).status_code == 404


@pytest.mark.parametrize(
    "name",
    ["circle_message_edit", "circle_message_delete", "circle_aid_offer", "circle_aid_resolve"],
)
def test_another_circles_object_gets_404(space: Space, name: str) -> None:
    ids = _objects_in(space.other_circle, space.stranger)
    # the stranger reaches their object only through their own circle
    client = password_only(space.stranger)
    target = url(name, space.circle.pk, ids)
    assert _call(client, name, target).status_code == 404


def test_someone_elses_message_cannot_be_edited_or_deleted(
    space: Space, cast: Cast, client_as: ClientAs
) -> None:
    ids = _objects(space, cast)
    client = password_only(cast.co_member)
    assert client.get(url("circle_message_edit", space.circle.pk, ids)).status_code == 404
    assert (
        client.post(
            url("circle_message_edit", space.circle.pk, ids), {"text": "Changed"}
        ).status_code
        == 404
    )
    assert client.post(url("circle_message_delete", space.circle.pk, ids)).status_code == 404
    assert Message.objects.get(pk=ids["message"]).text == "Hello"


def test_someone_elses_post_cannot_be_resolved(space: Space, cast: Cast) -> None:
    ids = _objects(space, cast)
    client = password_only(cast.co_member)
    assert client.post(url("circle_aid_resolve", space.circle.pk, ids)).status_code == 404
    assert AidPost.objects.get(pk=ids["post"]).resolved_at is None


GATED = sorted(set(PAGES) - {"circle_pact", "circle_leave"})


@pytest.mark.parametrize("name", GATED)
def test_every_page_waits_for_the_pact(space: Space, cast: Cast, name: str) -> None:
    newcomer = add_member(space.circle, pact=False)
    client = password_only(newcomer)
    response = _call(client, name, url(name, space.circle.pk, _objects(space, cast)))
    assert response.status_code == 302
    assert response.url == reverse("circle_pact", args=[space.circle.pk])


def test_accepting_the_pact_opens_the_space(space: Space) -> None:
    newcomer = add_member(space.circle, pact=False)
    client = password_only(newcomer)
    page = client.get(reverse("circle_pact", args=[space.circle.pk]))
    assert b"Confidentiality" in page.content and b"No recruiting" in page.content
    refused = client.post(reverse("circle_pact", args=[space.circle.pk]), {})
    assert refused.status_code == 200
    response = client.post(reverse("circle_pact", args=[space.circle.pk]), {"accept": "on"})
    assert response.url == reverse("circle_home", args=[space.circle.pk])
    assert client.get(reverse("circle_home", args=[space.circle.pk])).status_code == 200


def test_the_calendar_feed_needs_a_valid_token(space: Space, cast: Cast, client: Client) -> None:
    token = CalendarToken.objects.create(
        circle=space.circle, user=cast.participant, token="secret-token-1234", created_at=NOW
    )
    good = reverse("circle_calendar_ics", args=[space.circle.pk, token.token])
    assert client.get(good).status_code == 200
    assert client.post(good).status_code == 405
    wrong = reverse("circle_calendar_ics", args=[space.circle.pk, "guess"])
    assert client.get(wrong).status_code == 404
    elsewhere = reverse("circle_calendar_ics", args=[space.other_circle.pk, token.token])
    assert client.get(elsewhere).status_code == 404
