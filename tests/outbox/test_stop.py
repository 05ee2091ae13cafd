"""STOP and START: the gateway's reply webhook, then what the next text message does."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.core.mail import EmailMessage
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.cast import Cast
from tierslien.outbox import services, sms
from tierslien.outbox.models import Message, MessageState, StoppedNumber

pytestmark = pytest.mark.django_db
URL = "/outbox/sms/inbound/"
PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def _gateway_token(settings: Any) -> None:
    settings.SMS_GATEWAY_TOKEN = "s3cret-token"


def reply(text: str, *, sender: str = "+33 6 12 34 56 78", token: str = "s3cret-token") -> Any:
    return Client().post(
        URL,
        json.dumps({"from": sender, "text": text}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _text_to(user: Any, topic: str = "season:1") -> Message:
    with transaction.atomic():
        (row,) = services.queue_emails(
            [services.Outgoing(EmailMessage("S", "B", None, []), user, "Bonjour")], topic=topic
        )
    return row


@pytest.fixture
def alice(cast: Cast) -> Any:
    user = cast.participant
    user.reach_by, user.phone = "sms", PHONE
    user.save()
    return user


@pytest.mark.parametrize("word", ["STOP", "stop", "  Stop ", "ARRET", "arrêt", "STOP ALL"])
def test_stop_words_stop_every_later_text(alice: Any, word: str) -> None:
    response = reply(word)
    assert (response.status_code, response.json()) == (200, {"done": "stopped"})
    assert list(StoppedNumber.objects.values_list("phone", flat=True)) == [PHONE]
    row = _text_to(alice)
    services.deliver_due()
    row.refresh_from_db()
    assert (row.state, row.last_error) == (MessageState.FAILED, "stopped")
    assert sms.sent == []
    assert services.counts("season:1").by_channel[0].stopped == 1


def test_a_stop_received_while_a_text_waits_stops_it_too(alice: Any) -> None:
    row = _text_to(alice)  # queued; the sender has not run yet
    reply("STOP")
    services.deliver_due()
    row.refresh_from_db()
    assert (row.state, row.last_error, sms.sent) == (MessageState.FAILED, "stopped", [])
    assert services.resend_failed("season:1") == 0  # never sent again against the STOP


def test_start_undoes_it(alice: Any) -> None:
    reply("STOP")
    assert reply("start").json() == {"done": "started"}
    assert not StoppedNumber.objects.exists()
    _text_to(alice)
    services.deliver_due()
    assert [m["to"] for m in sms.sent] == [PHONE]


def test_other_words_are_ignored(alice: Any) -> None:
    assert reply("Merci, à mardi !").json() == {"done": "ignored"}
    assert not StoppedNumber.objects.exists()


def test_the_gateway_is_authenticated(settings: Any) -> None:
    assert reply("STOP", token="wrong").status_code == 403
    assert Client().post(URL, "{}", content_type="application/json").status_code == 403
    assert reply("STOP", sender="not a number").status_code == 400
    assert Client().get(URL).status_code == 405
    settings.SMS_GATEWAY_TOKEN = ""  # no gateway: no such page
    assert reply("STOP", token="").status_code == 404
    assert not StoppedNumber.objects.exists()


def test_a_killed_sender_does_not_lose_a_text(alice: Any) -> None:
    row = _text_to(alice)
    start = timezone.now()
    with time_machine.travel(start) as clock:
        assert [m.pk for m in services.claim()] == [row.pk]  # claimed... and the sender dies
        assert services.deliver_due().sent == 0  # its lease still holds
        clock.move_to(start + services.lease() + datetime.timedelta(seconds=1))
        assert services.deliver_due().sent == 1
    assert [m["id"] for m in sms.sent] == [row.message_id]
    assert Message.objects.get(pk=row.pk).state == MessageState.SENT
