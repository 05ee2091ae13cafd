"""A small world with one object of each kind, so that every URL's arguments can be filled.

Everything belongs to the cast's territory (Val-de-Lien): the participant and the
co-member sit in a running circle and accepted its pact; the participant registered to the
season, wrote on the board, posted a need, reported the co-member, holds a calendar address
and applied to an open themed meeting; a contributor was invited to it; a discovery evening
is composed.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.utils import timezone

from tests.cast import Cast
from tierslien.circles.models import Circle, Membership, Registration, Season, monday_of
from tierslien.gatherings.evenings import services as evenings
from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.models import (
    Application,
    Attendee,
    Contributor,
    Evening,
    Meeting,
    MeetingState,
)
from tierslien.moderation.models import Report
from tierslien.portraits.models import Criterion
from tierslien.spaces.models import AidPost, CalendarToken, Message, PactAcceptance


@dataclass
class World:
    cast: Cast
    season: Season
    circle: Circle
    criterion: Criterion
    sensitive_key: str
    message: Message
    aid_post: AidPost
    calendar_token: str
    report: Report
    evening: Evening
    attendee: Attendee
    meeting: Meeting
    contributor: Contributor
    contributor_token: str


def build_world(cast: Cast) -> World:
    now = timezone.now()
    today = timezone.localdate()
    territory = cast.territory
    season = Season.objects.create(
        territory=territory,
        name="Automne",
        registration_opens=today - datetime.timedelta(days=40),
        registration_closes=today - datetime.timedelta(days=20),
        first_week=monday_of(today - datetime.timedelta(days=7)),
        sessions=4,
        session_minutes=90,
        state="running",
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    for user in (cast.participant, cast.co_member):
        Membership.objects.create(circle=circle, user=user)
        PactAcceptance.objects.create(circle=circle, user=user, accepted_at=now)
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=10
    )
    message = Message.objects.create(
        circle=circle, author=cast.participant, text="Bonjour", created_at=now
    )
    aid_post = AidPost.objects.create(
        circle=circle, author=cast.participant, kind="need", title="Un vélo", text="…",
        created_at=now,
    )  # fmt: skip
    calendar_token = secrets.token_urlsafe(24)
    CalendarToken.objects.create(
        circle=circle, user=cast.participant, token=calendar_token, created_at=now
    )
    report = Report.objects.create(
        reporter=cast.participant, circle=circle, reported=cast.co_member, reason="Rude."
    )
    criterion = Criterion.objects.filter(territory=territory).first()
    sensitive = Criterion.objects.filter(territory=territory, sensitive=True).first()
    assert criterion is not None and sensitive is not None
    evening = evenings.create_evening(
        territory, venue=cast.venue, starts_at=now + datetime.timedelta(days=3)
    )
    attendee = Attendee.objects.create(evening=evening, first_name="Inès", checked_in_at=now)
    meeting = Meeting.objects.create(
        territory=territory,
        venue=cast.venue,
        theme="L'eau",
        starts_at=now + datetime.timedelta(days=10),
        seats=12,
        registration_opens=now - datetime.timedelta(days=1),
        registration_closes=now + datetime.timedelta(days=5),
        state=MeetingState.OPEN,
    )
    Application.objects.create(
        meeting=meeting, user=cast.participant, pseudonym="p0001", answers={}, applied_at=now
    )
    contributor_token = secrets.token_urlsafe(24)
    contributor = Contributor.objects.create(
        meeting=meeting,
        name="Association de l'eau",
        email="eau@example.org",
        token_hash=hash_token(contributor_token),
        invited_at=now,
    )
    return World(
        cast=cast,
        season=season,
        circle=circle,
        criterion=criterion,
        sensitive_key=sensitive.key,
        message=message,
        aid_post=aid_post,
        calendar_token=calendar_token,
        report=report,
        evening=evening,
        attendee=attendee,
        meeting=meeting,
        contributor=contributor,
        contributor_token=contributor_token,
    )
