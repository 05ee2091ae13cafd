"""Themed meetings and crowds of applicants for the meetings tests (rows made directly, so
these fixtures do not depend on the services under test)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.cast import Cast, make_user, venue_elsewhere
from tierslien.gatherings.models import Application, Meeting, MeetingState
from tierslien.portraits.models import Answer, Criterion, Portrait

Applicants = Callable[..., list[Application]]

BALANCE_KEYS = ("occupation", "age_bracket", "gender")


def make_meeting(cast: Cast, *, other: bool = False, **overrides: object) -> Meeting:
    """An open meeting in ten days (applications open since yesterday, close in five days),
    balancing occupation, age bracket and gender."""
    territory = cast.other_territory if other else cast.territory
    venue = venue_elsewhere(cast) if other else cast.venue
    now = timezone.now()
    values: dict[str, object] = {
        "territory": territory,
        "venue": venue,
        "theme": "L'eau dans nos villages",
        "description": "Where our water comes from, and who decides.",
        "starts_at": now + datetime.timedelta(days=10),
        "seats": 12,
        "registration_opens": now - datetime.timedelta(days=1),
        "registration_closes": now + datetime.timedelta(days=5),
        "state": MeetingState.OPEN,
    } | overrides
    meeting = Meeting.objects.create(**values)
    meeting.criteria.set(Criterion.objects.filter(territory=territory, key__in=BALANCE_KEYS))
    return meeting


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    return make_meeting(cast)


@pytest.fixture
def draft_meeting(cast: Cast) -> Meeting:
    return make_meeting(cast, state=MeetingState.DRAFT)


@pytest.fixture
def other_meeting(cast: Cast) -> Meeting:
    return make_meeting(cast, other=True)


@pytest.fixture
def applicants(cast: Cast) -> Applicants:
    """`applicants(meeting, 40)`: that many people with a portrait (random answers to the
    meeting's criteria, 10 % "prefer not to say") and an application."""

    def make(meeting: Meeting, count: int, *, seed: int = 1) -> list[Application]:
        rng = random.Random(seed)
        criteria = list(meeting.criteria.all())
        made = []
        for k in range(count):
            user = make_user(f"applicant{k}@example.org", f"Applicant {k}", language="en")
            portrait = Portrait.objects.create(
                user=user, territory=meeting.territory, sector=cast.sector
            )
            answers = {}
            for criterion in criteria:
                if rng.random() < 0.9:
                    value = rng.choice(criterion.options)["value"]
                    Answer.objects.create(portrait=portrait, criterion=criterion, value=value)
                    answers[criterion.key] = value
            made.append(
                Application.objects.create(
                    meeting=meeting,
                    user=user,
                    pseudonym=f"p{k:04d}",
                    answers=answers,
                    applied_at=timezone.now(),
                )
            )
        return made

    return make
