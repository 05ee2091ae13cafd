"""Evenings and crowds of attendees for the gatherings tests."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.cast import Cast, venue_elsewhere
from tierslien.gatherings.evenings import services
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import Attendee, Evening

Crowd = Callable[..., list[Attendee]]

FIRST_NAMES = [
    "Ana", "Karim", "Josiane", "Paul", "Léa", "Omar", "Jeanne", "Yves", "Fatou", "Hugo",
    "Inès", "Marc", "Nadia", "Bruno", "Chloé", "Samir", "Lucie", "Théo", "Awa", "Gilles",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _short_composition(settings: object) -> None:
    settings.EVENING_COMPOSE_SECONDS = 0.3  # type: ignore[attr-defined]


def make_evening(cast: Cast, *, other: bool = False, **overrides: object) -> Evening:
    territory = cast.other_territory if other else cast.territory
    venue = venue_elsewhere(cast) if other else cast.venue
    values: dict[str, object] = {
        "venue": venue,
        "starts_at": timezone.now() + datetime.timedelta(days=3),
    } | overrides
    return services.create_evening(territory, **values)  # type: ignore[arg-type]


@pytest.fixture
def evening(cast: Cast) -> Evening:
    return make_evening(cast)


@pytest.fixture
def other_evening(cast: Cast) -> Evening:
    return make_evening(cast, other=True)


@pytest.fixture
def crowd(cast: Cast) -> Crowd:
    """`crowd(evening, 30)`: check in that many people with random answers."""

    def make(evening: Evening, count: int, *, seed: int = 1) -> list[Attendee]:
        rng = random.Random(seed)
        questions = evening_questions(evening.territory)
        people = []
        for k in range(count):
            answers = {
                q.key: rng.choice(q.options)["value"] for q in questions if rng.random() < 0.9
            }
            people.append(
                services.check_in(
                    evening,
                    first_name=f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {k}",
                    answers=answers,
                    email=f"guest{k}@example.org" if k % 3 == 0 else "",
                )
            )
        return people

    return make
