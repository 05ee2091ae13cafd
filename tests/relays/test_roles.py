"""A facilitator gives and withdraws the relay role in their territory."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tierslien.relays.models import Registered, Relay

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _url(cast: Cast) -> str:
    return reverse("manage_relays", args=[cast.territory.slug])


def test_the_page_lists_people_with_a_role(cast: Cast, client_as: ClientAs) -> None:
    text = client_as("facilitator").get(_url(cast)).content.decode()
    assert "Fiona" in text and "Rosa" in text
    assert "Local contacts" in text


def test_giving_the_role_by_email_records_who_gave_it(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(_url(cast), {"email": "Charlie@Example.org"})
    assert response.status_code == 302
    relay = Relay.objects.get(territory=cast.territory, user=cast.outsider)
    assert relay.given_by == cast.facilitator


def test_the_person_must_have_an_account(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(_url(cast), {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "Nobody has an account with this email address" in response.content.decode()
    assert Relay.objects.count() == 1


def test_giving_it_twice_says_so(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(_url(cast), {"email": "rosa@example.org"})
    assert "Rosa is already a local contact of this territory." in response.content.decode()


def test_withdrawing_keeps_the_people_they_registered(cast: Cast, client_as: ClientAs) -> None:
    relay = Relay.objects.get(user=cast.relay)
    url = reverse("manage_relay_withdraw", args=[cast.territory.slug, relay.pk])
    assert client_as("facilitator").post(url).status_code == 302
    assert not Relay.objects.filter(pk=relay.pk).exists()
    cast.registered.refresh_from_db()  # the person keeps their account and their record
    assert Registered.objects.get(person=cast.registered).relay == cast.relay
    home = client_as("relay").get(reverse("relay_home", args=[cast.territory.slug]))
    assert home.status_code == 403


def test_another_territorys_facilitator_cannot_withdraw_it(cast: Cast, client_as: ClientAs) -> None:
    relay = Relay.objects.get(user=cast.relay)
    for slug in (cast.territory.slug, cast.other_territory.slug):
        url = reverse("manage_relay_withdraw", args=[slug, relay.pk])
        client_as("other_facilitator").post(url)
    assert Relay.objects.filter(pk=relay.pk).exists()


def test_the_relay_finds_their_pages_from_the_home_page(cast: Cast, client_as: ClientAs) -> None:
    text = client_as("relay").get(reverse("home")).content.decode()
    assert reverse("relay_home", args=[cast.territory.slug]) in text
