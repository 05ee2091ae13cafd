"""What the relays' tests share: an open season, a second relay and their person, a post."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from tests.cast import Cast, make_user
from tierslien.accounts.models import ReachBy, User
from tierslien.circles.models import Season, monday_of
from tierslien.relays.models import AgreedHow, Registered, Relay


def open_season(cast: Cast) -> Season:
    today = timezone.localdate()
    return Season.objects.create(
        territory=cast.territory,
        name="Printemps",
        registration_opens=today - datetime.timedelta(days=1),
        registration_closes=today + datetime.timedelta(days=10),
        first_week=monday_of(today + datetime.timedelta(days=21)),
    )


def other_relay_with_person(cast: Cast) -> tuple[User, User]:
    """Another relay of the same territory, and the person THEY registered."""
    other = make_user("olga@example.org", "Olga", totp=True)
    now = timezone.now()
    Relay.objects.create(territory=cast.territory, user=other, since=now)
    person = User.objects.create(
        email=None, display_name="Paul", reach_by=ReachBy.POST, postal_address="3 rue Haute"
    )
    person.set_unusable_password()
    person.save(update_fields=["password"])
    Registered.objects.create(
        person=person,
        relay=other,
        territory=cast.territory,
        agreed_how=AgreedHow.PHONE,
        agreed_at=now,
    )
    return other, person


def registration_post(cast: Cast, **overrides: Any) -> dict[str, Any]:
    """The short page as a relay fills it in for an SMS-only person."""
    data: dict[str, Any] = {
        "display_name": "Josiane",
        "reach_by": ReachBy.SMS,
        "phone": "06 98 76 54 32",
        "postal_address": "",
        "email": "",
        "language": "fr",
        "sector": str(cast.sector.pk),
        "availability": ["tue-evening", "sat-morning"],
        "max_km": "2",
        "answer_age_bracket": "65-74",
        "answer_gender": "",
        "agreed_how": AgreedHow.IN_PERSON,
        "paper_code": "",
        "agreed": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
