"""The one way to fetch a meeting, an application or a contributor, for each kind of visitor.

- Public readers (anyone, signed in or not): `get_public_meeting` — drafts and
  archived meetings are 404 for them.
- Facilitators: `meeting_management` wraps a view with the territory's
  management checks (sign-in, facilitator role → 403, TOTP) and passes the
  meeting of that territory (404 otherwise).
- Applicants: `get_own_application` — someone else's application is 404.
- Facilitators' actions on a contributor: `get_contributor` — one of another meeting is 404.
- Contributors (no account): `get_contributor_by_token` — an unknown token, one of
  another territory's meeting or of an archived meeting is 404.
- Names of applicants, for facilitators: `names_visible` — only for the door, on the day.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tierslien.gatherings.models import Application, Contributor, Meeting, MeetingState
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


def get_meeting(territory: Territory, meeting_id: int) -> Meeting:
    """Any meeting of the territory, whatever its state (for facilitators)."""
    return get_object_or_404(Meeting.objects.with_relations(), territory=territory, pk=meeting_id)


def get_public_meeting(territory: Territory, meeting_id: int) -> Meeting:
    """A meeting the public may read about (open, allocated or held)."""
    return get_object_or_404(
        Meeting.objects.with_relations().public(), territory=territory, pk=meeting_id
    )


def get_own_application(user: Any, meeting: Meeting) -> Application:
    """The signed-in person's application to this meeting, else 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Application, meeting=meeting, user=user)


def names_from(meeting: Meeting) -> datetime.datetime:
    """From when facilitators see the names of the people holding a seat."""
    hours = int(settings.MEETING_NAMES_HOURS_BEFORE)
    return meeting.starts_at - datetime.timedelta(hours=hours)


def names_visible(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Facilitators see names (door, table cards, projection) only while the meeting is
    allocated and from `MEETING_NAMES_HOURS_BEFORE` hours (24) before it starts, and only
    of people holding a seat. Before that, counts only: with the names of who applied,
    declined or waits, the counts per category and the quotas broken after a decline would
    tie a name to categories (docs/meetings.md, "Who can see what")."""
    if meeting.state != MeetingState.ALLOCATED:
        return False
    return (now or timezone.now()) >= names_from(meeting)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_contributor(meeting: Meeting, contributor_id: int) -> Contributor:
    """A contributor of this meeting (else 404), for the facilitator's actions."""
    contributor: Contributor = get_object_or_404(
        Contributor.objects.select_related("meeting", "meeting__territory", "meeting__venue"),
        meeting=meeting,
        pk=contributor_id,
    )
    return contributor


def get_contributor_by_token(territory: Territory, token: str) -> Contributor:
    """The contributor whose invitation link carries `token` (only its hash is stored), for
    a meeting of `territory` that is not archived."""
    contributor: Contributor = get_object_or_404(
        Contributor.objects.select_related("meeting", "meeting__territory", "meeting__venue"),
        token_hash=hash_token(token),
    )
    meeting = contributor.meeting
    if meeting.territory_id != territory.pk or meeting.state == MeetingState.ARCHIVED:
        raise Http404
    return contributor


def meeting_management[**P](
    view: Callable[Concatenate[HttpRequest, Territory, Meeting, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a facilitator's meeting view: territory management checks, then the meeting."""

    @territory_management
    @wraps(view)
    def wrapper(
        request: HttpRequest,
        territory: Territory,
        meeting_id: int,
        *args: Any,
        **kwargs: Any,
    ) -> HttpResponse:
        return view(request, territory, get_meeting(territory, meeting_id), *args, **kwargs)

    return wrapper


def meeting_audit[**P](
    view: Callable[Concatenate[HttpRequest, Territory, Meeting, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """`meeting_management`, then site administrators only (403 for facilitators): the
    exact files of a draw go to an auditor through an administrator, never to the people
    who know the applicants' names."""

    @meeting_management
    @wraps(view)
    def wrapper(
        request: HttpRequest,
        territory: Territory,
        meeting: Meeting,
        *args: Any,
        **kwargs: Any,
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, territory, meeting, *args, **kwargs)

    return wrapper
