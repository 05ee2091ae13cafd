"""Plain words for what territory pages show: opening times, headcounts, the weekly grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tierslien.lib.slots import DAYS, PARTS, normalise_slots, split

# Below this many people, pages say "fewer than N" instead of a number that
# could single someone out (the usual small-cell threshold of statistics).
SMALL_COUNT_THRESHOLD: Final = 11

PART_LABELS: Final[dict[str, Any]] = {
    "morning": gettext_lazy("morning"),
    "afternoon": gettext_lazy("afternoon"),
    "evening": gettext_lazy("evening"),
}
# Django's own translated weekday names; WEEKDAYS counts from 0 = Monday like DAYS.
DAY_LABELS: Final[dict[str, Any]] = {day: WEEKDAYS[index] for index, day in enumerate(DAYS)}


def slot_label(slot: str) -> Any:
    """'tue-evening' → 'Tuesday evening' (translated)."""
    day, part = split(slot)
    return format_lazy("{} {}", DAY_LABELS[day], PART_LABELS[part])


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _days_phrase(days: list[str]) -> str:
    """Consecutive days read as a range: 'Monday to Friday', 'Tuesday and Thursday'."""
    names = [str(DAY_LABELS[day]) for day in days]
    if len(days) == 7:
        return _("Every day")
    consecutive = [DAYS.index(day) for day in days] == list(
        range(DAYS.index(days[0]), DAYS.index(days[0]) + len(days))
    )
    if consecutive and len(days) >= 3:
        return _("%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    return _join(names)


def opening_times_lines(slots: object) -> list[str]:
    """Weekly opening times as short sentences, days with the same hours grouped.

    ``["mon-morning", ..., "fri-morning", "sat-afternoon"]`` reads
    ``["Monday to Friday: morning", "Saturday: afternoon"]``.
    """
    by_day: dict[str, list[str]] = {day: [] for day in DAYS}
    for slot in normalise_slots(slots):
        day, part = split(slot)
        by_day[day].append(part)
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for day in DAYS:
        parts: tuple[str, ...] = tuple(part for part in PARTS if part in by_day[day])
        if not parts:
            continue
        for existing_parts, days in groups:
            if existing_parts == parts:
                days.append(day)
                break
        else:
            groups.append((parts, [day]))
    groups.sort(key=lambda group: DAYS.index(group[1][0]))
    lines = []
    for parts, days in groups:
        part_words = [str(PART_LABELS[part]) for part in parts]
        hours = _("all day") if len(parts) == len(PARTS) else _join(part_words)
        line = _("%(days)s: %(hours)s") % {"days": _days_phrase(days), "hours": hours}
        lines.append(capfirst(line))
    return lines


def headcount(count: int) -> str:
    """'42 participants', or 'fewer than 11 participants' for small numbers."""
    if count < SMALL_COUNT_THRESHOLD:
        return _("fewer than %(threshold)d participants") % {"threshold": SMALL_COUNT_THRESHOLD}
    return ngettext("%(count)d participant", "%(count)d participants", count) % {"count": count}


@dataclass(frozen=True)
class GridCell:
    slot: str
    label: Any
    checked: bool
    input_id: str


@dataclass(frozen=True)
class GridRow:
    day: str
    label: Any
    cells: list[GridCell]


def part_headers() -> list[Any]:
    return [PART_LABELS[part] for part in PARTS]


def slot_grid(chosen: object, *, id_prefix: str) -> list[GridRow]:
    """The 7 × 3 weekly grid with the chosen slots ticked, one row per day."""
    ticked = set(normalise_slots(chosen))
    return [
        GridRow(
            day=day,
            label=DAY_LABELS[day],
            cells=[
                GridCell(
                    slot=f"{day}-{part}",
                    label=slot_label(f"{day}-{part}"),
                    checked=f"{day}-{part}" in ticked,
                    input_id=f"{id_prefix}-{day}-{part}",
                )
                for part in PARTS
            ],
        )
        for day in DAYS
    ]
