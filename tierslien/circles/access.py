"""The one way to reach a season, for facilitators and for participants.

A season is reached through its territory: another territory's season is a 404.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from tierslien.circles.models import Circle, Membership, Registration, Season
from tierslien.territories.models import Territory


def get_season(territory: Territory, season_id: int) -> Season:
    return get_object_or_404(
        Season.objects.select_related("territory"), territory=territory, pk=season_id
    )


def get_own_registration(user: Any, season: Season) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(season=season, user=user).first()


# States in which a circle exists for its members (before publication it is only a proposal).
VISIBLE_TO_MEMBERS = ("published", "running", "closed")


def member_circles(user: Any) -> Any:
    """The circles `user` belongs to and may see, newest season first."""
    if not user.is_authenticated:
        return Circle.objects.none()
    return (
        Circle.objects.filter(memberships__user=user, season__state__in=VISIBLE_TO_MEMBERS)
        .select_related("season", "season__territory", "venue")
        .order_by("-season__first_week", "number")
    )


def get_circle_for_member(user: Any, circle_id: int) -> Any:
    """A circle its member may enter; anyone else (facilitators included) gets a 404.

    A circle's private space belongs to its members only: facilitators act on a
    circle through the season's management pages, never by reading its space.
    """
    return get_object_or_404(member_circles(user), pk=circle_id)


def get_season_circle(season: Season, circle_id: int) -> Any:
    """A circle of a season reached by a facilitator (another season's circle is a 404)."""
    return get_object_or_404(Circle.objects.select_related("venue"), season=season, pk=circle_id)


# States in which a member can answer their invitation.
ANSWERABLE = ("published", "running")


def get_own_membership(user: Any, territory: Territory, circle_id: int) -> Any:
    """The signed-in person's own seat in a circle of `territory`; anyone else gets a 404."""
    return get_object_or_404(
        Membership.objects.select_related(
            "circle", "circle__venue", "circle__season", "circle__season__territory"
        ),
        user=user,
        circle_id=circle_id,
        circle__season__territory=territory,
        circle__season__state__in=ANSWERABLE,
    )
