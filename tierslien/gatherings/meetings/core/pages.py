"""What the meeting pages read, in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting, MeetingState
from tierslien.territories.models import Territory

UPCOMING_STATES = (MeetingState.OPEN, MeetingState.ALLOCATED)


def accepted_contributors() -> QuerySet[Contributor]:
    """Only what the public may see of contributors (never their address)."""
    return Contributor.objects.filter(status=ContributorStatus.ACCEPTED).only(
        "pk", "meeting_id", "name", "organisation", "kind", "title", "summary", "format"
    )


def upcoming_meetings(territory: Territory, now: datetime.datetime) -> QuerySet[Meeting]:
    """Open and allocated meetings of the territory that have not started, with their
    accepted contributors (three queries)."""
    return (
        Meeting.objects.with_relations()
        .filter(territory=territory, state__in=UPCOMING_STATES, starts_at__gt=now)
        .prefetch_related(Prefetch("contributors", queryset=accepted_contributors()))
    )


def public_contributors(meeting: Meeting) -> list[Contributor]:
    return list(accepted_contributors().filter(meeting=meeting))


def managed_meetings(territory: Territory) -> QuerySet[Meeting]:
    """Every meeting of the territory with its contributors counted (one query)."""
    return (
        Meeting.objects.with_relations()
        .filter(territory=territory)
        .annotate(
            invited_count=Count("contributors", distinct=True),
            accepted_count=Count(
                "contributors",
                filter=Q(contributors__status=ContributorStatus.ACCEPTED),
                distinct=True,
            ),
        )
        .order_by("-starts_at", "-id")
    )
