"""Which channel a message to a person takes, from how they asked to be reached.

`route(person)` is the one place of that decision (a table in tests/outbox/test_routing.py):
the channel the person chose when it has what it needs (an email address, a phone number,
a postal address, a relay); else a letter when there is a postal address, else a text
message when there is a phone number, else an email when there is an address; else nothing
is possible and the message is recorded as failed, with the reason, for the facilitator.

`relays` registers, at start-up, how to find the local contact who registered a person
(`register_relay_lookup`): the outbox sits below the relays app and never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RelayLookup = Callable[[Any], Any]
_relay_lookup: list[RelayLookup] = []

# `accounts.ReachBy`'s values: the outbox sits below accounts and reads them as strings.
BY_EMAIL, BY_SMS, BY_POST, BY_RELAY = "email", "sms", "post", "relay"
# `models.Channel`'s values (the models module is not imported here: plain Python).
EMAIL, SMS, LETTER = "email", "sms", "letter"
NO_WAY = "no email address, phone number, postal address or local contact to reach this person"


def register_relay_lookup(lookup: RelayLookup) -> None:
    """Called once by the relays app: `lookup(person)` -> their relay's account, or None."""
    _relay_lookup[:] = [lookup]


def relay_of(person: Any) -> Any:
    """The local contact who passes messages on to `person` (None when there is none)."""
    return _relay_lookup[0](person) if _relay_lookup else None


@dataclass(frozen=True)
class Route:
    """Where a message to a person goes: `channel` and `recipient` (empty when `error`).

    `relay` is the local contact's account when the message goes to them, to pass on.
    """

    channel: str
    recipient: str
    relay: Any = None
    error: str = ""

    @property
    def possible(self) -> bool:
        return not self.error


def _own(person: Any) -> Route | None:
    """The person's own channel, when it has what it needs."""
    reach_by = getattr(person, "reach_by", BY_EMAIL) or BY_EMAIL
    email = getattr(person, "email", "") or ""
    phone = getattr(person, "phone", "") or ""
    address = (getattr(person, "postal_address", "") or "").strip()
    if reach_by == BY_EMAIL and email:
        return Route(EMAIL, email)
    if reach_by == BY_SMS and phone:
        return Route(SMS, phone)
    if reach_by == BY_POST and address:
        return Route(LETTER, address)
    return None


def _fallback(person: Any) -> Route:
    """A letter, else a text message, else an email: a letter reaches everyone with a
    letterbox, whoever they are; an email last, as the person chose another way."""
    address = (getattr(person, "postal_address", "") or "").strip()
    phone = getattr(person, "phone", "") or ""
    email = getattr(person, "email", "") or ""
    if address:
        return Route(LETTER, address)
    if phone:
        return Route(SMS, phone)
    if email:
        return Route(EMAIL, email)
    return Route(EMAIL, "", error=NO_WAY)


def route(person: Any) -> Route:
    """The channel and address of every message to `person` (see the module's docstring)."""
    own = _own(person)
    if own is not None:
        return own
    if getattr(person, "reach_by", "") == BY_RELAY:
        relay = relay_of(person)
        if relay is not None and relay != person:
            # The relay's own channel, never their own relay: one hop at most.
            relay_route = _own(relay) or _fallback(relay)
            if relay_route.possible:
                return Route(relay_route.channel, relay_route.recipient, relay=relay)
    return _fallback(person)
