"""Which channel a message to a person takes, from how they asked to be reached.

`relays` registers, at start-up, how to find the local contact who registered a person
(`register_relay_lookup`): the outbox sits below the relays app and never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RelayLookup = Callable[[Any], Any]
_relay_lookup: list[RelayLookup] = []


def register_relay_lookup(lookup: RelayLookup) -> None:
    """Called once by the relays app: `lookup(person)` -> their relay's account, or None."""
    _relay_lookup[:] = [lookup]


def relay_of(person: Any) -> Any:
    """The local contact who passes messages on to `person` (None when there is none)."""
    return _relay_lookup[0](person) if _relay_lookup else None
