"""The one way to reach a relay's pages and the people they registered.

Outsiders get 404; signed-in people without the relay role in the territory get 403; a
relay whose session has not passed the second factor confirms a code first (as
facilitators do). A relay reaches only the people of their own `Registered` rows: anyone
else is a 404, so a relay cannot even learn that someone exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from tierslien.relays.models import Registered, Relay
from tierslien.territories.access import behind_role, get_territory
from tierslien.territories.models import Territory


def is_relay(user: Any, territory: Territory) -> bool:
    if not user.is_authenticated:
        return False
    return Relay.objects.filter(territory=territory, user=user).exists()


def get_relay_territory(user: Any, slug: str) -> Territory:
    territory = get_territory(slug)
    if not is_relay(user, territory):
        raise PermissionDenied
    return territory


def get_registered(relay: Any, territory: Territory, person_id: int) -> Registered:
    """A person this relay registered in this territory (404 for anyone else)."""
    try:
        return Registered.objects.select_related("person").get(
            relay=relay, territory=territory, person_id=person_id
        )
    except Registered.DoesNotExist:
        raise Http404 from None


def relay_area[**P](
    view: Callable[Concatenate[HttpRequest, Territory, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a relay's view: sign-in, the relay role here, then the second factor."""
    return behind_role(get_relay_territory)(view)
