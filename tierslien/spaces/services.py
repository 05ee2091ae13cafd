"""Every write in a circle's space: named actions, each in one transaction."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tierslien.circles.access import VISIBLE_TO_MEMBERS
from tierslien.circles.models import Circle, Membership
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.lib import reminders
from tierslien.outbox import services as outbox
from tierslien.spaces.models import (
    AidKind,
    AidOffer,
    AidPost,
    Answer,
    Attendance,
    CalendarToken,
    Introduction,
    Message,
    PactAcceptance,
    Presence,
    PresenceSheet,
    ReminderSent,
)


class UnknownSession(ValueError):
    """The circle has no session with that number."""


def accept_pact(circle: Circle, user: Any) -> None:
    with transaction.atomic():
        PactAcceptance.objects.get_or_create(
            circle=circle, user=user, defaults={"accepted_at": timezone.now()}
        )


def set_introduction(circle: Circle, user: Any, text: str) -> None:
    with transaction.atomic():
        Introduction.objects.update_or_create(
            circle=circle,
            user=user,
            defaults={"text": text.strip(), "updated_at": timezone.now()},
        )


def set_attendance(circle: Circle, user: Any, session: int, answer: str) -> None:
    if session not in {s.number for s in session_times(circle.season, circle.slot)}:
        raise UnknownSession(session)
    with transaction.atomic():
        Attendance.objects.update_or_create(
            circle=circle,
            user=user,
            session=session,
            defaults={"answer": Answer(answer), "updated_at": timezone.now()},
        )


def issue_calendar_token(circle: Circle, user: Any) -> CalendarToken:
    """A new secret feed address for the member; the previous one stops working."""
    with transaction.atomic():
        CalendarToken.objects.filter(circle=circle, user=user).delete()
        return CalendarToken.objects.create(
            circle=circle, user=user, token=secrets.token_urlsafe(32), created_at=timezone.now()
        )


def revoke_calendar_token(circle: Circle, user: Any) -> None:
    with transaction.atomic():
        CalendarToken.objects.filter(circle=circle, user=user).delete()


def post_message(circle: Circle, author: Any, text: str) -> Message:
    with transaction.atomic():
        return Message.objects.create(
            circle=circle, author=author, text=text.strip(), created_at=timezone.now()
        )


def edit_message(message: Message, text: str) -> None:
    with transaction.atomic():
        message.text = text.strip()
        message.edited_at = timezone.now()
        message.save(update_fields=["text", "edited_at"])


def delete_message(message: Message) -> None:
    with transaction.atomic():
        message.delete()


def post_aid(circle: Circle, author: Any, *, kind: str, title: str, text: str) -> AidPost:
    with transaction.atomic():
        return AidPost.objects.create(
            circle=circle,
            author=author,
            kind=AidKind(kind),
            title=title.strip(),
            text=text.strip(),
            created_at=timezone.now(),
        )


def offer_help(post: AidPost, author: Any, text: str) -> AidOffer:
    with transaction.atomic():
        return AidOffer.objects.create(
            post=post, author=author, text=text.strip(), created_at=timezone.now()
        )


def resolve_aid(post: AidPost) -> None:
    with transaction.atomic():
        if post.resolved_at is None:
            post.resolved_at = timezone.now()
            post.save(update_fields=["resolved_at"])


def leave_circle(circle: Circle, user: Any) -> None:
    """The member leaves: access ends at once and everything they wrote here is deleted.

    Their messages, mutual-aid posts (with the offers under them), offers of help,
    answers to sessions, introduction, pact acceptance and calendar address go.
    """
    with transaction.atomic():
        Message.objects.filter(circle=circle, author=user).delete()
        AidOffer.objects.filter(post__circle=circle, author=user).delete()
        AidPost.objects.filter(circle=circle, author=user).delete()
        for model in (Attendance, Presence, Introduction, PactAcceptance, CalendarToken):
            model.objects.filter(circle=circle, user=user).delete()
        Membership.objects.filter(circle=circle, user=user).delete()


def delete_circle_content(circle: Circle) -> None:
    """Delete everything written in a circle's space (the purge calls this after the end)."""
    with transaction.atomic():
        Message.objects.filter(circle=circle).delete()
        AidOffer.objects.filter(post__circle=circle).delete()
        AidPost.objects.filter(circle=circle).delete()
        for model in (
            Attendance,
            Presence,
            PresenceSheet,
            Introduction,
            PactAcceptance,
            CalendarToken,
            ReminderSent,
        ):
            model.objects.filter(circle=circle).delete()


# --- Reminders ---
# A week before (the first session only: the others are weekly or fortnightly, and a
# week before them falls on or just after the previous session, where people saw each
# other), the day before and two hours before; each once per session (`ReminderSent`),
# on each person's channel (an email, or its short text for people reached by SMS).
# Members who said "I can't" for that session get none.


def _kinds(session: SessionTime) -> tuple[str, ...]:
    if session.number == 1:
        return reminders.ORDER
    return (reminders.DAY, reminders.HOURS)


def _due_sessions(now: datetime.datetime) -> list[tuple[Circle, SessionTime, str]]:
    circles = Circle.objects.filter(season__state__in=VISIBLE_TO_MEMBERS).select_related(
        "season", "season__territory", "venue"
    )
    horizon = now + reminders.BEFORE[reminders.WEEK]
    found = []
    for circle in circles:
        for session in session_times(circle.season, circle.slot):
            if now < session.starts_at <= horizon:
                kind = reminders.latest_due(session.starts_at, now, _kinds(session))
                if kind is not None:
                    found.append((circle, session, kind))
    return found


def render_reminder(user: Any, circle: Circle, session: SessionTime, kind: str) -> outbox.Outgoing:
    """The reminder in the member's language: an email, and its text-message version."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "circle": circle,
            "session": session,
            "kind": kind,
            "starts_at": timezone.localtime(session.starts_at),
            "ends_at": timezone.localtime(session.ends_at),
            "venue": circle.venue,
            "url": settings.SITE_URL + reverse("circle_home", args=[circle.pk]),
        }
        subject = render_to_string("spaces/email/reminder_subject.txt", context).strip()
        body = render_to_string("spaces/email/reminder_body.txt", context)
        text = render_to_string("spaces/email/reminder_sms.txt", context).strip()
    return outbox.Outgoing(EmailMessage(subject, body, None, [user.email]), user, text=text)


def _recipients(circle: Circle, session: int) -> list[Any]:
    cannot = Attendance.objects.filter(
        circle=circle, session=session, answer=Answer.NOT_COMING
    ).values_list("user_id", flat=True)
    return [
        m.user
        for m in Membership.objects.filter(circle=circle)
        .exclude(user_id__in=cannot)
        .select_related("user")
        .order_by("pk")
    ]


def send_session_reminders(now: datetime.datetime) -> int:
    """Remind each member before each of their sessions (`lib/reminders`), once each.

    Returns the number of sessions whose reminders were sent by this call.
    """
    sent = 0
    for circle, session, kind in _due_sessions(now):
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    circle=circle, session=session.number, kind=kind, sent_at=now
                )
                outbox.queue_emails(
                    [
                        render_reminder(user, circle, session, kind)
                        for user in _recipients(circle, session.number)
                    ],
                    topic=f"season:{circle.season_id}",
                    territory=circle.season.territory,  # letters: its print queue
                )
        except IntegrityError:
            continue  # already sent (by an earlier run)
        sent += 1
    return sent
