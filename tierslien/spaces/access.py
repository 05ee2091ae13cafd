"""The one way into a circle's space, and to the things written in it.

A circle is reached only through `circles.access.get_circle_for_member`: anyone who
is not a member (facilitators and administrators included) gets a 404. Until the
member has accepted the circle's pact, every page but the pact (and leaving)
redirects to it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from tierslien.circles.access import get_circle_for_member
from tierslien.circles.models import Circle
from tierslien.spaces.models import AidPost, CalendarToken, Message, PactAcceptance

SpaceView = Callable[..., HttpResponse]


def has_accepted_pact(circle: Circle, user: Any) -> bool:
    return PactAcceptance.objects.filter(circle=circle, user=user).exists()


def member_space(*, pact: bool = True) -> Callable[[SpaceView], SpaceView]:
    """Sign-in, then the circle for its member (404 otherwise), then the pact gate."""

    def decorate(view: SpaceView) -> SpaceView:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, circle_id: int, **kwargs: Any) -> HttpResponse:
            circle = get_circle_for_member(request.user, circle_id)
            if pact and not has_accepted_pact(circle, request.user):
                return redirect("circle_pact", circle.pk)
            return view(request, circle, **kwargs)

        return wrapper

    return decorate


def get_own_message(circle: Circle, user: Any, message_id: int) -> Message:
    """One of the member's own messages in this circle; anybody else's is a 404."""
    return get_object_or_404(Message, circle=circle, author=user, pk=message_id)


def get_aid_post(circle: Circle, post_id: int) -> AidPost:
    return get_object_or_404(AidPost, circle=circle, pk=post_id)


def get_own_aid_post(circle: Circle, user: Any, post_id: int) -> AidPost:
    return get_object_or_404(AidPost, circle=circle, author=user, pk=post_id)


def get_circle_for_token(circle_id: int, token: str) -> tuple[Circle, Any]:
    """The circle and member behind a calendar feed address; 404 once revoked or left."""
    row = get_object_or_404(
        CalendarToken.objects.select_related("user"), circle_id=circle_id, token=token
    )
    return get_circle_for_member(row.user, circle_id), row.user
