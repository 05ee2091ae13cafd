"""The weekly grid everyone shares: seven days, three parts of the day.

A slot label such as ``"tue-evening"`` is the unit of availability for
people and of opening times for venues (the engine's JSON uses the same
labels).
"""

from __future__ import annotations

from typing import Final

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS: Final = ("morning", "afternoon", "evening")
ALL_SLOTS: Final = tuple(f"{day}-{part}" for day in DAYS for part in PARTS)
_SLOT_SET: Final = frozenset(ALL_SLOTS)


def is_slot(label: str) -> bool:
    return label in _SLOT_SET


def normalise_slots(labels: object) -> list[str]:
    """Known labels only, deduplicated, in calendar order."""
    if not isinstance(labels, list | tuple | set | frozenset):
        return []
    chosen = {label for label in labels if isinstance(label, str) and label in _SLOT_SET}
    return [slot for slot in ALL_SLOTS if slot in chosen]


def split(label: str) -> tuple[str, str]:
    day, part = label.split("-", 1)
    return day, part
