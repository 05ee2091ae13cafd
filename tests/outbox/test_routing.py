"""Which channel each message takes: the decision as a table, then the rows it queues."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from tests.cast import Cast
from tierslien.outbox import routing, services, sms
from tierslien.outbox.models import Channel, Message, MessageState
from tierslien.relays.models import Registered

ADDRESS = "3 rue des Lilas\n12345 Val-de-Lien"
RELAY_BY_EMAIL = SimpleNamespace(
    reach_by="email", email="rosa@example.org", phone="", postal_address=""
)
RELAY_BY_SMS = SimpleNamespace(reach_by="sms", email="", phone="+33611111111", postal_address="")
RELAY_UNREACHABLE = SimpleNamespace(reach_by="email", email="", phone="", postal_address="")


def person(
    reach_by: str, *, email: str = "", phone: str = "", address: str = "", relay: Any = None
) -> Any:
    return SimpleNamespace(
        reach_by=reach_by, email=email, phone=phone, postal_address=address, relay=relay
    )


@pytest.fixture(autouse=True)
def _relays_from_the_person() -> Iterator[None]:
    registered_at_start_up = list(routing._relay_lookup)  # the relays app's, put back after
    routing.register_relay_lookup(lambda someone: getattr(someone, "relay", None))
    yield
    routing._relay_lookup[:] = registered_at_start_up


# (the person, the channel, the recipient, through a relay)
TABLE = [
    (person("email", email="a@example.org"), "email", "a@example.org", False),
    (person("email", email="a@example.org", phone="+33612345678"), "email", "a@example.org", False),
    (person("email", phone="+33612345678"), "sms", "+33612345678", False),
    (person("email", phone="+33612345678", address=ADDRESS), "letter", ADDRESS, False),
    (person("sms", phone="+33612345678", email="a@example.org"), "sms", "+33612345678", False),
    (person("sms", email="a@example.org"), "email", "a@example.org", False),
    (person("post", address=ADDRESS, phone="+33612345678"), "letter", ADDRESS, False),
    (person("post", phone="+33612345678"), "sms", "+33612345678", False),
    (person("post", address="   "), "email", "", False),
    (person("relay", relay=RELAY_BY_EMAIL), "email", "rosa@example.org", True),
    (person("relay", relay=RELAY_BY_SMS), "sms", "+33611111111", True),
    (person("relay", address=ADDRESS), "letter", ADDRESS, False),
    (person("relay", phone="+33612345678"), "sms", "+33612345678", False),
    (person("relay", relay=RELAY_UNREACHABLE, phone="+33612345678"), "sms", "+33612345678", False),
    (person("relay"), "email", "", False),
]


@pytest.mark.parametrize(("who", "channel", "recipient", "through_relay"), TABLE)
def test_route(who: Any, channel: str, recipient: str, through_relay: bool) -> None:
    path = routing.route(who)
    assert (path.channel, path.recipient, path.relay is not None) == (
        channel,
        recipient,
        through_relay,
    )
    assert path.possible == bool(recipient)


def test_nothing_possible_says_why() -> None:
    assert routing.route(person("relay")).error == routing.NO_WAY


# --- The rows queued -----------------------------------------------------------------------


def _queue(user: Any, *, text: str = "", territory: Any = None) -> Message:
    email = EmailMessage(
        "Your circle", "The long version.\n\nhttps://x.test/c/1/", None, [user.email]
    )
    with transaction.atomic():
        (row,) = services.queue_emails(
            [services.Outgoing(email, user, text)], topic="season:1", territory=territory
        )
    return row


@pytest.mark.django_db
def test_a_person_reached_by_text_gets_the_short_text_and_how_to_stop(
    cast: Cast, settings: Any
) -> None:
    settings.SMS_STOP_NUMBER = "36180"
    alice = cast.participant
    alice.reach_by, alice.phone = "sms", "+33612345678"
    alice.save()
    row = _queue(alice, text="Tiers Lien : une place pour vous.\nhttps://x.test/c/1/")
    assert (row.channel, row.recipient) == (Channel.SMS, "+33612345678")
    assert row.body == "Tiers Lien : une place pour vous.\nhttps://x.test/c/1/\nSTOP au 36180"
    assert (row.subject, row.attachments) == ("", [])
    services.deliver_due()
    assert sms.sent == [{"to": "+33612345678", "text": row.body, "id": row.message_id}]
    assert Message.objects.get(pk=row.pk).state == MessageState.SENT


@pytest.mark.django_db
def test_without_a_text_the_subject_goes(cast: Cast) -> None:
    alice = cast.participant
    alice.reach_by, alice.phone, alice.language = "sms", "+33612345678", "en"
    alice.save()
    assert _queue(alice).body == "Your circle\nReply STOP to stop"


@pytest.mark.django_db
def test_a_person_reached_by_post_gets_a_letter_in_the_print_queue(cast: Cast) -> None:
    alice = cast.participant
    alice.reach_by, alice.postal_address = "post", ADDRESS
    alice.save()
    row = _queue(alice, territory=cast.territory)
    assert (row.channel, row.recipient) == (Channel.LETTER, f"Alice\n{ADDRESS}")
    assert (row.subject, row.body) == ("Your circle", "The long version.\n\nhttps://x.test/c/1/")
    assert row.territory == cast.territory
    assert services.deliver_due().sent == 0  # no machine posts a letter
    assert Message.objects.get(pk=row.pk).state == MessageState.QUEUED


@pytest.mark.django_db
def test_through_the_relay_on_the_relays_own_channel(cast: Cast) -> None:
    routing.register_relay_lookup(
        lambda someone: getattr(Registered.objects.filter(person=someone).first(), "relay", None)
    )
    remi = cast.registered
    remi.reach_by = "relay"
    remi.save()
    row = _queue(remi, text="Tiers Lien : une place pour vous.")
    assert (row.channel, row.recipient, row.user) == (Channel.EMAIL, "rosa@example.org", remi)
    assert row.subject == f"Pour {remi.display_name} : Your circle"
    assert row.body.startswith(f"Ce message est pour {remi.display_name}, que vous avez inscrit")
    assert row.body.endswith("The long version.\n\nhttps://x.test/c/1/")


@pytest.mark.django_db
def test_nobody_to_reach_is_recorded_as_failed_with_the_reason(cast: Cast) -> None:
    remi = cast.registered
    remi.reach_by, remi.phone = "relay", ""
    remi.save()  # and no relay lookup registered in this test: nobody to pass it on
    routing._relay_lookup.clear()
    row = _queue(remi)
    assert (row.state, row.last_error, row.recipient) == (MessageState.FAILED, routing.NO_WAY, "")
    assert services.counts("season:1") == services.Counts(failed=1)
    assert services.resend_failed("season:1") == 0  # trying again cannot help


@pytest.mark.django_db
def test_a_login_code_stays_an_email_to_the_address_it_was_written_for(cast: Cast) -> None:
    alice = cast.participant
    alice.reach_by, alice.phone = "sms", "+33612345678"
    alice.save()
    email = EmailMessage("Your code", "123456", None, ["new-address@example.org"])
    with transaction.atomic():
        (row,) = services.queue_email(email, topic="account", user=alice, email_only=True)
    assert (row.channel, row.recipient, row.user) == (
        Channel.EMAIL,
        "new-address@example.org",
        alice,
    )


def test_the_routing_words_are_the_models_values() -> None:
    from tierslien.accounts.models import ReachBy

    assert {routing.BY_EMAIL, routing.BY_SMS, routing.BY_POST, routing.BY_RELAY} == set(
        ReachBy.values
    )
    assert {routing.EMAIL, routing.SMS, routing.LETTER} == set(Channel.values)


@pytest.mark.django_db
def test_a_letter_without_a_territory_says_so_rather_than_wait_forever(cast: Cast) -> None:
    alice = cast.participant
    alice.reach_by, alice.postal_address = "post", ADDRESS
    alice.save()
    row = _queue(alice)  # the caller passed no territory
    assert (row.channel, row.state, row.last_error) == (
        Channel.LETTER,
        MessageState.FAILED,
        services.NO_PRINT_QUEUE,
    )
