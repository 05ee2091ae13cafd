"""The one way to reach a fellow member and a report.

Circles themselves are reached through `circles.access.get_circle_for_member`
(members only; anyone else gets a 404).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from tierslien.accounts.models import User
from tierslien.circles.models import Circle
from tierslien.moderation.models import Report
from tierslien.territories.models import Territory


def get_fellow_member(circle: Circle, user: Any, member_id: int) -> User:
    """Another member of `circle` (oneself, or anyone outside the circle, is a 404)."""
    return get_object_or_404(
        User.objects.filter(circle_memberships__circle=circle).exclude(pk=user.pk),
        pk=member_id,
    )


def get_report(territory: Territory, report_id: int) -> Report:
    """A report about a circle of `territory`; another territory's report is a 404."""
    return get_object_or_404(
        Report.objects.select_related("circle", "circle__season", "reported"),
        circle__season__territory=territory,
        pk=report_id,
    )
