"""Export and deletion cover what relays entered; routing finds a person's relay."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.relays.helpers import open_season, registration_post
from tierslien.accounts.models import User
from tierslien.outbox.routing import relay_of
from tierslien.privacy.registry import PERSONAL_MODELS
from tierslien.privacy.services import collect_personal_data, delete_account
from tierslien.relays.models import AgreedHow, PaperForm, Registered

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def test_the_outbox_finds_the_relay_of_a_registered_person(cast: Cast) -> None:
    assert relay_of(cast.registered) == cast.relay
    assert relay_of(cast.participant) is None


def test_a_relays_my_data_shows_their_role(cast: Cast, client_as: ClientAs) -> None:
    text = client_as("relay").get(reverse("my_data")).content.decode()
    assert "Territories where you are a local contact" in text
    assert "Val-de-Lien" in text


def _registered_on_paper(cast: Cast, client_as: ClientAs) -> User:
    from django.utils import timezone

    open_season(cast)
    PaperForm.objects.create(territory=cast.territory, code="VDL-2222", printed_at=timezone.now())
    data = registration_post(cast, agreed_how=AgreedHow.PAPER, paper_code="VDL-2222")
    assert client_as("relay").post(reverse("relay_register", args=[cast.territory.slug]), data)
    return User.objects.get(display_name="Josiane")


def test_the_export_contains_what_the_relay_entered(cast: Cast, client_as: ClientAs) -> None:
    person = _registered_on_paper(cast, client_as)
    exported = json.loads(json.dumps(collect_personal_data(person), default=str))
    assert exported["registered_by_relay"][0]["relay__display_name"] == "Rosa"
    assert exported["registered_by_relay"][0]["agreed_how"] == AgreedHow.PAPER
    assert exported["paper_forms"][0]["code"] == "VDL-2222"
    assert exported["account"][0]["phone"] == "+33698765432"
    assert exported["season_registrations"]


def test_deleting_a_relay_registered_person_leaves_nothing(cast: Cast, client_as: ClientAs) -> None:
    person = _registered_on_paper(cast, client_as)
    pk = person.pk
    delete_account(person)
    for spec in PERSONAL_MODELS:
        model = apps.get_model(spec.label)
        assert not model._default_manager.filter(**{spec.owner: pk}).exists(), spec.label
    assert not Registered.objects.filter(person_id=pk).exists()
    assert not PaperForm.objects.filter(code="VDL-2222").exists()
    assert not User.objects.filter(display_name="Josiane").exists()


def test_a_relay_deleting_their_account_leaves_their_people_intact(cast: Cast) -> None:
    delete_account(cast.relay)
    registered = Registered.objects.get(person=cast.registered)
    assert registered.relay is None
    assert User.objects.filter(pk=cast.registered.pk).exists()
    assert relay_of(cast.registered) is None
