"""Contributors of a themed meeting: invitations by email, answers through a secret link.

A contributor (an association, a professional, a scientist) has no account. The
facilitator invites them by name, organisation, kind and email; the email (in
French, then in English: we do not know their language) carries a link with a
secret token, of which only the SHA-256 is stored. Through that link they accept
and describe their contribution (title, summary, format), come back to edit it,
or decline. Inviting again makes a new token (the old link stops working).
Withdrawing an invitation deletes the contributor (and their address).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.core import feeds
from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.meetings.seats.notifications import topic
from tierslien.gatherings.models import (
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
)
from tierslien.lib.refusals import Refused
from tierslien.outbox import services as outbox

# A contributor may be invited, answer and be withdrawn until the day is over.
INVITING_STATES = (MeetingState.DRAFT, MeetingState.OPEN, MeetingState.ALLOCATED)
EMAIL_LANGUAGES = ("fr", "en")


class InvitationClosed(Refused):
    """The meeting no longer takes invitations or answers (held or archived)."""

    message = _("This meeting no longer takes invitations.")


class AnswersClosed(InvitationClosed):
    """The contributor can no longer answer their invitation (told on their own page)."""

    message = _("This invitation can no longer be answered.")


class AlreadyInvited(Refused):
    """Someone with this email address is already invited to this meeting."""

    message = _("Someone with this address is already invited.")


def can_answer(contributor: Contributor) -> bool:
    """Whether the contributor may still accept, edit or decline (not once declined)."""
    return (
        contributor.meeting.state in INVITING_STATES
        and contributor.status != ContributorStatus.DECLINED
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def invitation_url(meeting: Meeting, token: str) -> str:
    path = reverse("meeting_contribute", args=[meeting.territory.slug, token])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def render_invitation(contributor: Contributor, token: str) -> EmailMultiAlternatives:
    """The invitation: French first, then English, with the meeting as an .ics attachment."""
    meeting = contributor.meeting
    context = {
        "contributor": contributor,
        "meeting": meeting,
        "territory": meeting.territory,
        "venue": meeting.venue,
        "url": invitation_url(meeting, token),
        "site_name": settings.SITE_NAME,
    }
    parts = []
    subjects = []
    for language in EMAIL_LANGUAGES:
        with translation.override(language):
            subjects.append(
                render_to_string(
                    "gatherings/meetings/email/invitation_subject.txt", context
                ).strip()
            )
            parts.append(render_to_string("gatherings/meetings/email/invitation.txt", context))
    subject = subjects[0] if subjects[0] == subjects[1] else " / ".join(subjects)
    body = "\n\n-- -- --\n\n".join(part.strip() for part in parts) + "\n"
    message = EmailMultiAlternatives(subject, body, None, [contributor.email])
    stamp = contributor.invited_at or timezone.now()
    message.attach(
        f"meeting-{meeting.pk}.ics",
        feeds.calendar_text([meeting], stamp=stamp),
        "text/calendar",
    )
    return message


def _send_after_commit(contributor: Contributor, token: str) -> None:
    """Queued in the outbox in the caller's transaction: a failure rolls it back."""
    message = render_invitation(contributor, token)
    outbox.queue_email(message, topic=topic(contributor.meeting_id), language="fr")


def _locked_meeting(
    meeting: Meeting, refusal: type[InvitationClosed] = InvitationClosed
) -> Meeting:
    locked = Meeting.objects.locked(meeting.pk)
    if locked.state not in INVITING_STATES:
        raise refusal
    return locked


@transaction.atomic
def invite_contributor(
    meeting: Meeting,
    *,
    name: str,
    email: str,
    organisation: str = "",
    kind: str = "other",
    now: datetime.datetime | None = None,
) -> Contributor:
    """Invite someone to contribute; the email leaves once the transaction commits."""
    locked = _locked_meeting(meeting)
    address = email.strip().lower()
    if Contributor.objects.filter(meeting=locked, email__iexact=address).exists():
        raise AlreadyInvited
    token = new_token()
    contributor = Contributor.objects.create(
        meeting=locked,
        name=" ".join(name.split())[:120],
        organisation=" ".join(organisation.split())[:200],
        kind=kind,
        email=address,
        token_hash=hash_token(token),
        invited_at=now or timezone.now(),
    )
    _send_after_commit(contributor, token)
    return contributor


@transaction.atomic
def reinvite_contributor(
    contributor: Contributor, *, now: datetime.datetime | None = None
) -> Contributor:
    """Send the invitation again with a new link (the old one stops working). A contributor
    who declined is invited again; one who accepted keeps their contribution."""
    locked_meeting = _locked_meeting(contributor.meeting)
    locked = Contributor.objects.select_for_update().get(pk=contributor.pk)
    if not locked.email:
        raise InvitationClosed
    locked.meeting = locked_meeting
    token = new_token()
    locked.token_hash = hash_token(token)
    locked.invited_at = now or timezone.now()
    fields = ["token_hash", "invited_at"]
    if locked.status == ContributorStatus.DECLINED:
        locked.status = ContributorStatus.INVITED
        locked.responded_at = None
        fields += ["status", "responded_at"]
    locked.save(update_fields=fields)
    _send_after_commit(locked, token)
    return locked


@transaction.atomic
def withdraw_contributor(contributor: Contributor) -> None:
    """The facilitator withdraws an invitation: the contributor is deleted with their
    address (and their seats in the table plan, if any)."""
    _locked_meeting(contributor.meeting)
    Contributor.objects.filter(pk=contributor.pk).delete()


@transaction.atomic
def accept(
    contributor: Contributor,
    *,
    title: str,
    summary: str,
    format: str,
    now: datetime.datetime | None = None,
) -> Contributor:
    """The contributor accepts (or edits their contribution, once accepted)."""
    meeting = _locked_meeting(contributor.meeting, AnswersClosed)
    locked = Contributor.objects.select_for_update().get(pk=contributor.pk)
    if locked.status == ContributorStatus.DECLINED:
        raise AnswersClosed
    locked.title = title.strip()[:200]
    locked.summary = summary.strip()
    locked.format = format
    fields = ["title", "summary", "format"]
    if locked.status != ContributorStatus.ACCEPTED:
        locked.status = ContributorStatus.ACCEPTED
        locked.responded_at = now or timezone.now()
        fields += ["status", "responded_at"]
        notifications.queue_contributor_answer(meeting, locked, accepted=True)
    locked.save(update_fields=fields)
    return locked


@transaction.atomic
def decline(contributor: Contributor, *, now: datetime.datetime | None = None) -> Contributor:
    """The contributor declines (or can no longer come): they leave the public page."""
    meeting = _locked_meeting(contributor.meeting, AnswersClosed)
    locked = Contributor.objects.select_for_update().get(pk=contributor.pk)
    if locked.status != ContributorStatus.DECLINED:
        notifications.queue_contributor_answer(meeting, locked, accepted=False)
    locked.status = ContributorStatus.DECLINED
    locked.responded_at = now or timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    return locked
