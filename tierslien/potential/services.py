"""The facilitator's actions on a season's mixing potential: start an analysis, evaluate a
venue at a chosen point, apply the lever "open a venue at one more weekly time", and
forget the analyses of seasons whose content was purged.

Each write is one transaction, the analysis row locked; a refused action raises a
`Refused` whose sentence the page shows (nothing was changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Season, SeasonState
from tierslien.lib import jobs
from tierslien.lib.refusals import Refused
from tierslien.potential.jobs import ANALYSIS
from tierslien.potential.models import AnalysisKind, SeasonAnalysis
from tierslien.territories.models import Venue
from tierslien.territories.services import open_venue_at

# Seasons whose registrations are gone or whose circles have met: nothing left to change.
OVER = (SeasonState.CLOSED, SeasonState.PURGED)


class SeasonOver(Refused):
    message = _("This season is over: its mixing can no longer be analysed.")


class AnalysisRunning(Refused):
    message = _("The analysis is already running: wait for it to finish.")


class LeverGone(Refused):
    message = _("This proposal is not in the current analysis: nothing was changed.")


class NotApplicable(Refused):
    message = _("Only opening a venue at another time can be applied from here.")


def current(season: Season, kind: str = AnalysisKind.SEASON) -> SeasonAnalysis | None:
    return SeasonAnalysis.objects.filter(season=season, kind=kind).first()


@transaction.atomic
def start_analysis(
    season: Season,
    *,
    kind: str = AnalysisKind.SEASON,
    params: Mapping[str, Any] | None = None,
    user: Any = None,
) -> SeasonAnalysis:
    """Queue the season's analysis of `kind` (the row is reused: one current per kind)."""
    if season.state in OVER:
        raise SeasonOver
    row, _created = SeasonAnalysis.objects.get_or_create(season=season, kind=kind)
    row = SeasonAnalysis.objects.select_for_update().get(pk=row.pk)
    now = timezone.now()
    if row.alive and not jobs.policy.retryable(row.job_state, row.job_heartbeat_at, now):
        raise AnalysisRunning
    row.params = dict(params or {})
    row.requested_by = user if user is not None and user.is_authenticated else None
    row.result = {}
    row.applied = {}
    row.started_at = None
    row.save(update_fields=["params", "requested_by", "result", "applied", "started_at"])
    ANALYSIS.queue(row, now, automatic=False)
    return row


def venue_pk(engine_id: object) -> int | None:
    """`v12` (circles.engine.venue_id) → 12; None for anything else."""
    text = str(engine_id)
    return int(text[1:]) if text.startswith("v") and text[1:].isdigit() else None


def _figures(figures: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "placed": int(figures.get("placed", 0)),
        "diversity": float(figures.get("diversity", 0.0)),
        "entre_soi": dict(figures.get("entre_soi") or {}),
    }


def predicted(lever: Mapping[str, Any]) -> dict[str, Any]:
    """The lever's figures, and their range over its compositions with other seeds when
    the analysis drew it again (the best lever): what the page compares the next
    composition with. Under "kept": its figures keeping today's circles (None when the
    season had none), what a completion (`circles.actions.start_completion`) is compared
    with."""
    kept = lever.get("kept")
    return {
        **_figures(lever.get("figures") or {}),
        "spread": lever.get("spread"),
        "kept": _figures(kept) if isinstance(kept, Mapping) else None,
    }


@transaction.atomic
def apply_lever(season: Season, index: int) -> Venue:
    """Open the venue of the analysis' lever number `index` at its time, and remember the
    figures the analysis predicted for it (shown next to the next composition's)."""
    row = (
        SeasonAnalysis.objects.select_for_update()
        .filter(season=season, kind=AnalysisKind.SEASON)
        .first()
    )
    if row is None or not row.done:
        raise LeverGone
    levers = row.result.get("levers") or []
    if not 0 <= index < len(levers):
        raise LeverGone
    lever = levers[index]
    if lever.get("kind") != "open_slot":
        raise NotApplicable
    params = lever.get("params") or {}
    pk = venue_pk(params.get("venue"))
    venue = Venue.objects.filter(territory_id=season.territory_id, pk=pk).first()
    if venue is None:
        raise LeverGone
    venue = open_venue_at(venue, str(params.get("slot", "")))
    row.applied = {
        "index": index,
        "kind": lever["kind"],
        "params": dict(params),
        "predicted": predicted(lever),
        "at": timezone.now().isoformat(),
    }
    row.save(update_fields=["applied"])
    return venue


def forget_purged() -> int:
    """Delete the analyses of seasons whose content was purged (periodic, daily)."""
    deleted, _ = SeasonAnalysis.objects.filter(season__state=SeasonState.PURGED).delete()
    return int(deleted)
