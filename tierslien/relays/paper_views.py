"""Printable documents: each page is the document itself, printed from the browser."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tierslien.circles.access import get_season
from tierslien.circles.schedule import session_times
from tierslien.relays import paper
from tierslien.relays.paper import PaperViewer, paper_access
from tierslien.spaces.pact import OPENING_TEXT, PACT
from tierslien.territories.access import get_territory, territory_management
from tierslien.territories.display import DAY_LABELS, part_headers, slot_label
from tierslien.territories.models import Territory

FLYER = "flyer"


def requested_count(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("count", "1"))
    except ValueError:
        return 1


@require_safe
@paper_access
def paper_forms(request: HttpRequest, viewer: PaperViewer) -> HttpResponse:
    """Registration forms to fill by hand, one per page, each with its own stored code."""
    territory = viewer.territory
    forms = paper.print_forms(territory, requested_count(request), timezone.now())
    return render(
        request,
        "paper/forms.html",
        {
            "territory": territory,
            "forms": forms,
            "sectors": territory.sectors.all(),
            "days": list(DAY_LABELS.values()),
            "parts": part_headers(),
            "questions": paper.printed_questions(territory),
            "travel_km": paper.TRAVEL_KM,
            "max_forms": paper.MAX_FORMS,
        },
    )


@require_safe
@paper_access
def paper_letters(request: HttpRequest, viewer: PaperViewer, season_id: int) -> HttpResponse:
    """Invitation letters: the facilitator's for everyone reached on paper (or everyone),
    a relay's for the people they registered only."""
    territory = viewer.territory
    season = get_season(territory, season_id)
    everyone = viewer.is_facilitator and request.GET.get("all") == "1"
    letters = []
    if paper.letters_are_ready(season):
        memberships = paper.letter_memberships(
            season, relay=None if viewer.is_facilitator else request.user, everyone=everyone
        )
        letters = paper.letters(memberships, season)
    return render(
        request,
        "paper/letters.html",
        {
            "territory": territory,
            "season": season,
            "letters": letters,
            "ready": paper.letters_are_ready(season),
            "everyone": everyone,
            "as_facilitator": viewer.is_facilitator,
        },
    )


@require_safe
@territory_management
def paper_first_session(request: HttpRequest, territory: Territory, circle_id: int) -> HttpResponse:
    """A circle's first-session sheet: who, where, when, the pact and an attendance grid."""
    circle = paper.get_territory_circle(territory, circle_id)
    return render(
        request,
        "paper/first_session.html",
        {
            "territory": territory,
            "circle": circle,
            "season": circle.season,
            "names": paper.circle_first_names(circle),
            "sessions": session_times(circle.season, circle.slot),
            "slot": slot_label(circle.slot) if circle.slot else "",
            "pact": PACT,
            "opening": OPENING_TEXT,
            "blank_rows": range(2),  # someone placed late, written in by hand
            "record_url": paper.season_page_url(circle.season),
        },
    )


@require_safe
def paper_poster(request: HttpRequest, territory_slug: str) -> HttpResponse:
    """The territory's poster (A4) or flyers (two A5 per page): public, like the territory."""
    territory = get_territory(territory_slug)
    url = paper.public_url(territory)
    flyer = request.GET.get("format") == FLYER
    return render(
        request,
        "paper/poster.html",
        {
            "territory": territory,
            "url": url,
            "qr": paper.territory_qr(territory, url),
            "flyer": flyer,
            "copies": range(2 if flyer else 1),
        },
    )
