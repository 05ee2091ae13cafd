from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tierslien.portraits.models import Portrait
from tierslien.territories.models import Territory


def home(request: HttpRequest) -> HttpResponse:
    portraits = []
    facilitated: list[Territory] = []
    if request.user.is_authenticated:
        portraits = list(Portrait.objects.filter(user=request.user).select_related("territory"))
        facilitated = list(
            Territory.objects.all()
            if request.user.is_superuser
            else request.user.facilitated_territories.all()
        )
    return render(request, "core/home.html", {"portraits": portraits, "facilitated": facilitated})


def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "core/how_it_works.html")
