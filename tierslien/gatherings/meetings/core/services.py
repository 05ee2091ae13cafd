"""Every write about a themed meeting itself, one named function each.

Creating and editing a meeting, opening it, sending it back to draft, and
archiving it (`archive_meeting`: in one transaction, the applications and the
table plan are deleted, contributors who did not accept are deleted and the
others lose their address and link; the head counts remain). Contributors'
invitations live in `contributors.py`; applications and the draw in the seats
area; the table plan in the day area.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.meetings.core.lifecycle import can_transition, transition
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)
from tierslien.lib.refusals import Refused
from tierslien.portraits.models import Criterion, CriterionKind
from tierslien.privacy.retention import KEEP_MEETING_APPLICATIONS
from tierslien.territories.models import Territory, Venue

log = logging.getLogger(__name__)

BALANCE_KINDS = (CriterionKind.CATEGORICAL, CriterionKind.ORDINAL)
MAX_CRITERIA = 4
EDITABLE_STATES = (MeetingState.DRAFT, MeetingState.OPEN)
# Fields of `Meeting` that create/update write (besides territory and criteria).
MEETING_FIELDS = (
    "venue",
    "theme",
    "description",
    "starts_at",
    "duration_minutes",
    "seats",
    "registration_opens",
    "registration_closes",
    "rotations",
    "rotation_minutes",
    "confirmation_hours",
)
# Once someone applied (or the seed is published), these would change the draw's rules.
LOCKED_AFTER_APPLICATIONS = ("seats",)
# Changes that applicants are told about (the end follows from these and the duration).
RESCHEDULING = ("starts_at", "duration_minutes", "venue")


class MeetingClosed(Refused):
    """The meeting no longer accepts this action (its state changed meanwhile)."""

    message = _("This meeting can no longer be edited.")


class HasApplications(Refused):
    """The action is refused because people have already applied."""

    message = _("People have applied: the seats and criteria can no longer change.")


class SeedPublished(Refused):
    """The draw's seed is published: the meeting can no longer go back to draft."""

    message = _("The draw's seed is published: the meeting can no longer go back to draft.")


class MeetingStarted(Refused):
    """The meeting has already started: it cannot be opened for applications."""

    message = _("This meeting has already started: change its date first.")


class IneligibleCriterion(ValueError):
    """A criterion that may not balance seats (sensitive, not asked, not one-choice, elsewhere)."""


def eligible_criteria(territory: Territory) -> list[Criterion]:
    """The criteria a meeting may balance its seats on: the territory's enabled,
    one-choice questions that are not and never were sensitive (quotas are set on
    their values, and the anonymised pool of applicants is published)."""
    criteria = Criterion.objects.filter(
        territory=territory,
        enabled=True,
        sensitive=False,
        ever_sensitive=False,
        kind__in=BALANCE_KINDS,
    ).order_by("position", "id")
    return [c for c in criteria if len(c.options) >= 2]


def check_criteria(territory: Territory, criteria: Iterable[Criterion]) -> list[Criterion]:
    chosen = list(criteria)
    allowed = {c.pk for c in eligible_criteria(territory)}
    for criterion in chosen:
        if criterion.pk not in allowed:
            raise IneligibleCriterion(criterion.key)
    if len(chosen) > MAX_CRITERIA:
        raise IneligibleCriterion("too many")
    return chosen


@transaction.atomic
def create_meeting(
    territory: Territory,
    *,
    venue: Venue,
    criteria: Iterable[Criterion] = (),
    **values: Any,
) -> Meeting:
    """A new draft meeting of `territory` (nothing public until it is opened)."""
    if venue.territory_id != territory.pk:
        raise ValueError("the venue belongs to another territory")
    chosen = check_criteria(territory, criteria)
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    meeting = Meeting.objects.create(
        territory=territory, venue=venue, state=MeetingState.DRAFT, **values
    )
    meeting.criteria.set(chosen)
    return meeting


def rules_locked(meeting: Meeting) -> bool:
    """True once the seats and criteria can no longer change: someone applied or the
    seed of the draw was published."""
    return meeting.seed_published_at is not None or meeting.applications.exists()


@transaction.atomic
def update_meeting(
    meeting: Meeting,
    *,
    criteria: Iterable[Criterion] | None = None,
    **values: Any,
) -> Meeting:
    """Edit a draft or open meeting. Seats and criteria are frozen once someone applied."""
    locked = Meeting.objects.locked(meeting.pk)
    if locked.state not in EDITABLE_STATES:
        raise MeetingClosed
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    venue = values.get("venue")
    if venue is not None and venue.territory_id != locked.territory_id:
        raise ValueError("the venue belongs to another territory")
    frozen = rules_locked(locked)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    current = set(locked.criteria.values_list("pk", flat=True))
    chosen = None if criteria is None else check_criteria(locked.territory, criteria)
    criteria_change = chosen is not None and {c.pk for c in chosen} != current
    if frozen and (criteria_change or set(changed) & set(LOCKED_AFTER_APPLICATIONS)):
        raise HasApplications
    before_starts_at, before_venue = locked.starts_at, locked.venue
    for name in changed:
        setattr(locked, name, values[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    if set(changed) & set(RESCHEDULING):
        notifications.queue_rescheduled(
            locked, before_starts_at=before_starts_at, before_venue=before_venue
        )
    if criteria_change:
        assert chosen is not None
        locked.criteria.set(chosen)
    return locked


@transaction.atomic
def open_meeting(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """draft -> open: the meeting appears publicly and (in its window) takes applications."""
    moment = now or timezone.now()
    locked = Meeting.objects.locked(meeting.pk)
    if not can_transition(locked.state, MeetingState.OPEN):
        raise MeetingClosed(_("Only a draft can be opened."))
    if locked.starts_at <= moment:
        raise MeetingStarted
    locked.opened_at = moment
    return transition(locked, MeetingState.OPEN, also=("opened_at",))


@transaction.atomic
def back_to_draft(meeting: Meeting) -> Meeting:
    """open -> draft (hidden again), only while nobody has applied and no seed is published
    (a published seed is a public promise about this draw)."""
    locked = Meeting.objects.locked(meeting.pk)
    if not can_transition(locked.state, MeetingState.DRAFT):
        raise MeetingClosed(_("Only an open meeting can go back to draft."))
    if locked.seed_published_at is not None:
        raise SeedPublished
    if Application.objects.filter(meeting=locked).exists():
        raise HasApplications(_("People have applied: the meeting can no longer go back to draft."))
    return transition(locked, MeetingState.DRAFT)


def _unusable_token_hash() -> str:
    return hash_token(secrets.token_urlsafe(32))


@transaction.atomic
def archive_meeting(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting:
    """Archive a meeting (held, or abandoned before it happened) and erase its people.

    In one transaction: the table plan and the applications are deleted;
    contributors who did not accept are deleted; accepted ones keep their public
    name, organisation and contribution but lose their email address and their
    link (a fresh hash nobody holds the token of); the published pool and panel
    (one row per applicant, even pseudonymous) are emptied. The head counts
    remain: `seated_count` and `attended_count` are kept, or taken from the
    applications when the other areas did not set them.
    """
    moment = now or timezone.now()
    locked = Meeting.objects.locked(meeting.pk)
    if not can_transition(locked.state, MeetingState.ARCHIVED):
        raise MeetingClosed(_("This meeting is already archived."))
    applications = Application.objects.filter(meeting=locked)
    seated = applications.filter(
        Q(status__in=[ApplicationStatus.SELECTED, ApplicationStatus.CONFIRMED])
        | Q(checked_in_at__isnull=False)
    ).count()
    attended = applications.filter(checked_in_at__isnull=False).count()
    if locked.state != MeetingState.HELD and locked.starts_at > moment:
        notifications.queue_cancelled(locked)  # abandoned before it took place
    TableSeat.objects.filter(meeting=locked).delete()
    applications.delete()
    Contributor.objects.filter(meeting=locked).exclude(status=ContributorStatus.ACCEPTED).delete()
    kept = list(Contributor.objects.filter(meeting=locked))
    for contributor in kept:
        contributor.email = ""
        contributor.token_hash = _unusable_token_hash()
    Contributor.objects.bulk_update(kept, ["email", "token_hash"])
    locked.seated_count = max(locked.seated_count, seated)
    locked.attended_count = max(locked.attended_count, attended)
    locked.published_pool = []
    locked.published_panel = []
    locked.draw_record = {}  # pseudonyms and type sizes; no rerun without the pool anyway
    locked.archived_at = moment
    return transition(
        locked,
        MeetingState.ARCHIVED,
        also=(
            "seated_count",
            "attended_count",
            "published_pool",
            "published_panel",
            "draw_record",
            "archived_at",
        ),
    )


def archive_meetings(now: datetime.datetime) -> int:
    """Archive every meeting that started more than 30 days before `now` (held or not:
    a meeting nobody marked as held keeps no one's data longer)."""
    due = Meeting.objects.filter(starts_at__lt=now - KEEP_MEETING_APPLICATIONS).exclude(
        state=MeetingState.ARCHIVED
    )
    count = 0
    for meeting in due:
        archive_meeting(meeting, now=now)
        count += 1
    if count:
        log.info("archived %d themed meeting(s)", count)
    return count
