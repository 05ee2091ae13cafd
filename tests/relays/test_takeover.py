"""Taking over one's account with a code: sending it, typing it, and what follows."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tierslien.accounts.models import ReachBy, User
from tierslien.outbox.models import Message
from tierslien.privacy.services import export_personal_data
from tierslien.relays import takeover
from tierslien.relays.models import Registered, TakeoverCode

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
CODE = re.compile(r"\b([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})\b")
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
HERE = "192.0.2.1"


def registration(cast: Cast) -> Registered:
    return Registered.objects.select_related("person", "relay").get(person=cast.registered)


def code_in(message: Message) -> str:
    found = CODE.search(message.body)
    assert found, message.body
    return found.group(1)


def send(cast: Cast) -> str:
    return takeover.send_code(registration(cast), sender_key="test").code


# --- Sending -------------------------------------------------------------------------------


def test_the_relay_sends_a_code_on_the_persons_channel(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("relay_takeover", args=[cast.territory.slug, cast.registered.pk])
    response = client_as("relay").post(url)
    assert response.status_code == 302
    row = Message.objects.get(user=cast.registered)
    # A text message: the person's name, the code and where to type it (the letter and the
    # email also say who registered them; a text has no room for it, docs/reach.md).
    assert row.channel == "sms" and "/takeover/" in row.body and "Rémi" in row.body
    code = code_in(row)
    assert code not in str(TakeoverCode.objects.get(person=cast.registered).code_hash)
    assert takeover.redeem(code, address=HERE) == cast.registered
    stored = TakeoverCode.objects.get(person=cast.registered)
    assert stored.expires_at - stored.created_at == datetime.timedelta(days=2)  # by text


def test_a_letter_carries_the_first_name_and_lasts_thirty_days(cast: Cast) -> None:
    User.objects.filter(pk=cast.registered.pk).update(
        reach_by=ReachBy.POST, postal_address="3 rue des Lilas\n35000 Val-de-Lien"
    )
    sent = takeover.send_code(registration(cast), sender_key="test")
    row = Message.objects.get(user=cast.registered)
    assert "Rémi" in row.body and "Rosa" in row.body
    assert takeover.readable(sent.code) in row.body
    stored = TakeoverCode.objects.get(person=cast.registered)
    assert stored.expires_at - stored.created_at == datetime.timedelta(days=30)


def test_no_code_through_the_relay_themselves(cast: Cast) -> None:
    User.objects.filter(pk=cast.registered.pk).update(reach_by=ReachBy.RELAY)
    with pytest.raises(takeover.NoChannelOfTheirOwn):
        send(cast)
    assert not TakeoverCode.objects.exists() and not Message.objects.exists()


def test_a_new_code_revokes_the_previous_one(cast: Cast) -> None:
    first = send(cast)
    second = send(cast)
    with pytest.raises(takeover.WrongCode):
        takeover.redeem(first, address=HERE)
    assert takeover.redeem(second, address=HERE) == cast.registered


def test_three_codes_a_day_at_most(cast: Cast) -> None:
    for _ in range(takeover.CODES_PER_PERSON_PER_DAY):
        send(cast)
    with pytest.raises(takeover.TooManyCodes):
        send(cast)


def test_a_facilitator_sends_a_code_to_someone_of_their_territory(
    cast: Cast, client_as: ClientAs
) -> None:
    url = reverse("manage_takeover", args=[cast.territory.slug, cast.registered.pk])
    assert client_as("facilitator").post(url).status_code == 302
    assert TakeoverCode.objects.filter(person=cast.registered).count() == 1


def test_nobody_but_their_relay_reaches_a_person(cast: Cast, client_as: ClientAs) -> None:
    """Someone the relay did not register is a 404, whether they exist or not."""
    for person_id in (cast.participant.pk, 999999):
        url = reverse("relay_takeover", args=[cast.territory.slug, person_id])
        assert client_as("relay").post(url).status_code == 404
        url = reverse("manage_takeover", args=[cast.territory.slug, person_id])
        assert client_as("facilitator").post(url).status_code == 404
    assert not TakeoverCode.objects.exists()


# --- Typing it -----------------------------------------------------------------------------


def test_five_wrong_tries_lock_the_code(cast: Cast) -> None:
    code = send(cast)
    wrong = code[:4] + ("2222" if code[4:] != "2222" else "3333")
    for _ in range(takeover.MAX_WRONG_TRIES):
        with pytest.raises(takeover.WrongCode):
            takeover.redeem(wrong, address=HERE)
    assert TakeoverCode.objects.get(person=cast.registered).attempts == 5
    with pytest.raises(takeover.WrongCode):
        takeover.redeem(code, address=HERE)


def test_an_expired_code_is_refused(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        code = send(cast)
    later = NOW + datetime.timedelta(days=2, minutes=1)
    with time_machine.travel(later, tick=False), pytest.raises(takeover.WrongCode):
        takeover.redeem(code, address=HERE)


def test_a_used_code_is_refused(cast: Cast) -> None:
    code = send(cast)
    takeover.redeem(code, address=HERE)
    with pytest.raises(takeover.WrongCode):
        takeover.redeem(code, address=HERE)


def test_the_code_is_read_as_people_type_it(cast: Cast) -> None:
    code = send(cast)
    typed = f" {code[:4].lower()} {code[4:].lower()} "
    assert takeover.redeem(typed, address=HERE) == cast.registered


def test_every_failure_reads_the_same(cast: Cast, client: Client) -> None:
    """Unknown, malformed, used: one sentence, so nobody learns whether a code exists."""
    code = send(cast)
    takeover.redeem(code, address=HERE)
    pages = [
        client.post(reverse("takeover"), {"code": typed}).content.decode()
        for typed in (code, "ZZZZ-ZZZZ", "0O1I")
    ]
    errors = [re.findall(r'<ul class="errorlist"[^>]*>.*?</ul>', page, re.S) for page in pages]
    assert errors[0] and errors[0] == errors[1] == errors[2]


def test_taking_over_sets_a_password_signs_in_and_the_export_tells_the_story(
    cast: Cast, client: Client
) -> None:
    code = send(cast)
    response = client.post(reverse("takeover"), {"code": code})
    assert response["Location"] == reverse("takeover_finish")
    password = "a long walk by the river"
    response = client.post(
        reverse("takeover_finish"), {"password1": password, "password2": password, "email": ""}
    )
    assert response["Location"] == reverse("my_data")
    assert client.session["_auth_user_id"] == str(cast.registered.pk)
    person = User.objects.get(pk=cast.registered.pk)
    assert person.check_password(password) and person.email is None
    assert registration(cast).taken_over_at is not None
    assert TakeoverCode.objects.get(person=person).used_at is not None
    data = export_personal_data(person)["data"]
    (record,) = data["registered_by_relay"]
    assert record["relay__display_name"] == "Rosa"
    assert record["agreed_how"] == "in-person" and record["taken_over_at"] is not None
    assert data["account"][0]["phone"] == "+33612345678"  # entered by the relay
    assert len(data["takeover_codes"]) == 1


def test_a_weak_password_is_refused_and_the_step_waits(cast: Cast, client: Client) -> None:
    client.post(reverse("takeover"), {"code": send(cast)})
    response = client.post(
        reverse("takeover_finish"), {"password1": "1234", "password2": "1234", "email": ""}
    )
    assert response.status_code == 200
    assert registration(cast).taken_over_at is None
    assert "_auth_user_id" not in client.session


def test_an_email_given_is_verified_the_usual_way(cast: Cast, client: Client) -> None:
    client.post(reverse("takeover"), {"code": send(cast)})
    password = "a long walk by the river"
    client.post(
        reverse("takeover_finish"),
        {"password1": password, "password2": password, "email": "Remi@Example.org"},
    )
    address = EmailAddress.objects.get(user=cast.registered)
    assert (address.email, address.verified, address.primary) == ("remi@example.org", False, True)
    assert Message.objects.filter(recipient="remi@example.org").exists()  # allauth's link


def test_an_email_already_used_is_refused(cast: Cast, client: Client) -> None:
    client.post(reverse("takeover"), {"code": send(cast)})
    password = "a long walk by the river"
    response = client.post(
        reverse("takeover_finish"),
        {"password1": password, "password2": password, "email": cast.participant.email},
    )
    assert response.status_code == 200
    assert registration(cast).taken_over_at is None


def test_the_password_step_needs_a_code_just_typed(client: Client) -> None:
    assert client.get(reverse("takeover_finish"))["Location"] == reverse("takeover")


# --- Signing in with a code later -----------------------------------------------------------


def test_after_taking_over_a_code_signs_in(cast: Cast, client: Client) -> None:
    Registered.objects.filter(person=cast.registered).update(taken_over_at=timezone.now())
    code = send(cast)
    response = client.post(reverse("takeover"), {"code": code})
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(cast.registered.pk)


def test_send_me_a_code_answers_the_same_for_any_number(cast: Cast, client: Client) -> None:
    known = client.post(reverse("takeover_request"), {"phone": "06 12 34 56 78"}, follow=True)
    assert TakeoverCode.objects.filter(person=cast.registered).count() == 1
    assert Message.objects.filter(user=cast.registered).count() == 1
    unknown = client.post(reverse("takeover_request"), {"phone": "06 98 76 54 32"}, follow=True)
    assert TakeoverCode.objects.count() == 1

    def said(response: object) -> list[str]:
        return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]

    assert said(known) == said(unknown) and said(known)


def test_asking_for_codes_is_limited_per_address(cast: Cast, client: Client) -> None:
    for _ in range(takeover.REQUESTS_PER_ADDRESS_PER_HOUR + 2):
        client.post(reverse("takeover_request"), {"phone": "06 98 76 54 32"})
    client.post(reverse("takeover_request"), {"phone": "06 12 34 56 78"})
    assert not TakeoverCode.objects.exists()
