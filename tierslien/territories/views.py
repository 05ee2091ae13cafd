from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.lib.http import posted, safe_next
from tierslien.territories import services
from tierslien.territories.access import (
    get_sector,
    get_territory,
    get_venue,
    is_facilitator,
    territory_management,
)
from tierslien.territories.forms import SectorForm, VenueForm
from tierslien.territories.models import Territory


@require_safe
def territory_list(request: HttpRequest) -> HttpResponse:
    territories = services.territories_with_counts()
    return render(request, "territories/territory_list.html", {"territories": territories})


@require_safe
def territory_detail(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    has_portrait = (
        request.user.is_authenticated and territory.portraits.filter(user=request.user).exists()
    )
    return render(
        request,
        "territories/territory_detail.html",
        {
            "territory": territory,
            "sectors": territory.sectors.all(),
            "venues": services.venues_of(territory),
            "participant_count": territory.portraits.count(),
            "has_portrait": has_portrait,
            "is_facilitator": is_facilitator(request.user, territory),
            "wants_season_alert": services.wants_season_alert(request.user, territory),
        },
    )


@require_POST
@login_required
def season_alert(request: HttpRequest, territory_slug: str) -> HttpResponse:
    """Ask (or stop asking) to be told by email when a season of circles opens here."""
    territory = get_territory(territory_slug)
    if request.POST.get("want") == "no":
        if services.stop_season_alert(request.user, territory):
            messages.success(request, _("You will no longer be told when a season opens here."))
    elif services.ask_season_alert(request.user, territory):
        messages.success(
            request, _("Noted: you will get an email when registration for a season opens here.")
        )
    next_url = safe_next(request)
    if next_url:
        return HttpResponseRedirect(next_url)
    return redirect("territory_detail", territory.slug)


@require_safe
@territory_management
def manage_territory(request: HttpRequest, territory: Territory) -> HttpResponse:
    return render(
        request,
        "territories/manage/dashboard.html",
        {
            "territory": territory,
            "summary": services.territory_summary(territory),
        },
    )


# --- Sectors ---


@require_safe
@territory_management
def manage_sector_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    return render(
        request,
        "territories/manage/sector_list.html",
        {"territory": territory, "sectors": services.sectors_with_counts(territory)},
    )


def _duplicate_name_error(form: SectorForm | VenueForm) -> None:
    form.add_error("name", _("This name was just taken by another entry: choose another one."))


@require_http_methods(["GET", "POST"])
@territory_management
def manage_sector_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = SectorForm(posted(request), territory=territory)
    if request.method == "POST" and form.is_valid():
        try:
            sector = services.create_sector(territory, **form.cleaned_data)
        except (services.DuplicateName, IntegrityError):
            _duplicate_name_error(form)
        else:
            messages.success(request, _("The sector “%(name)s” was added.") % {"name": sector})
            return redirect("manage_sector_list", territory.slug)
    return render(
        request, "territories/manage/sector_form.html", {"territory": territory, "form": form}
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_sector_edit(request: HttpRequest, territory: Territory, sector_id: int) -> HttpResponse:
    sector = get_sector(territory, sector_id)
    form = SectorForm(posted(request), territory=territory, instance=sector)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_sector(sector, **form.cleaned_data)
        except (services.DuplicateName, IntegrityError):
            _duplicate_name_error(form)
        else:
            messages.success(request, _("The sector “%(name)s” was saved.") % {"name": sector})
            return redirect("manage_sector_list", territory.slug)
    return render(
        request,
        "territories/manage/sector_form.html",
        {"territory": territory, "form": form, "sector": sector},
    )


# --- Venues ---


@require_safe
@territory_management
def manage_venue_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    return render(
        request,
        "territories/manage/venue_list.html",
        {"territory": territory, "venues": services.venues_of(territory)},
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_venue_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = VenueForm(posted(request), territory=territory)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.create_venue(territory, **form.cleaned_data)
        except services.DuplicateName:
            _duplicate_name_error(form)
        else:
            messages.success(request, _("The venue “%(name)s” was added.") % {"name": venue})
            return redirect("manage_venue_list", territory.slug)
    return render(
        request, "territories/manage/venue_form.html", {"territory": territory, "form": form}
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_venue_edit(request: HttpRequest, territory: Territory, venue_id: int) -> HttpResponse:
    venue = get_venue(territory, venue_id)
    form = VenueForm(posted(request), territory=territory, instance=venue)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_venue(venue, **form.cleaned_data)
        except services.DuplicateName:
            _duplicate_name_error(form)
        else:
            messages.success(request, _("The venue “%(name)s” was saved.") % {"name": venue})
            return redirect("manage_venue_list", territory.slug)
    return render(
        request,
        "territories/manage/venue_form.html",
        {"territory": territory, "form": form, "venue": venue},
    )
