"""A member's invitation: the email (their language, an .ics of every session), its
deadline, and the write that marks memberships invited and queues their emails.

Used by publication (every member at once) and by the seat helper (`_seats`: one
person given a seat after publication, a freed seat refilled).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tierslien.circles.models import Circle, Membership, MembershipStatus, Season
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.circles.together import CircleFacts, circle_facts
from tierslien.lib import ical
from tierslien.lib.deadlines import on_the_hour
from tierslien.outbox import services as outbox
from tierslien.territories.display import slot_label


def invitation_url(membership: Membership) -> str:
    circle = membership.circle
    path = reverse("circle_invitation", args=[circle.season.territory.slug, circle.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def calendar_text(circle: Circle, sessions: list[SessionTime], *, stamp: datetime.datetime) -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "tierslien"
    venue = circle.venue
    location = f"{venue.name}, {venue.address}" if venue is not None else ""
    if circle.online:  # the link itself stays in the circle's space
        location = translation.gettext("Online")
    summary = translation.gettext("Tiers Lien circle %(number)s") % {"number": circle.number}
    events = [
        ical.Event(
            uid=f"circle-{circle.pk}-session-{session.number}@{host}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            summary=f"{summary} ({session.number}/{len(sessions)})",
            location=location,
        )
        for session in sessions
    ]
    return ical.calendar(events, stamp=stamp)


def render_invitation(
    membership: Membership, facts: CircleFacts | None = None
) -> EmailMultiAlternatives:
    """The invitation email, in the member's language, with the calendar attached; `facts`,
    what the circle brings together, read once per circle when many are rendered."""
    circle = membership.circle
    facts = facts or circle_facts(circle)
    season = circle.season
    user = membership.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        sessions = session_times(season, circle.slot)
        context: dict[str, Any] = {
            "user": user,
            "circle": circle,
            "season": season,
            "territory": season.territory,
            "venue": circle.venue,
            "slot": slot_label(circle.slot) if circle.slot else "",
            "sessions": sessions,
            "respond_by": membership.respond_by,
            "url": invitation_url(membership),
            "together": facts.for_member(user.pk),
            "how_url": f"{settings.SITE_URL.rstrip('/')}{reverse('how_it_works')}",
        }
        subject = render_to_string("circles/email/invitation_subject.txt", context).strip()
        body = render_to_string("circles/email/invitation.txt", context)
        message = EmailMultiAlternatives(subject, body, None, [user.email])
        stamp = membership.invited_at or timezone.now()
        message.attach(
            f"circle-{circle.number}.ics",
            calendar_text(circle, sessions, stamp=stamp),
            "text/calendar",
        )
    return message


def render_invitation_text(membership: Membership) -> str:
    """The invitation as a text message: the circle, where, when it starts, the answer link."""
    circle = membership.circle
    season = circle.season
    user = membership.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context: dict[str, Any] = {
            "circle": circle,
            "season": season,
            "venue": circle.venue,
            "slot": slot_label(circle.slot) if circle.slot else "",
            "sessions": session_times(season, circle.slot),
            "respond_by": membership.respond_by,
            "url": invitation_url(membership),
        }
        return render_to_string("circles/email/invitation_sms.txt", context).strip()


def topic(season_id: int) -> str:
    """The outbox topic of a season's messages (counted on the season's page)."""
    return f"season:{season_id}"


def respond_by(season: Season, now: datetime.datetime) -> datetime.datetime:
    """The deadline of an invitation sent `now`: the season's confirmation days, on the hour."""
    return on_the_hour(
        now + datetime.timedelta(days=season.confirmation_days), timezone.get_default_timezone()
    )


def invite(memberships: list[Membership], season: Season, now: datetime.datetime) -> None:
    """Mark memberships invited (deadline from the season) and queue their emails."""
    deadline = respond_by(season, now)
    for membership in memberships:
        membership.status = MembershipStatus.INVITED
        membership.invited_at = now
        membership.respond_by = deadline
        membership.responded_at = None
    Membership.objects.bulk_update(
        memberships, ["status", "invited_at", "respond_by", "responded_at"]
    )
    facts: dict[int, CircleFacts] = {}
    for membership in memberships:
        if membership.circle_id not in facts:
            facts[membership.circle_id] = circle_facts(membership.circle)
    outbox.queue_emails(
        [
            outbox.Outgoing(
                render_invitation(m, facts[m.circle_id]), m.user, render_invitation_text(m)
            )
            for m in memberships
        ],
        topic=topic(season.pk),
        territory=season.territory,
    )


def memberships(season: Season) -> Any:
    """The season's memberships with everything an invitation email reads."""
    return Membership.objects.filter(circle__season=season).select_related(
        "user", "circle", "circle__venue", "circle__season", "circle__season__territory"
    )
