"""A relay reaches only the people they registered; nobody else reaches a relay's pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, sign_in
from tests.relays.helpers import other_relay_with_person
from tierslien.accounts.models import ReachBy

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
PERSON_PAGES = ("relay_person", "relay_person_contact")


def test_a_relay_sees_only_their_own_people(cast: Cast, client_as: ClientAs) -> None:
    _other, paul = other_relay_with_person(cast)
    page = client_as("relay").get(reverse("relay_home", args=[cast.territory.slug]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Rémi" in text
    assert "Paul" not in text


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_another_relays_person_is_a_404_on_every_relay_url(
    cast: Cast, client_as: ClientAs, name: str
) -> None:
    _other, paul = other_relay_with_person(cast)
    client = client_as("relay")
    url = reverse(name, args=[cast.territory.slug, paul.pk])
    assert client.get(url).status_code == 404
    posted = client.post(url, {"reach_by": ReachBy.SMS, "phone": "0611111111"})
    assert posted.status_code in (404, 405)  # the detail page takes no POST at all
    paul.refresh_from_db()
    assert paul.phone == ""


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_the_relays_own_person_through_another_territory_is_refused(
    cast: Cast, client_as: ClientAs, name: str
) -> None:
    url = reverse(name, args=[cast.other_territory.slug, cast.registered.pk])
    assert client_as("relay").get(url).status_code in (403, 404)


@pytest.mark.parametrize("name", ["relay_home", "relay_register"])
@pytest.mark.parametrize("role", ["facilitator", "other_facilitator", "participant", "admin"])
def test_people_without_the_relay_role_are_refused(
    cast: Cast, client_as: ClientAs, name: str, role: str
) -> None:
    """Facilitators are not relays unless given the role: 403 (another territory's too)."""
    response = client_as(role).get(reverse(name, args=[cast.territory.slug]))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["facilitator", "other_facilitator"])
def test_facilitators_never_reach_a_relays_person(
    cast: Cast, client_as: ClientAs, role: str
) -> None:
    for name in PERSON_PAGES:
        url = reverse(name, args=[cast.territory.slug, cast.registered.pk])
        assert client_as(role).get(url).status_code in (403, 404)


def test_a_relay_without_an_authenticator_app_is_sent_to_enrol(cast: Cast) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=cast.relay).delete()
    client = sign_in(Client(), cast.relay, mfa=False)
    response = client.get(reverse("relay_home", args=[cast.territory.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_relay_with_an_app_confirms_a_code_first(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("relay_without_mfa").get(reverse("relay_home", args=[cast.territory.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_the_person_page_shows_what_helps_and_no_answer(cast: Cast, client_as: ClientAs) -> None:
    page = client_as("relay").get(
        reverse("relay_person", args=[cast.territory.slug, cast.registered.pk])
    )
    text = page.content.decode()
    assert "Rémi" in text
    assert "+33 6 12 34 56 78" in text
    assert "Text message" in text


def test_the_relay_changes_how_their_person_is_reached(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("relay_person_contact", args=[cast.territory.slug, cast.registered.pk])
    client = client_as("relay")
    assert client.get(url).status_code == 200
    response = client.post(url, {"reach_by": ReachBy.POST, "postal_address": "9 rue du Puits"})
    assert response.status_code == 302
    cast.registered.refresh_from_db()
    assert (cast.registered.reach_by, cast.registered.postal_address) == (
        ReachBy.POST,
        "9 rue du Puits",
    )
    # No email channel for someone without an address, and a bad number is explained.
    assert client.post(url, {"reach_by": ReachBy.EMAIL}).status_code == 400
    assert client.post(url, {"reach_by": ReachBy.SMS, "phone": "12"}).status_code == 400


def test_after_takeover_the_relay_no_longer_edits_contact_details(
    cast: Cast, client_as: ClientAs
) -> None:
    from django.utils import timezone

    from tierslien.relays.models import Registered

    Registered.objects.filter(person=cast.registered).update(taken_over_at=timezone.now())
    url = reverse("relay_person_contact", args=[cast.territory.slug, cast.registered.pk])
    response = client_as("relay").post(url, {"reach_by": ReachBy.POST, "postal_address": "x"})
    assert response.status_code == 302
    cast.registered.refresh_from_db()
    assert cast.registered.reach_by == ReachBy.SMS
