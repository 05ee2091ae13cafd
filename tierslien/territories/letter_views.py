"""The territory's print queue: letters to people reached by post, printed by a facilitator.

A letter is a message of the outbox on the LETTER channel (`outbox.routing`): no machine
posts it. The page prints one letter per A4 sheet (the address where a window envelope
shows it); the facilitator then marks them printed, which counts them as sent.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from tierslien.outbox import services as outbox
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


@require_safe
@territory_management
def manage_letters(request: HttpRequest, territory: Territory) -> HttpResponse:
    to_print, printed = outbox.letters(territory)
    return render(
        request,
        "territories/manage/letters.html",
        {"territory": territory, "to_print": to_print, "printed": printed},
    )


@require_POST
@territory_management
def manage_letters_printed(request: HttpRequest, territory: Territory) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("letter") if value.isdigit()]
    count = outbox.mark_printed(territory, ids)
    messages.success(
        request,
        ngettext(
            "%(count)d letter marked as printed.", "%(count)d letters marked as printed.", count
        )
        % {"count": count},
    )
    return redirect("manage_letters", territory.slug)
