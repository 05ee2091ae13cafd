"""The one way to fetch a territory and what it owns, for each kind of visitor.

Outsiders get 404 (existence is not leaked); signed-in people without the
role get 403; a facilitator whose session has not passed the second factor is sent to
confirm a code from their authenticator app (or to enrol one first).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from tierslien.accounts.mfa import second_factor_redirect
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


def behind_role[T, **P](
    fetch: Callable[[Any, str], T],
) -> Callable[
    [Callable[Concatenate[HttpRequest, T, P], HttpResponse]], Callable[..., HttpResponse]
]:
    """A decorator for the pages of one role in a territory: sign-in, then `fetch(user, slug)`
    (it raises 404 or 403, or returns what the view receives), then the second factor."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, T, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, territory_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            allowed = fetch(request.user, territory_slug)
            detour = second_factor_redirect(request, request.get_full_path())
            if detour is not None:
                return detour
            return view(request, allowed, *args, **kwargs)

        return wrapper

    return decorate


def territory_management[**P](
    view: Callable[Concatenate[HttpRequest, Territory, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a management view: sign-in, facilitator role, then the second factor."""
    return behind_role(get_managed_territory)(view)
