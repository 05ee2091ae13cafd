"""Applying for a seat at a themed meeting, and withdrawing.

Applying takes one step for someone with a self-portrait in the territory: their
answers to the meeting's criteria (and nothing else) are copied into
`Application.answers`. Someone without a portrait answers those few criteria on
the spot, each with "prefer not to say". Every application gets a random
pseudonym (`secrets`, never derived from the user id): the applicant's id in
the published pool.

An application can be withdrawn until the seed is published (the pool is then
frozen); afterwards a selected person declines their seat instead.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import Any, Final

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.emails import absolute, queue_email_to
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.core.services import BALANCE_KINDS
from tierslien.gatherings.meetings.seats.notifications import topic
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lib.refusals import Refused
from tierslien.portraits.engine import clean_answers
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Facilitator

UNDISCLOSED: Final = "undisclosed"  # the "prefer not to say" category of the published pool
PSEUDONYM_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
PSEUDONYM_LENGTH: Final = 10


class ApplicationsClosed(Refused):
    """The meeting does not take (or no longer takes) applications, or withdrawals."""

    message = _("This meeting no longer takes applications.")


class EmailNotVerified(Refused):
    """Applicants need a verified email address: outcomes and confirmations go there."""

    message = _("Confirm your email address first.")


class AlreadyApplied(Refused):
    """This person already has an application to this meeting."""


class FacilitatorCannotApply(Refused):
    """A facilitator of the territory runs its meetings (quotas, seed, draw): they do not
    compete for a seat in them."""

    message = _("A facilitator of the territory cannot apply to its meetings: you run the draw.")


# --- The meeting's criteria ---------------------------------------------------------------


def balance_criteria(meeting: Meeting) -> list[Criterion]:
    """The meeting's criteria whose balance matters and that can be quotas: one-choice,
    non-sensitive questions (one that is or ever was sensitive is skipped, whatever the
    meeting says)."""
    return [
        c
        for c in meeting.criteria.all()
        if not c.sensitive and not c.ever_sensitive and c.kind in BALANCE_KINDS and c.options
    ]


def option_values(criterion: Criterion) -> list[str]:
    return [str(option["value"]) for option in criterion.options]


def category(criterion: Criterion, answers: Mapping[str, Any]) -> str:
    """The applicant's category for `criterion`: their answer, or "prefer not to say"."""
    value = answers.get(criterion.key)
    if isinstance(value, str) and value in option_values(criterion):
        return value
    return UNDISCLOSED


# --- Who may apply ------------------------------------------------------------------------


def accepts_applications(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    moment = now or timezone.now()
    return (
        meeting.state == MeetingState.OPEN
        and meeting.seed_published_at is None
        and meeting.registration_opens <= moment < meeting.registration_closes
    )


def facilitates(user: Any, meeting: Meeting) -> bool:
    """Whether the person facilitates the meeting's territory (then they may not apply)."""
    return Facilitator.objects.filter(territory_id=meeting.territory_id, user=user).exists()


def has_verified_email(user: Any) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def has_portrait(user: Any, meeting: Meeting) -> bool:
    return Portrait.objects.filter(user=user, territory_id=meeting.territory_id).exists()


def current_application(user: Any, meeting: Meeting) -> Application | None:
    """The person's application to the meeting, unless they withdrew it (or never applied)."""
    application = Application.objects.filter(meeting=meeting, user=user).first()
    if application is None or application.status == ApplicationStatus.WITHDRAWN:
        return None
    return application


def withdrawable(meeting: Meeting, application: Application) -> bool:
    """An application can be withdrawn while the meeting is open and its pool not frozen."""
    return (
        meeting.state == MeetingState.OPEN
        and meeting.seed_published_at is None
        and application.status == ApplicationStatus.APPLIED
    )


def sign_in_to_apply(meeting: Meeting) -> dict[str, str]:
    """Links that bring an anonymous visitor back to the application page."""
    query = urlencode({"next": reverse("meeting_apply", args=[meeting.territory.slug, meeting.pk])})
    return {
        "login": f"{reverse('account_login')}?{query}",
        "signup": f"{reverse('account_signup')}?{query}",
    }


def portrait_answers(user: Any, meeting: Meeting, criteria: list[Criterion]) -> dict[str, str]:
    """The person's portrait answers to the meeting's criteria, and only those."""
    stored = Answer.objects.filter(
        portrait__user=user,
        portrait__territory_id=meeting.territory_id,
        criterion__in=criteria,
    ).select_related("criterion")
    return clean_answers(criteria, {a.criterion.key: a.value for a in stored})


def new_pseudonym(meeting: Meeting) -> str:
    """A random pseudonym not used yet in this meeting's pool."""
    taken = set(Application.objects.filter(meeting=meeting).values_list("pseudonym", flat=True))
    while True:
        pseudonym = "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(PSEUDONYM_LENGTH))
        if pseudonym not in taken:
            return pseudonym


# --- Actions ------------------------------------------------------------------------------


@transaction.atomic
def apply(
    meeting: Meeting,
    user: User,
    *,
    answers: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Application:
    """Apply for a seat. With a portrait in the territory its answers are used (`answers`
    is ignored); without one, `answers` are the answers given on the spot."""
    # Locked: serialises with the seed's publication (the pool's freeze).
    locked = Meeting.objects.locked(meeting.pk)
    moment = now or timezone.now()
    if not accepts_applications(locked, moment):
        raise ApplicationsClosed
    if facilitates(user, locked):
        raise FacilitatorCannotApply
    if not has_verified_email(user):
        raise EmailNotVerified
    existing = Application.objects.filter(meeting=locked, user=user).first()
    if existing is not None and existing.status != ApplicationStatus.WITHDRAWN:
        raise AlreadyApplied
    criteria = balance_criteria(locked)
    on_the_spot = not has_portrait(user, locked)
    snapshot = (
        clean_answers(criteria, answers or {})
        if on_the_spot
        else portrait_answers(user, locked, criteria)
    )
    if existing is not None:  # applying again after withdrawing
        existing.status = ApplicationStatus.APPLIED
        existing.answers = snapshot
        existing.answered_on_the_spot = on_the_spot
        existing.applied_at = moment
        existing.save(update_fields=["status", "answers", "answered_on_the_spot", "applied_at"])
        queue_applied_receipt(user, locked)
        return existing
    application = Application.objects.create(
        meeting=locked,
        user=user,
        pseudonym=new_pseudonym(locked),
        answers=snapshot,
        answered_on_the_spot=on_the_spot,
        applied_at=moment,
    )
    queue_applied_receipt(user, locked)
    return application


def queue_applied_receipt(user: User, meeting: Meeting) -> None:
    """The receipt of an application: what happens next, and when (the person's language)."""
    path = reverse("meeting_my_seat", args=[meeting.territory.slug, meeting.pk])
    context = {
        "meeting": meeting,
        "territory": meeting.territory,
        "venue": meeting.venue,
        "closes_at": meeting.registration_closes,
        "url": absolute(path),
    }
    queue_email_to(
        user, "meeting_applied", context, topic=topic(meeting.pk), territory=meeting.territory
    )


@transaction.atomic
def withdraw(application: Application) -> Application:
    """Withdraw before the pool is frozen; the answers are erased at once."""
    locked = Meeting.objects.locked(application.meeting.pk)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if not withdrawable(locked, current):
        raise ApplicationsClosed(_("It is too late to withdraw: the draw is published."))
    current.status = ApplicationStatus.WITHDRAWN
    current.answers = {}
    current.save(update_fields=["status", "answers"])
    return current
