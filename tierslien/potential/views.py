"""The facilitator's page on a season's mixing potential, and its three actions.

Thin views: the season through `circles.access.get_season` behind
`territories.access.territory_management` (sign-in, facilitator role, second factor;
another territory's season is a 404), one service call, then back to the page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tierslien.circles.access import get_season
from tierslien.circles.models import SeasonState
from tierslien.lib import jobs as job_helper
from tierslien.lib.http import tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.potential import jobs, pages, services
from tierslien.potential.encounters import encounter_tables
from tierslien.potential.forms import PointForm
from tierslien.potential.models import AnalysisKind, SeasonAnalysis
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


def _failure(code: str) -> str:
    if code == "invalid_problem":
        return _("The season's conditions could not be read by the composer.")
    if code == job_helper.STALLED:
        return _("The analysis stopped answering and was given up: start it again.")
    return _("The analysis failed: start it again, and tell the administrator if it fails again.")


def _recovered(analysis: SeasonAnalysis | None) -> SeasonAnalysis | None:
    """The row again if its worker died and the sweep retried or failed it."""
    if analysis is not None and jobs.recover_stalled_jobs(analysis_id=analysis.pk):
        return SeasonAnalysis.objects.get(pk=analysis.pk)
    return analysis


def _job(analysis: SeasonAnalysis | None) -> dict[str, object]:
    if analysis is None:
        return {"row": None}
    return {
        "row": analysis,
        "alive": analysis.alive,
        "percent": round(100 * analysis.job_progress),
        "failure": _failure(analysis.job_error)
        if analysis.job_state == job_helper.JobState.FAILED
        else None,
        "retryable": job_helper.policy.retryable(
            analysis.job_state, analysis.job_heartbeat_at, timezone.now()
        ),
    }


@require_safe
@territory_management
def manage_season_potential(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    analysis = _recovered(services.current(season, AnalysisKind.SEASON))
    point = _recovered(services.current(season, AnalysisKind.POINT))
    found = pages.read(analysis) if analysis is not None and analysis.done else None
    purged = season.state == SeasonState.PURGED
    return render(
        request,
        "potential/analysis.html",
        {
            "territory": territory,
            "season": season,
            "over": season.state in services.OVER,
            "analysis": _job(analysis),
            "found": found,
            "costliest": pages.costliest_sentence(found) if found is not None else "",
            "point": _job(point),
            "point_found": pages.read_point(point) if point is not None and point.done else None,
            "form": PointForm(territory=territory),
            "outcome": pages.outcome(analysis, season) if analysis is not None else None,
            "recomposable": season.state == SeasonState.PROPOSED,
            "tables": [] if purged else encounter_tables(season, _("Sectors")),
            "seconds": max(1, round(float(settings.ANALYSIS_TIME_LIMIT or 1))),
            "refresh": any(a is not None and a.alive for a in (analysis, point)),
        },
    )


def _back(territory: Territory, season_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("manage_season_potential", territory.slug, season_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_POST
@territory_management
def manage_season_potential_start(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        services.start_analysis(season, user=request.user)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("The analysis was started."))
    return _back(territory, season.pk)


@require_POST
@territory_management
def manage_season_potential_point(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    form = PointForm(request.POST, territory=territory)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(territory, season.pk, "point")
    try:
        services.start_analysis(
            season, kind=AnalysisKind.POINT, params=form.point(), user=request.user
        )
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("The venue at this point is being evaluated."))
    return _back(territory, season.pk, "point")


@require_POST
@territory_management
def manage_season_potential_apply(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    lever = str(request.POST.get("lever", ""))
    try:
        if not lever.isdigit():
            raise services.LeverGone
        venue = services.apply_lever(season, int(lever))
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(
            request,
            _("“%(venue)s” is now open at that time. Compose the circles again to see the gain.")
            % {"venue": venue.name},
        )
    return _back(territory, season.pk, "applied")
