"""Lienville in motion: the town, then what is happening in it, loaded in one call.

`load_town` runs every part of the demo in order (each is safe to run again and creates
only what is missing): the territory and its people (`territory`), three seasons of
circles (`seasons`), two themed meetings (`meeting`) and a discovery evening (`evening`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from tierslien.accounts.models import User
from tierslien.circles.models import Season
from tierslien.demo.evening import ensure_demo_evening
from tierslien.demo.meeting import apply_people, ensure_demo_meeting, ensure_drawn_meeting
from tierslien.demo.outreach import ensure_population_shares
from tierslien.demo.relays import ensure_relays
from tierslien.demo.seasons import Seasons, ensure_seasons
from tierslien.demo.territory import (
    DEMO_DOMAIN,
    PARTICIPANT_COUNT,
    PARTICIPANT_EMAIL,
    DemoResult,
    load_demo,
)
from tierslien.gatherings.models import Evening, Meeting
from tierslien.outbox.models import Channel, Message, MessageState

# Of the synthetic people, who applies to which meeting (by their number modulo 5; two
# in five are registered for the open season, see `seasons.OPEN_SHARE`).
OPEN_MEETING_SHARE = 3
DRAWN_MEETING_SHARE = 4
OPEN_MEETING_APPLICANTS = 30


def synthetic_emails() -> list[str]:
    return [f"participant{n:03d}@{DEMO_DOMAIN}" for n in range(1, PARTICIPANT_COUNT + 1)]


def _users(emails: list[str]) -> list[User]:
    by_email = {user.email: user for user in User.objects.filter(email__in=emails)}
    return [by_email[email] for email in emails if email in by_email]


@dataclass(frozen=True)
class Town:
    result: DemoResult
    seasons: Seasons
    open_meeting: Meeting
    drawn_meeting: Meeting
    evening: Evening

    @property
    def all_seasons(self) -> list[Season]:
        return [self.seasons.open, self.seasons.running, self.seasons.finished]


def load_town(seed: int = 0) -> Town:
    result = load_demo(seed)
    territory = result.territory
    emails = synthetic_emails()
    seasons = ensure_seasons(territory, emails, seed=seed, participant_email=PARTICIPANT_EMAIL)
    result.logins.extend(ensure_relays(territory, seasons.open, seed=seed))
    open_meeting = ensure_demo_meeting(territory)
    if not open_meeting.applications.exists():
        applicants = [e for k, e in enumerate(emails) if k % 5 == OPEN_MEETING_SHARE]
        apply_people(
            open_meeting,
            _users([PARTICIPANT_EMAIL, *applicants[:OPEN_MEETING_APPLICANTS]]),
            timezone.now(),
        )
    drawn = ensure_drawn_meeting(
        territory,
        _users(
            [PARTICIPANT_EMAIL, *[e for k, e in enumerate(emails) if k % 5 == DRAWN_MEETING_SHARE]]
        ),
    )
    evening = ensure_demo_evening(territory)
    ensure_population_shares(territory)
    # In the story every email of the town's past (receipts, outcomes) was sent long ago: the
    # first `make run` prints none of them.
    # Only the demo's own addresses: a real queued email is never touched.
    Message.objects.filter(
        state=MessageState.QUEUED, recipient__iendswith=f"@{DEMO_DOMAIN}"
    ).update(state=MessageState.SENT, sent_at=timezone.now())
    # So were the texts to the people the demo's relays registered; their letters wait in
    # the print queue, as a facilitator would find them (`manage_letters`).
    Message.objects.filter(
        state=MessageState.QUEUED,
        channel=Channel.SMS,
        user__registered_by_relay__territory=territory,
    ).update(state=MessageState.SENT, sent_at=timezone.now())
    return Town(
        result=result,
        seasons=seasons,
        open_meeting=open_meeting,
        drawn_meeting=drawn,
        evening=evening,
    )
