"""Emails about seats: selected (confirm by a date, with an .ics), waitlisted (their
place), the day-before reminder (with the .ics); to facilitators when a promotion
could not keep the quotas or a contributor answered; and to every applicant still in
the running when the meeting is cancelled or moves (date, time or venue).

Each email is rendered in the recipient's language and queued in the outbox
inside the caller's transaction; the workers send it once it commits: a failed
action sends nothing, a committed one cannot lose its email.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tierslien.accounts.emails import render_text
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lib import ical, reminders
from tierslien.outbox import services as outbox
from tierslien.territories.models import Facilitator

EMAILS = "gatherings/meetings/seats/email"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def my_seat_url(meeting: Meeting) -> str:
    return absolute(reverse("meeting_my_seat", args=[meeting.territory.slug, meeting.pk]))


def calendar_text(meeting: Meeting, *, stamp: datetime.datetime) -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "tierslien"
    venue = meeting.venue
    event = ical.Event(
        uid=f"meeting-{meeting.pk}@{host}",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.theme,
        location=f"{venue.name}, {venue.address}",
        description=my_seat_url(meeting),
    )
    return ical.calendar([event], stamp=stamp)


def _message(
    user: Any, name: str, context: dict[str, Any], *, attach: Meeting | None = None
) -> outbox.Outgoing:
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        context = {"user": user, "site": settings.SITE_NAME, **context}
        subject = render_to_string(f"{EMAILS}/{name}_subject.txt", context).strip()
        body = render_to_string(f"{EMAILS}/{name}.txt", context)
        text = render_text(f"{EMAILS}/{name}_sms.txt", context)
        message = EmailMultiAlternatives(subject, body, None, [user.email])
        if attach is not None:
            message.attach(
                f"meeting-{attach.pk}.ics",
                calendar_text(attach, stamp=timezone.now()),
                "text/calendar",
            )
    return outbox.Outgoing(message, user, text)


def topic(meeting_id: int) -> str:
    """The outbox topic of a meeting's messages (counted on the meeting's page)."""
    return f"meeting:{meeting_id}"


def _send_later(meeting: Meeting, messages: Sequence[outbox.Outgoing]) -> None:
    outbox.queue_emails(messages, topic=topic(meeting.pk), territory=meeting.territory)


def _context(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "territory": meeting.territory,
        "venue": meeting.venue,
        "url": my_seat_url(meeting),
    }


def render_selected(meeting: Meeting, application: Application) -> outbox.Outgoing:
    context = _context(meeting) | {"application": application}
    return _message(application.user, "selected", context, attach=meeting)


def render_waitlisted(meeting: Meeting, application: Application, place: int) -> outbox.Outgoing:
    context = _context(meeting) | {"application": application, "place": place}
    return _message(application.user, "waitlisted", context)


def queue_selected(meeting: Meeting, applications: Iterable[Application]) -> None:
    _send_later(meeting, [render_selected(meeting, a) for a in applications])


def queue_draw_outcomes(meeting: Meeting, applications: Iterable[Application]) -> None:
    """After the draw: everyone selected or waitlisted hears about it."""
    messages = []
    for application in applications:
        if application.status == ApplicationStatus.SELECTED:
            messages.append(render_selected(meeting, application))
        elif application.status == ApplicationStatus.WAITLISTED:
            place = application.waitlist_rank or 0
            messages.append(render_waitlisted(meeting, application, place))
    _send_later(meeting, messages)


def queue_quota_warning(meeting: Meeting, broken: Sequence[Any]) -> None:
    """Tell the territory's facilitators that a seat went to the waiting list in plain
    order because no promotion could keep the quotas (counts of seats only, no names)."""
    path = reverse("meeting_seats_manage", args=[meeting.territory.slug, meeting.pk])
    context = _context(meeting) | {"broken": list(broken), "manage_url": absolute(path)}
    _send_later(
        meeting, [_message(f.user, "quota_warning", context) for f in _facilitators(meeting)]
    )


def _facilitators(meeting: Meeting) -> Any:
    return (
        Facilitator.objects.filter(territory_id=meeting.territory_id)
        .select_related("user")
        .order_by("pk")
    )


def queue_contributor_answer(meeting: Meeting, contributor: Any, *, accepted: bool) -> None:
    """Tell the territory's facilitators that a contributor accepted or declined (their
    name, organisation and, when they accept, the title they gave: what the facilitators'
    page shows anyway)."""
    path = reverse("meeting_manage", args=[meeting.territory.slug, meeting.pk])
    context = _context(meeting) | {
        "contributor": contributor,
        "accepted": accepted,
        "manage_url": absolute(path),
    }
    _send_later(
        meeting, [_message(f.user, "contributor_answer", context) for f in _facilitators(meeting)]
    )


# Applications whose people still expect the meeting: applied, drawn or waiting.
STILL_IN = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.SELECTED,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.WAITLISTED,
)
HOLDING_SEAT = (ApplicationStatus.SELECTED, ApplicationStatus.CONFIRMED)


def _still_in(meeting: Meeting) -> Any:
    return (
        Application.objects.filter(meeting_id=meeting.pk, status__in=STILL_IN)
        .select_related("user")
        .order_by("pk")
    )


def queue_cancelled(meeting: Meeting) -> None:
    """The meeting is abandoned before it took place: everyone still in the running hears
    it. Call before their applications are deleted, in the same transaction."""
    context = _context(meeting)
    _send_later(meeting, [_message(a.user, "cancelled", context) for a in _still_in(meeting)])


def queue_rescheduled(
    meeting: Meeting, *, before_starts_at: datetime.datetime, before_venue: Any
) -> None:
    """The meeting's date, time or venue changed: everyone still in the running gets the new
    ones (and the new .ics when they hold a seat)."""
    context = _context(meeting) | {
        "before_starts_at": before_starts_at,
        "before_venue": before_venue,
    }
    messages = []
    for application in _still_in(meeting):
        holds_seat = application.status in HOLDING_SEAT
        messages.append(
            _message(
                application.user,
                "rescheduled",
                context | {"application": application, "holds_seat": holds_seat},
                attach=meeting if holds_seat else None,
            )
        )
    _send_later(meeting, messages)


def render_reminder(meeting: Meeting, application: Application, kind: str) -> outbox.Outgoing:
    """The reminder with the .ics, and its text-message version."""
    context = _context(meeting) | {"application": application, "kind": kind}
    message = _message(application.user, "reminder", context, attach=meeting)
    with translation.override(getattr(application.user, "language", "") or settings.LANGUAGE_CODE):
        text = render_to_string(f"{EMAILS}/reminder_sms.txt", context).strip()
    return outbox.Outgoing(message.email, message.user, text=text)


def send_reminders(now: datetime.datetime | None = None) -> int:
    """A week, a day and two hours before (`lib/reminders`): remind each person holding a
    seat (selected or confirmed) once per reminder, with the .ics; returns how many."""
    moment = now or timezone.now()
    due = (
        Application.objects.filter(
            status__in=HOLDING_SEAT,
            meeting__state=MeetingState.ALLOCATED,
            meeting__starts_at__gt=moment,
            meeting__starts_at__lte=moment + reminders.BEFORE[reminders.WEEK],
        )
        .exclude(reminder_sent=reminders.HOURS)
        .select_related("user", "meeting", "meeting__territory", "meeting__venue")
        .order_by("meeting_id", "pk")
    )
    count = 0
    for application in due:
        meeting = application.meeting
        kind = reminders.latest_due(meeting.starts_at, moment)
        if kind is None or not reminders.supersedes(kind, application.reminder_sent):
            continue
        with transaction.atomic():
            # Compare-and-set: a concurrent or repeated run finds the mark already moved.
            marked = Application.objects.filter(
                pk=application.pk, reminder_sent=application.reminder_sent
            ).update(reminder_sent=kind, reminded_at=moment)
            if not marked:
                continue
            _send_later(meeting, [render_reminder(meeting, application, kind)])
            count += 1
    return count
