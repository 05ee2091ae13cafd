"""The one way to fetch an evening: it must belong to the territory in the address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from tierslien.gatherings.models import Attendee, Evening
from tierslien.territories.access import get_territory
from tierslien.territories.models import Territory


def get_evening(territory: Territory, evening_id: int) -> Evening:
    return get_object_or_404(Evening.objects.with_relations(), territory=territory, pk=evening_id)


def get_attendee(evening: Evening, attendee_id: int) -> Attendee:
    """Someone checked in to this evening (an attendee of another evening: 404)."""
    return get_object_or_404(Attendee, evening=evening, pk=attendee_id)


def signed_in_evening(
    view: Callable[[HttpRequest, Territory, Evening], HttpResponse],
) -> Callable[..., HttpResponse]:
    """For attendees' own pages: sign-in, then the evening of that territory (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, territory_slug: str, evening_id: int) -> HttpResponse:
        territory = get_territory(territory_slug)
        evening = get_evening(territory, evening_id)
        return view(request, territory, evening)

    return wrapper


__all__: list[Any] = ["get_attendee", "get_evening", "signed_in_evening"]
