"""Boxes the meeting pages include from the seats area."""

from __future__ import annotations

from typing import Any

from django import template

from tierslien.gatherings.meetings.seats import applications
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting

register = template.Library()


@register.inclusion_tag("gatherings/meetings/seats/_public_box.html", takes_context=True)
def seats_public_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the public meeting page: apply (one click with a portrait), or the person's status
    and a link to their private page; anonymous visitors are sent through sign-in and back."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    application = None
    with_portrait = False
    facilitates = False
    if signed_in:
        facilitates = applications.facilitates(user, meeting)
        application = applications.current_application(user, meeting)
        if application is None:
            with_portrait = applications.has_portrait(user, meeting)
    return {
        "meeting": meeting,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "signed_in": signed_in,
        "application": application,
        "with_portrait": with_portrait,
        "facilitates": facilitates,
        "open": applications.accepts_applications(meeting),
        "links": applications.sign_in_to_apply(meeting),
    }


@register.inclusion_tag("gatherings/meetings/seats/_manage_box.html", takes_context=True)
def seats_manage_box(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """On the facilitator's meeting page: head counts and the way to the seats pages."""
    counts = dict.fromkeys(ApplicationStatus.values, 0)
    for status in Application.objects.filter(meeting=meeting).values_list("status", flat=True):
        counts[status] += 1
    return {
        "meeting": meeting,
        "request": context.get("request"),
        "applied": sum(n for s, n in counts.items() if s != ApplicationStatus.WITHDRAWN),
        "counts": counts,
    }
