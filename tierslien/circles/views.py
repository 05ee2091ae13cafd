from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.circles import services
from tierslien.circles.access import get_own_registration, get_season
from tierslien.circles.forms import JoinForm, SeasonForm
from tierslien.circles.lifecycle import ForbiddenTransition
from tierslien.circles.models import Season, SeasonState
from tierslien.circles.proposal import build_proposal, seasons_with_counts
from tierslien.circles.reasons import failure_text
from tierslien.territories.access import get_territory, territory_management
from tierslien.territories.models import Territory


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _season_home(territory: Territory, season: Season) -> HttpResponse:
    """Where a facilitator goes to follow a season, depending on its state."""
    if season.state == SeasonState.COMPOSING:
        return redirect("manage_season_progress", territory.slug, season.pk)
    if season.state == SeasonState.PROPOSED:
        return redirect("manage_season_proposal", territory.slug, season.pk)
    return redirect("manage_season_list", territory.slug)


# --- Facilitators ---


@require_safe
@territory_management
def manage_season_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    seasons = seasons_with_counts(territory.seasons.all())
    return render(
        request,
        "circles/manage/season_list.html",
        {"territory": territory, "seasons": seasons},
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_season_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = SeasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        season = services.create_season(territory, **form.values())
        messages.success(request, _("The season “%(name)s” was created.") % {"name": season})
        return redirect("manage_season_list", territory.slug)
    return render(
        request, "circles/manage/season_form.html", {"territory": territory, "form": form}
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_season_edit(request: HttpRequest, territory: Territory, season_id: int) -> HttpResponse:
    season = get_season(territory, season_id)
    if not season.is_open:
        messages.info(request, _("A season can be changed only while registration is open."))
        return _season_home(territory, season)
    form = SeasonForm(_posted(request), instance=season)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_season(season, **form.values())
        except services.SeasonNotOpen:
            messages.error(request, _("Registration closed meanwhile: nothing was changed."))
        else:
            messages.success(request, _("The season “%(name)s” was saved.") % {"name": season})
        return redirect("manage_season_list", territory.slug)
    return render(
        request,
        "circles/manage/season_form.html",
        {"territory": territory, "form": form, "season": season},
    )


@require_POST
@territory_management
def manage_season_compose(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        season = services.start_composition(season, acting_user=request.user)
    except services.TooFewPeople as error:
        messages.error(
            request,
            _(
                "Only %(registered)d people registered: a circle needs at least %(needed)d. "
                "Registration stays open."
            )
            % {"registered": error.registered, "needed": error.needed},
        )
        return redirect("manage_season_list", territory.slug)
    except ForbiddenTransition:
        messages.error(request, _("This season is not open: it cannot be composed now."))
        return _season_home(territory, season)
    messages.success(request, _("Registration is closed and the circles are being composed."))
    return _season_home(territory, season)


@require_POST
@territory_management
def manage_season_cancel(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        services.cancel_composition(season, acting_user=request.user)
    except services.NotComposing:
        messages.error(request, _("This season is not being composed."))
        return _season_home(territory, season)
    messages.success(request, _("The composition was stopped and registration is open again."))
    return redirect("manage_season_list", territory.slug)


@require_safe
@territory_management
def manage_season_progress(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    return render(
        request,
        "circles/manage/season_progress.html",
        {
            "territory": territory,
            "season": season,
            "composing": season.state == SeasonState.COMPOSING,
            "percent": round(100 * season.job_progress),
            "failure": failure_text(season.job_error) if season.job_error else None,
        },
    )


@require_safe
@territory_management
def manage_season_progress_json(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    return JsonResponse(
        {
            "state": season.state,
            "job": season.job_state,
            "progress": round(season.job_progress, 3),
            "best_score": season.job_best_score,
        }
    )


@require_safe
@territory_management
def manage_season_proposal(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    if season.state != SeasonState.PROPOSED:
        return _season_home(territory, season)
    return render(
        request,
        "circles/manage/season_proposal.html",
        {"territory": territory, "season": season, "proposal": build_proposal(season)},
    )


@require_POST
@territory_management
def manage_season_reopen(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        services.reopen_season(season, acting_user=request.user)
    except ForbiddenTransition:
        messages.error(request, _("Only a proposal can be sent back to registration."))
        return _season_home(territory, season)
    messages.success(
        request,
        _("The proposal was erased and registration is open again; compose again when ready."),
    )
    return redirect("manage_season_list", territory.slug)


# --- Participants ---


@require_safe
@login_required
def season_list(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    seasons = territory.seasons.filter(state=SeasonState.OPEN)
    return render(request, "circles/season_list.html", {"territory": territory, "seasons": seasons})


@require_http_methods(["GET", "POST"])
@login_required
def season_detail(request: HttpRequest, territory_slug: str, season_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    season = get_season(territory, season_id)
    portrait = services.own_portrait(request.user, season)
    registration = get_own_registration(request.user, season)
    if request.method == "POST" and portrait is None:
        messages.info(request, _("Fill in your self-portrait first: then join the season."))
        return redirect("portrait_edit", territory.slug)
    initial: dict[str, Any] = {}
    source = registration or portrait
    if source is not None:
        initial = {"availability": list(source.availability), "max_km": source.max_km}
    form = JoinForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _registration, created = services.join_season(request.user, season, **form.cleaned_data)
        except services.SeasonNotOpen:
            messages.error(request, _("This season no longer takes registrations."))
        else:
            if created:
                messages.success(request, _("You joined “%(name)s”.") % {"name": season})
            else:
                messages.success(request, _("Your times and distance were saved."))
        return redirect("season_detail", territory.slug, season.pk)
    return render(
        request,
        "circles/season_detail.html",
        {
            "territory": territory,
            "season": season,
            "portrait": portrait,
            "registration": registration,
            "can_join": services.registration_is_open(season),
            "form": form,
        },
    )


@require_POST
@login_required
def season_leave(request: HttpRequest, territory_slug: str, season_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    season = get_season(territory, season_id)
    try:
        left = services.leave_season(request.user, season)
    except services.SeasonNotOpen:
        messages.error(
            request,
            _("The circles are already being composed: ask a facilitator to withdraw you."),
        )
    else:
        if left:
            messages.success(request, _("You left “%(name)s”.") % {"name": season})
    return redirect("season_detail", territory.slug, season.pk)
