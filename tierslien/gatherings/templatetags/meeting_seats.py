"""Boxes the meeting pages include from the seats area (filled in by that area)."""

from __future__ import annotations

from typing import Any

from django import template

from tierslien.gatherings.models import Meeting

register = template.Library()


@register.inclusion_tag("gatherings/meetings/seats/_public_box.html", takes_context=True)
def seats_public_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the public meeting page."""
    return {"meeting": meeting, "request": context.get("request")}


@register.inclusion_tag("gatherings/meetings/seats/_manage_box.html", takes_context=True)
def seats_manage_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the facilitator's meeting page."""
    return {"meeting": meeting, "request": context.get("request")}
