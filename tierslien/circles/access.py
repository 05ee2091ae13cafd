"""The one way to reach a season, for facilitators and for participants.

A season is reached through its territory: another territory's season is a 404.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from tierslien.circles.models import Registration, Season
from tierslien.territories.models import Territory


def get_season(territory: Territory, season_id: int) -> Season:
    return get_object_or_404(
        Season.objects.select_related("territory"), territory=territory, pk=season_id
    )


def get_own_registration(user: Any, season: Season) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(season=season, user=user).first()
