"""Boxes the meeting pages include from the day area (table plan, check-in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from tierslien.gatherings.meetings.day import pages
from tierslien.gatherings.models import (
    ApplicationStatus,
    Contributor,
    Meeting,
    TableSeat,
)

register = template.Library()


@dataclass(frozen=True)
class MySeat:
    rotation: int
    table: int
    host: Contributor | None


@register.inclusion_tag("gatherings/meetings/day/_public_box.html", takes_context=True)
def day_public_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the public meeting page: a signed-in applicant with a confirmed seat sees their
    own tables once the plan exists (table numbers and hosts only, never other people)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    seats: list[MySeat] = []
    if pages.day_open(meeting) and user is not None and user.is_authenticated:
        mine = list(
            TableSeat.objects.filter(
                meeting=meeting,
                application__user=user,
                application__status=ApplicationStatus.CONFIRMED,
            )
            .only("rotation", "table")
            .order_by("rotation")
        )
        if mine:
            hosts = {
                seat.table: seat.contributor
                for seat in TableSeat.objects.filter(
                    meeting=meeting, rotation=1, contributor__isnull=False
                ).select_related("contributor")
            }
            seats = [MySeat(s.rotation, s.table, hosts.get(s.table)) for s in mine]
    return {"meeting": meeting, "request": request, "seats": seats}


@register.inclusion_tag("gatherings/meetings/day/_manage_box.html", takes_context=True)
def day_manage_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the facilitator's meeting page: the door's and the plan's counts, the links."""
    return {
        "meeting": meeting,
        "territory": meeting.territory,
        "request": context.get("request"),
        "day": pages.day_state(meeting),
        "rotations": pages.rotation_numbers(meeting),
        "allocated": pages.day_open(meeting),
    }
