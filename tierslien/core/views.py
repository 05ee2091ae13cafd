from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tierslien.circles.access import member_circles
from tierslien.circles.models import Membership
from tierslien.portraits.models import Portrait
from tierslien.territories.models import Territory


def home(request: HttpRequest) -> HttpResponse:
    portraits = []
    facilitated: list[Territory] = []
    circles: list[Any] = []
    if request.user.is_authenticated:
        circles = list(
            member_circles(request.user).annotate(
                my_status=Subquery(
                    Membership.objects.filter(circle=OuterRef("pk"), user=request.user).values(
                        "status"
                    )[:1]
                )
            )
        )
        portraits = list(Portrait.objects.filter(user=request.user).select_related("territory"))
        facilitated = list(
            Territory.objects.all()
            if request.user.is_superuser
            else request.user.facilitated_territories.all()
        )
    return render(
        request,
        "core/home.html",
        {"portraits": portraits, "facilitated": facilitated, "circles": circles},
    )


def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "core/how_it_works.html")
