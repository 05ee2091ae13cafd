"""The end of a circle: each member is told once, on their own channel, after the last session.

The message thanks them, says until when the anonymous feedback form is open and on which
day the circle's space and everything in it is deleted (`privacy.retention`). One
`Farewell` row per circle, written in the same transaction as the messages: a re-run, or
two workers at once, never tell a circle twice, and a crash before the commit tells nobody
(the next run does).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tierslien.circles.models import Circle, Membership, MembershipStatus
from tierslien.circles.schedule import last_session_end
from tierslien.feedback.models import Farewell
from tierslien.feedback.services import ENDED_STATES, form_closes_at
from tierslien.outbox import services as outbox
from tierslien.privacy.retention import KEEP_CIRCLES_CONTENT

TEMPLATES = "feedback/email/farewell"


def render_farewell(
    user: Any, circle: Circle, *, form_closes: datetime.datetime, deleted_on: datetime.datetime
) -> outbox.Outgoing:
    """The farewell in the member's language: an email (a letter prints it) and its text."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "circle": circle,
            "site": settings.SITE_NAME,
            "form_closes": timezone.localtime(form_closes),
            "deleted_on": timezone.localtime(deleted_on),
            "url": settings.SITE_URL.rstrip("/") + reverse("feedback_circle", args=[circle.pk]),
        }
        subject = " ".join(render_to_string(f"{TEMPLATES}_subject.txt", context).split())
        body = render_to_string(f"{TEMPLATES}.txt", context)
        text = render_to_string(f"{TEMPLATES}_sms.txt", context).strip()
    return outbox.Outgoing(EmailMessage(subject, body, None, [user.email]), user, text=text)


def _ended_circles(now: datetime.datetime) -> list[tuple[Circle, datetime.datetime]]:
    circles = (
        Circle.objects.filter(season__state__in=ENDED_STATES, farewell__isnull=True)
        .select_related("season", "season__territory")
        .order_by("pk")
    )
    found = []
    for circle in circles:
        end = last_session_end(circle.season, circle.slot)
        # Only while the feedback form is open (it closes before the space is deleted): a
        # circle told after that would read a closing day already past.
        if end is not None and end <= now < form_closes_at(circle.season):
            found.append((circle, end))
    return found


def send_circle_farewells(now: datetime.datetime) -> int:
    """Tell the members of every circle that ended; returns how many circles were told."""
    told = 0
    for circle, end in _ended_circles(now):
        form_closes = form_closes_at(circle.season)
        deleted_on = end + KEEP_CIRCLES_CONTENT
        members = [
            m.user
            for m in Membership.objects.filter(
                circle=circle, status=MembershipStatus.CONFIRMED
            ).select_related("user")
        ]
        try:
            with transaction.atomic():
                Farewell.objects.create(circle=circle, sent_at=now)
                outbox.queue_emails(
                    [
                        render_farewell(u, circle, form_closes=form_closes, deleted_on=deleted_on)
                        for u in members
                    ],
                    topic=f"season:{circle.season_id}",
                    territory=circle.season.territory,
                )
        except IntegrityError:
            continue  # told by another run meanwhile
        told += 1
    return told
