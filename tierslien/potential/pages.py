"""What the analysis page shows, read from the stored analyses (a constant number of
queries): the baseline, the constraints costliest first, the levers best first, the
point chosen by hand, and after a lever was applied and the circles composed again,
what the analysis predicted against what the composition obtained."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tierslien.circles.models import Registration, Season, SeasonState
from tierslien.portraits.models import Portrait
from tierslien.potential.models import SeasonAnalysis
from tierslien.potential.services import venue_pk
from tierslien.potential.words import (
    Effect,
    Told,
    constraint_name,
    lever_title,
    ranges_of,
    relaxation_title,
    shown_criteria,
    told,
)
from tierslien.territories.models import Venue


@dataclass(frozen=True)
class OutcomeRow:
    """One entre-soi figure of the applied lever: predicted, the range of the analysis'
    compositions of it (None when it drew it once), and obtained (None: not composed)."""

    label: str
    predicted: float
    obtained: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Outcome:
    """The applied lever: predicted by the analysis, obtained by the composition."""

    title: str
    placed_predicted: int
    placed_obtained: int | None  # None: not composed again yet
    diversity_predicted: float
    diversity_obtained: float | None
    effects: tuple[OutcomeRow, ...]
    draws: int = 1  # compositions the ranges come from (1: no range)
    # The figures are those of the lever keeping today's circles: the people left out
    # were placed, every circle kept (`Season.job_keep_all`), not composed again.
    kept: bool = False
    kept_placed: int | None = None  # predicted keeping today's circles (None: not solved)

    @property
    def composed(self) -> bool:
        return self.placed_obtained is not None


@dataclass(frozen=True)
class Read:
    placed: int
    unplaced: int
    percent: int | None  # share of the best possible (diversity / upper bound)
    entre_soi: tuple[Effect, ...]  # before = after = the baseline's figure
    relaxations: tuple[Told, ...]
    costliest: Told | None
    levers: tuple[Told, ...]
    top: Told | None
    # Today's saved circles (None: none when analysed, or an analysis from before this):
    # people placed, and each criterion as today's (before) → the fresh composition's (after).
    today_placed: int | None = None
    today_unplaced: int | None = None
    today_entre_soi: tuple[Effect, ...] = ()


def _percent(figures: dict[str, Any]) -> int | None:
    bound = float(figures.get("upper_bound", 0.0))
    if bound <= 0:
        return None
    return round(100 * float(figures.get("diversity", 0.0)) / bound)


def _sector_people(season: Season) -> dict[str, int]:
    """Registered people per sector name (their portrait's sector)."""
    counts: dict[str, int] = {}
    for name in Portrait.objects.filter(
        territory_id=season.territory_id,
        user_id__in=Registration.objects.filter(season=season).values("user_id"),
    ).values_list("sector__name", flat=True):
        if name is not None:
            counts[str(name)] = counts.get(str(name), 0) + 1
    return counts


def labels_of(analysis: SeasonAnalysis) -> dict[str, str]:
    """The criteria to speak of: shown to facilitators, and mixed on in this season."""
    labels = shown_criteria(analysis.season.territory_id)
    mixed = analysis.result.get("mixed_on")
    if isinstance(mixed, list):
        return {name: label for name, label in labels.items() if name in mixed}
    return labels


def read(analysis: SeasonAnalysis) -> Read:
    season = analysis.season
    result = analysis.result
    labels = labels_of(analysis)
    baseline = result.get("baseline") or {}
    venues = Venue.objects.filter(territory_id=season.territory_id).in_bulk()
    relaxations = tuple(
        told(k, change, baseline, labels, relaxation_title(str(change.get("kind"))))
        for k, change in enumerate(result.get("relaxations") or [])
    )
    needs_sectors = any(c.get("kind") == "widen" for c in result.get("levers") or [])
    people = _sector_people(season) if needs_sectors else {}
    levers = []
    for k, change in enumerate(result.get("levers") or []):
        kind = str(change.get("kind"))
        params = change.get("params") or {}
        pk = venue_pk(params.get("venue")) if kind == "open_slot" else None
        venue = venues.get(pk) if pk is not None else None
        count: int | None = None
        if kind == "widen":
            count = people.get(str(params.get("sector")), 0)
        elif kind == "online":
            count = int(float(params.get("people", 0)))
        levers.append(
            told(
                k,
                change,
                baseline,
                labels,
                lever_title(kind, params, venue),
                venue=venue,
                people=count,
            )
        )
    entre_soi = tuple(
        Effect(label, float(v), float(v))
        for name, label in labels.items()
        if (v := (baseline.get("entre_soi") or {}).get(name)) is not None
    )
    costliest = relaxations[0] if relaxations and relaxations[0].gain else None
    top = levers[0] if levers and levers[0].gain else None
    today = result.get("current")
    today_entre_soi: tuple[Effect, ...] = ()
    if isinstance(today, dict):
        now, fresh = today.get("entre_soi") or {}, baseline.get("entre_soi") or {}
        today_entre_soi = tuple(
            Effect(label, float(now[name]), float(fresh[name]))
            for name, label in labels.items()
            if name in now and name in fresh
        )
    return Read(
        today_placed=int(today.get("placed", 0)) if isinstance(today, dict) else None,
        today_unplaced=int(today.get("unplaced", 0)) if isinstance(today, dict) else None,
        today_entre_soi=today_entre_soi,
        placed=int(baseline.get("placed", 0)),
        unplaced=int(baseline.get("unplaced", 0)),
        percent=_percent(baseline),
        entre_soi=entre_soi,
        relaxations=relaxations,
        costliest=costliest,
        levers=tuple(levers),
        top=top,
    )


def costliest_sentence(found: Read) -> str:
    if found.costliest is None:
        return _(
            "Relaxing one condition at a time changes nothing: no single condition holds the "
            "mix back."
        )
    return _("What holds the mix back most: %(constraint)s.") % {
        "constraint": constraint_name(found.costliest.kind)
    }


def read_point(analysis: SeasonAnalysis) -> Told | None:
    result = analysis.result
    change = result.get("change")
    if not change:
        return None
    labels = labels_of(analysis)
    params = change.get("params") or {}
    return told(
        0, change, result.get("baseline") or {}, labels, lever_title("add_venue", params, None)
    )


def outcome(analysis: SeasonAnalysis, season: Season) -> Outcome | None:
    """The applied lever's predicted figures, and the composition's once composed after it."""
    applied = analysis.applied or {}
    if not applied:
        return None
    labels = labels_of(analysis)
    venue = Venue.objects.filter(
        territory_id=season.territory_id, pk=venue_pk((applied.get("params") or {}).get("venue"))
    ).first()
    title = lever_title(str(applied.get("kind")), applied.get("params") or {}, venue)
    predicted = applied.get("predicted") or {}
    report = season.report or {}
    at = datetime.datetime.fromisoformat(str(applied.get("at")))
    composed = (
        bool(report)
        and season.state != SeasonState.COMPOSING
        and season.job_finished_at is not None
        and season.job_finished_at > at
    )
    kept_figures = predicted.get("kept")  # None: no circles when analysed, or older
    kept_placed = int(kept_figures["placed"]) if isinstance(kept_figures, dict) else None
    kept = composed and season.job_keep_all and isinstance(kept_figures, dict)
    spread = predicted.get("spread")
    if kept:  # compared with the lever solved from today's circles: one solve, no range
        predicted, spread = kept_figures, None
    obtained: dict[str, float] = {
        str(c.get("name")): float(c["entre_soi"])
        for c in report.get("criteria", [])
        if isinstance(c, dict) and isinstance(c.get("entre_soi"), int | float)
    }
    draws, likely = ranges_of(spread, labels)
    ranges = {r.label: r for r in likely}
    effects = tuple(
        OutcomeRow(
            label,
            float(predicted["entre_soi"][name]),
            obtained[name] if composed and name in obtained else None,
            ranges[label].low if label in ranges else None,
            ranges[label].high if label in ranges else None,
        )
        for name, label in labels.items()
        if name in (predicted.get("entre_soi") or {})
    )
    return Outcome(
        title=title,
        placed_predicted=int(predicted.get("placed", 0)),
        placed_obtained=int(report.get("placed", 0)) if composed else None,
        diversity_predicted=float(predicted.get("diversity", 0.0)),
        diversity_obtained=float(report.get("diversity", 0.0)) if composed else None,
        effects=effects,
        draws=draws,
        kept=kept,
        kept_placed=kept_placed,
    )
