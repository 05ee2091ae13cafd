from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tierslien.territories.access import get_territory


@login_required
def portrait_detail(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    return render(request, "base.html", {"territory": territory})


@login_required
def portrait_edit(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    return render(request, "base.html", {"territory": territory})
