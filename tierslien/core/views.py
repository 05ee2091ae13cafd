from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import select_template
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from tierslien.accounts.consent import current_terms_version
from tierslien.circles.access import member_circles
from tierslien.circles.models import Membership
from tierslien.core.next_steps import Step, meeting_steps, season_steps
from tierslien.portraits.models import Portrait
from tierslien.territories.models import SeasonAlert, Territory


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    portraits: list[tuple[Portrait, bool]] = []
    seasons: list[Step] = []
    meetings: list[Step] = []
    facilitated: list[Territory] = []
    relay_in: list[Territory] = []
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
        alerts = set(
            SeasonAlert.objects.filter(user=request.user).values_list("territory_id", flat=True)
        )
        portraits = [
            (portrait, portrait.territory_id in alerts)
            for portrait in Portrait.objects.filter(user=request.user).select_related("territory")
        ]
        seasons = season_steps(request.user)
        meetings = meeting_steps(request.user)
        facilitated = list(
            Territory.objects.all()
            if request.user.is_superuser
            else request.user.facilitated_territories.all()
        )
        relay_in = list(Territory.objects.filter(relays__user=request.user))
    return render(
        request,
        "core/home.html",
        {
            "portraits": portraits,
            "facilitated": facilitated,
            "relay_in": relay_in,
            "circles": circles,
            "seasons": seasons,
            "meetings": meetings,
        },
    )


@require_safe
def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "core/how_it_works.html")


def _legal_context() -> dict[str, object]:
    """Who runs this instance, read once from the environment by settings.py."""
    return {
        "operator_name": settings.LEGAL_OPERATOR_NAME,
        "operator_address": settings.LEGAL_OPERATOR_ADDRESS,
        "operator_id": settings.LEGAL_OPERATOR_ID,
        "contact_email": settings.LEGAL_CONTACT_EMAIL,
        "publication_director": settings.LEGAL_PUBLICATION_DIRECTOR,
        "dpo": settings.LEGAL_DPO,
        "host_name": settings.LEGAL_HOST_NAME,
        "host_address": settings.LEGAL_HOST_ADDRESS,
        "host_contact": settings.LEGAL_HOST_CONTACT,
        "security_email": settings.SECURITY_CONTACT_EMAIL,
        "source_code_url": settings.SOURCE_CODE_URL,
        "terms_version": current_terms_version(),
        # How long the outbox keeps what an email said.
        "email_keep_days": settings.OUTBOX_KEEP_DAYS,
    }


def _legal_page(request: HttpRequest, name: str) -> HttpResponse:
    """`legal/<name>.<language>.html`, French when the language has no text of its own.

    The texts are whole templates per language (long legal prose reads better translated
    as a whole); an instance overrides them from LEGAL_TEMPLATES_DIR.
    """
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    template = select_template([f"legal/{name}.{language}.html", f"legal/{name}.fr.html"])
    return HttpResponse(template.render({"legal": _legal_context()}, request))


@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    return _legal_page(request, "terms")


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return _legal_page(request, "privacy")


@require_safe
def legal_notice(request: HttpRequest) -> HttpResponse:
    return _legal_page(request, "notice")


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return _legal_page(request, "contact")
