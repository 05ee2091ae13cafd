"""The one way to fetch a territory and what it owns, for each kind of visitor.

Outsiders get 404 (existence is not leaked); signed-in people without the
role get 403; facilitators without an authenticator app are sent to enrol.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tierslien.territories.models import Facilitator, Sector, Territory, Venue


def get_territory(slug: str) -> Territory:
    """Territories are public: anyone may see that one exists."""
    return get_object_or_404(Territory, slug=slug)


def is_facilitator(user: Any, territory: Territory) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Facilitator.objects.filter(territory=territory, user=user).exists()


def has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def get_managed_territory(user: Any, slug: str) -> Territory:
    territory = get_territory(slug)
    if not is_facilitator(user, territory):
        raise PermissionDenied
    return territory


def get_sector(territory: Territory, sector_id: int) -> Sector:
    return get_object_or_404(Sector, territory=territory, pk=sector_id)


def get_venue(territory: Territory, venue_id: int) -> Venue:
    return get_object_or_404(
        Venue.objects.select_related("sector"), territory=territory, pk=venue_id
    )


def territory_management[**P](
    view: Callable[Concatenate[HttpRequest, Territory, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a management view: sign-in, facilitator role, then TOTP enrolment."""

    @login_required
    @wraps(view)
    def wrapper(
        request: HttpRequest, territory_slug: str, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        territory = get_managed_territory(request.user, territory_slug)
        if not has_totp(request.user):
            messages.info(
                request,
                _(
                    "Facilitators protect their account with an authenticator app before "
                    "managing a territory."
                ),
            )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        return view(request, territory, *args, **kwargs)

    return wrapper
