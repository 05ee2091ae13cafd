from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tierslien.territories.access import get_territory, is_facilitator, territory_management
from tierslien.territories.models import Territory


def territory_list(request: HttpRequest) -> HttpResponse:
    territories = Territory.objects.annotate(
        sector_count=Count("sectors", distinct=True), venue_count=Count("venues", distinct=True)
    )
    return render(request, "territories/territory_list.html", {"territories": territories})


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
            "venues": territory.venues.select_related("sector"),
            "has_portrait": has_portrait,
            "is_facilitator": is_facilitator(request.user, territory),
        },
    )


@territory_management
def manage_territory(request: HttpRequest, territory: Territory) -> HttpResponse:
    return render(
        request,
        "territories/manage/dashboard.html",
        {
            "territory": territory,
            "sectors": territory.sectors.all(),
            "venues": territory.venues.select_related("sector"),
            "participant_count": territory.portraits.count(),
        },
    )
