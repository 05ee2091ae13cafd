"""Gatherings' models: discovery evenings (`evening`) and themed meetings (`meeting`)."""

from tierslien.gatherings.models.evening import (
    Attendee,
    AttendeeQuerySet,
    Companion,
    Evening,
    EveningQuerySet,
    EveningState,
    Seat,
    SeatQuerySet,
)
from tierslien.gatherings.models.meeting import (
    Application,
    ApplicationQuerySet,
    ApplicationStatus,
    Contributor,
    ContributorFormat,
    ContributorKind,
    ContributorStatus,
    Meeting,
    MeetingQuerySet,
    MeetingQuota,
    MeetingState,
    TableSeat,
)

__all__ = [
    "Application",
    "ApplicationQuerySet",
    "ApplicationStatus",
    "Attendee",
    "AttendeeQuerySet",
    "Companion",
    "Contributor",
    "ContributorFormat",
    "ContributorKind",
    "ContributorStatus",
    "Evening",
    "EveningQuerySet",
    "EveningState",
    "Meeting",
    "MeetingQuerySet",
    "MeetingQuota",
    "MeetingState",
    "Seat",
    "SeatQuerySet",
    "TableSeat",
]
