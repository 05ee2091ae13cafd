"""Writes of the moderation app, and the pairs the composition must keep apart."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Membership
from tierslien.moderation.models import Block, Removal, Report, ReportState
from tierslien.outbox import services as outbox
from tierslien.spaces.models import Message


class AlreadyHandled(Exception):
    """The report was handled meanwhile."""


class NobodyToRemove(Exception):
    """The report names nobody, or that person already left the circle."""


@dataclass(frozen=True)
class ReportedMessage:
    author_id: int | None
    text: str


# --- The composition: a block by either person keeps a pair apart for good ---


def blocked_pairs(user_ids: Iterable[int]) -> list[tuple[int, int]]:
    """Pairs (smaller id, larger id) among `user_ids` where one blocked the other (one query)."""
    ids = list(user_ids)
    if not ids:
        return []
    pairs = {
        (min(a, b), max(a, b))
        for a, b in Block.objects.filter(blocker_id__in=ids, blocked_id__in=ids).values_list(
            "blocker_id", "blocked_id"
        )
    }
    return sorted(pairs)


# --- Members ---


def fellow_members(circle: Circle, user: Any) -> list[User]:
    """The other members of `circle`, by display name."""
    return list(
        User.objects.filter(circle_memberships__circle=circle)
        .exclude(pk=user.pk)
        .order_by("display_name", "pk")
    )


def blocked_ids(user: Any) -> set[int]:
    return set(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True))


def block(blocker: Any, blocked: User) -> Block:
    """Record that `blocker` never wants to share a circle with `blocked` (who is not told)."""
    if blocker.pk == blocked.pk:
        raise ValueError("nobody blocks themselves")
    existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:  # a second click at the same time
        return Block.objects.get(blocker=blocker, blocked=blocked)


@transaction.atomic
def report_member(reporter: Any, circle: Circle, reported: User, *, reason: str) -> Report:
    return Report.objects.create(
        reporter=reporter, circle=circle, reported=reported, reason=reason.strip()
    )


def find_message(circle: Circle, message_id: int) -> ReportedMessage | None:
    """A message of the circle's board, if it exists."""
    message = Message.objects.filter(circle=circle, pk=message_id).first()
    if message is None:
        return None
    return ReportedMessage(author_id=message.author_id, text=message.text)


@transaction.atomic
def report_message(
    reporter: Any, circle: Circle, message_id: int, message: ReportedMessage, *, reason: str
) -> Report:
    """Report a message, keeping a copy of its text as it was (it may be edited or erased)."""
    reported = None
    if message.author_id is not None and message.author_id != reporter.pk:
        reported = User.objects.filter(pk=message.author_id).first()
    return Report.objects.create(
        reporter=reporter,
        circle=circle,
        reported=reported,
        message_id=message_id,
        message_text=message.text,
        reason=reason.strip(),
    )


# --- Facilitators ---


def open_reports(territory_id: int) -> Any:
    """Open reports about circles of the territory, oldest first, ready for display."""
    return (
        Report.objects.filter(circle__season__territory_id=territory_id, state=ReportState.OPEN)
        .select_related("reporter", "reported", "circle", "circle__season")
        .order_by("created_at", "pk")
    )


def _locked_open(report: Report) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.state != ReportState.OPEN:
        raise AlreadyHandled
    return locked


def _handle(report: Report, acting_user: Any, now: datetime.datetime) -> None:
    report.state = ReportState.HANDLED
    report.handled_by = acting_user
    report.handled_at = now
    report.save(update_fields=["state", "handled_by", "handled_at"])


@transaction.atomic
def mark_handled(report: Report, *, acting_user: Any) -> Report:
    locked = _locked_open(report)
    _handle(locked, acting_user, timezone.now())
    return locked


@transaction.atomic
def remove_member(report: Report, *, acting_user: Any, note: str = "") -> Removal:
    """Take the reported person out of the circle, log it, tell them neutrally; close it."""
    locked = _locked_open(report)
    if locked.reported_id is None:
        raise NobodyToRemove
    deleted, _rows = Membership.objects.filter(
        circle_id=locked.circle_id, user_id=locked.reported_id
    ).delete()
    if not deleted:
        raise NobodyToRemove
    now = timezone.now()
    removal = Removal.objects.create(
        circle_id=locked.circle_id,
        user_id=locked.reported_id,
        removed_by=acting_user,
        removed_at=now,
        note=note.strip(),
    )
    _handle(locked, acting_user, now)
    person = User.objects.get(pk=locked.reported_id)
    _queue_removal_notice(person, territory=locked.circle.season.territory)
    return removal


def _queue_removal_notice(person: User, *, territory: Any) -> None:
    with translation.override(person.language):
        subject = _("Your circle")
        body = _(
            "Hello %(name)s,\n\n"
            "The facilitator of your territory has ended your participation in your circle. "
            "Its private space is no longer open to you.\n\n"
            "If you would like to talk about it, you can reply to the facilitator of your "
            "territory.\n\n— %(site)s"
        ) % {"name": person.display_name, "site": settings.SITE_NAME}
        text = _(
            "Tiers Lien: the facilitator of your territory has ended your participation in "
            "your circle. To talk about it, contact them."
        )
    outbox.queue_emails(
        [outbox.Outgoing(EmailMessage(subject, body, None, [person.email]), person, text)],
        topic="moderation",
        territory=territory,
    )
