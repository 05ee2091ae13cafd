"""Pairs of people never to be placed in the same circle, handed down by the apps above.

An app above circles may keep pairs of people out of the same circle in every season
(moderation: a block by either person). It registers a function of user ids at start-up
(its `AppConfig.ready`), so that circles never imports it: the arrow points down. This
module stays tiny (no engine import) so that registering costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ApartPairs = Callable[[list[int]], Iterable[tuple[int, int]]]
_SOURCES: list[ApartPairs] = []


def keep_apart(source: ApartPairs) -> None:
    """Register `source(user_ids) -> pairs of user ids` that must never share a circle."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def kept_apart(people: dict[int, str]) -> tuple[tuple[str, str], ...]:
    """Pairs of these people (user id -> person id) that must be kept apart."""
    return tuple((people[a], people[b]) for source in _SOURCES for a, b in source(list(people)))
