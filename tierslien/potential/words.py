"""The analysis, told in plain words (French and English, through gettext).

Everything here reads the stored result (`SeasonAnalysis.result`): figures computed
without the sensitive questions, and criteria named by their label. Only criteria that
are neither sensitive nor ever sensitive are named (`shown_criteria`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierslien.portraits.models import Criterion
from tierslien.territories.display import slot_label
from tierslien.territories.models import Venue


def shown_criteria(territory_id: int) -> dict[str, str]:
    """Criterion key → label, for the criteria whose figures may be shown."""
    return {
        c.key: str(c.display_label)
        for c in Criterion.objects.filter(
            territory_id=territory_id, enabled=True, sensitive=False, ever_sensitive=False
        ).order_by("pk")
    }


def _number(value: float) -> str:
    """Two decimals, as the active language writes them (1.35, 1,35)."""
    return str(number_format(value, decimal_pos=2))


@dataclass(frozen=True)
class Effect:
    """One criterion before → after (entre-soi index: lower is more mixed)."""

    label: str
    before: float
    after: float

    @property
    def better(self) -> bool:
        return self.after < self.before - 1e-9


@dataclass(frozen=True)
class Range:
    """Where one composition of a change likely puts a figure (8 times in 10), estimated
    from the analysis' compositions of it (`mixing.potential.Spread.likely`)."""

    label: str
    low: float
    high: float


def ranges_of(spread: object, labels: Mapping[str, str]) -> tuple[int, tuple[Range, ...]]:
    """The draws and likely entre-soi ranges of a stored `Change.spread`; (1, ()) when
    there is none (a lever drawn once, or stored before ranges were)."""
    if not isinstance(spread, dict) or not isinstance(spread.get("likely"), dict):
        return 1, ()
    found = spread["likely"]
    ranges = tuple(
        Range(label, float(found[name][0]), float(found[name][1]))
        for name, label in labels.items()
        if isinstance(found.get(name), list | tuple) and len(found[name]) == 2
    )
    return (int(spread.get("draws", 1)) if ranges else 1), ranges


@dataclass(frozen=True)
class Told:
    """A relaxation or a lever, ready for the page."""

    index: int
    kind: str
    params: dict[str, Any]
    title: str  # what it is ("With no travel limit", "Open the library on Tuesday evening")
    sentence: str  # its effect in one sentence
    placed_before: int
    placed_after: int
    effects: tuple[Effect, ...]
    changed: int
    gain: bool  # it raises the mix (more people placed, or more mixed)
    # The same change keeping today's saved circles as far as possible (levers only; the
    # analysis' fresh composition when the season had none).
    kept_placed: int | None = None
    kept_changed: int | None = None
    venue: Venue | None = None  # open_slot: the venue, when it still exists
    people: int | None = None  # widen: people of the sector; online: people who accept
    # The same change composed `draws` times with other seeds (the best lever only).
    ranges: tuple[Range, ...] = ()
    draws: int = 1


def relaxation_title(kind: str) -> str:
    if kind == "travel":
        return _("With no travel limit")
    if kind == "venues_times":
        return _("If every venue were open at every time, and everyone free at every time")
    if kind == "shared":
        return _("Without the answers every circle must share")
    if kind == "sizes":
        return _("With circles one person smaller or larger")
    return kind


def constraint_name(kind: str) -> str:
    if kind == "travel":
        return _("how far people will travel")
    if kind == "venues_times":
        return _("where and when people can meet (venues, opening times, availabilities)")
    if kind == "shared":
        return _("the answers every circle must share")
    if kind == "sizes":
        return _("the size of the circles")
    return kind


def effects_of(
    change: Mapping[str, Any], baseline: Mapping[str, Any], labels: Mapping[str, str]
) -> tuple[Effect, ...]:
    before = baseline.get("entre_soi") or {}
    after = (change.get("figures") or {}).get("entre_soi") or {}
    return tuple(
        Effect(labels[name], float(before[name]), float(after[name]))
        for name in labels
        if name in before and name in after
    )


def effect_sentence(
    title: str, placed_before: int, placed_after: int, effects: Sequence[Effect]
) -> str:
    parts = [
        _("“%(criterion)s” would be mixed %(after)s instead of %(before)s")
        % {"criterion": e.label, "after": _number(e.after), "before": _number(e.before)}
        for e in effects
    ]
    if placed_after != placed_before:
        parts.append(
            ngettext(
                "%(after)s person would be placed instead of %(before)s",
                "%(after)s people would be placed instead of %(before)s",
                placed_after,
            )
            % {"after": placed_after, "before": placed_before}
        )
    else:
        parts.append(_("as many people would be placed (%(count)s)") % {"count": placed_after})
    return _("%(title)s, %(effects)s.") % {"title": title, "effects": "; ".join(parts)}


def told(
    index: int,
    change: Mapping[str, Any],
    baseline: Mapping[str, Any],
    labels: Mapping[str, str],
    title: str,
    **extra: Any,
) -> Told:
    placed_before = int(baseline.get("placed", 0))
    placed_after = int((change.get("figures") or {}).get("placed", 0))
    effects = effects_of(change, baseline, labels)
    gain_placed = int(change.get("gain_placed", 0))
    gains = [float(v) for v in (change.get("gain_entre_soi") or {}).values()]
    mean = sum(gains) / len(gains) if gains else 0.0
    kept = change.get("kept")
    draws, ranges = ranges_of(change.get("spread"), labels)
    return Told(
        ranges=ranges,
        draws=draws,
        kept_placed=int(kept.get("placed", 0)) if isinstance(kept, dict) else None,
        kept_changed=int(change.get("kept_changed", 0)) if isinstance(kept, dict) else None,
        index=index,
        kind=str(change.get("kind", "")),
        params=dict(change.get("params") or {}),
        title=title,
        sentence=effect_sentence(title, placed_before, placed_after, effects),
        placed_before=placed_before,
        placed_after=placed_after,
        effects=effects,
        changed=int(change.get("changed", 0)),
        gain=(gain_placed, mean) > (0, 0.0),
        **extra,
    )


def lever_title(kind: str, params: Mapping[str, Any], venue: Venue | None) -> str:
    if kind == "open_slot":
        slot = str(params.get("slot", ""))
        name = venue.name if venue is not None else str(params.get("venue", ""))
        when = str(slot_label(slot)) if "-" in slot else slot
        return _("Open “%(venue)s” on %(slot)s") % {"venue": name, "slot": when}
    if kind == "add_venue":
        return _("Add a venue near %(place)s") % {"place": params.get("label", "")}
    if kind == "online":
        return _("Offer online circles to those who accept them")
    if kind == "widen":
        return _("Ask the people of “%(sector)s” whether they could be free at more times") % {
            "sector": params.get("sector", "")
        }
    return kind


def gap_sentence(percent: int | None) -> str:
    """The gap to the best possible, in words (next to "share of the best possible")."""
    if percent is None:
        return ""
    gap = max(0, 100 - int(percent))
    if gap == 0:
        return _("No gap: the circles are as mixed as any grouping of the people placed could be.")
    return _(
        "The gap: %(gap)s %% of the best possible mixing is not reached, mostly because of "
        "where and when people can meet; the analysis of what limits the mix says which "
        "condition costs most."
    ) % {"gap": gap}
