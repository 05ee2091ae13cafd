"""Lienville's local contacts ("relais") and the people they registered, for the demo.

Two relays, each with the demo password and a fixed, public authenticator secret (like the
demo facilitator), registered people who are not online: some reached by text message,
some by post, one "through me". They are registered through the relays' own service (the
same path as the short page), so they also join the season open for registration. Safe to
run again: a person already registered by their relay is not registered twice.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Final

from allauth.mfa.adapter import get_adapter as get_mfa_adapter

from tierslien.accounts.models import ReachBy, User
from tierslien.circles import actions as circles
from tierslien.circles.models import Registration, Season
from tierslien.demo.territory import (
    DEMO_DATE,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    SECTORS,
    DemoLogin,
    ensure_login,
    ensure_totp,
    make_person,
)
from tierslien.relays import services
from tierslien.relays.models import AgreedHow, PaperForm, Registered, Relay
from tierslien.territories.models import Territory

RELAY_TOTP_SECRETS: Final = {
    "mireille": base64.b32encode(b"tierslien-demo-rel01").decode(),
    "karim": base64.b32encode(b"tierslien-demo-rel02").decode(),
}


@dataclass(frozen=True)
class Registrant:
    relay: str  # key of RELAY_TOTP_SECRETS
    name: str
    reach_by: str
    sector: int  # index in SECTORS
    agreed_how: str
    phone: str = ""
    postal_address: str = ""


# Fictional people; the phone numbers are valid-looking but made up.
REGISTRANTS: Final[tuple[Registrant, ...]] = (
    Registrant("mireille", "Josiane", ReachBy.SMS, 1, AgreedHow.IN_PERSON, phone="+33612000101"),
    Registrant("mireille", "Marcel", ReachBy.POST, 1, AgreedHow.PAPER,
               postal_address="12 allée des Tilleuls, bât. C\n37000 Lienville"),
    Registrant("mireille", "Aminata", ReachBy.SMS, 1, AgreedHow.PHONE, phone="+33612000102"),
    Registrant("karim", "Gérard", ReachBy.POST, 6, AgreedHow.IN_PERSON,
               postal_address="3 route de la Forge\n37130 Saint-Lien"),
    Registrant("karim", "Yvette", ReachBy.RELAY, 6, AgreedHow.IN_PERSON),
    Registrant("karim", "Rachid", ReachBy.SMS, 0, AgreedHow.IN_PERSON, phone="+33612000103"),
)  # fmt: skip
REGISTRANT_COUNT: Final = len(REGISTRANTS)


def relay_email(key: str) -> str:
    return f"relay-{key}@{DEMO_DOMAIN}"


def _ensure_relay(territory: Territory, key: str, given_by: User | None) -> User:
    user, _created = ensure_login(relay_email(key), key.capitalize())
    ensure_totp(user, RELAY_TOTP_SECRETS[key])
    Relay.objects.get_or_create(
        territory=territory, user=user, defaults={"given_by": given_by, "since": DEMO_DATE}
    )
    return user


def _join_if_missing(person: User, season: Season, *, availability: list[str], km: float) -> None:
    if not Registration.objects.filter(season=season, user=person).exists():
        circles.join_season(person, season, availability=availability, max_km=km)


def ensure_relays(territory: Territory, open_season: Season, *, seed: int = 0) -> list[DemoLogin]:
    """The two relays, their people (registered to `open_season`), and the relays' logins."""
    facilitator = territory.facilitators.first()
    relays = {key: _ensure_relay(territory, key, facilitator) for key in RELAY_TOTP_SECRETS}
    criteria = list(territory.criteria.filter(enabled=True, sensitive=False))
    sectors = {sector.name: sector for sector in territory.sectors.all()}
    for number, spec in enumerate(REGISTRANTS):
        relay = relays[spec.relay]
        rng = random.Random(f"{seed}-relay-{number}")
        person = make_person(rng, number, SECTORS[spec.sector], criteria)
        availability = person.availability or ["sat-morning"]
        existing = Registered.objects.filter(
            relay=relay, territory=territory, person__display_name=spec.name
        ).first()
        if existing is not None:
            if circles.registration_is_open(open_season):
                _join_if_missing(
                    existing.person, open_season, availability=availability, km=person.max_km
                )
            continue
        paper_code = ""
        if spec.agreed_how == AgreedHow.PAPER:
            paper, _created = PaperForm.objects.get_or_create(
                code=f"LNV-DEMO{number}", defaults={"territory": territory, "printed_at": DEMO_DATE}
            )
            paper_code = paper.code if paper.used_for_id is None else ""
        by_key = {criterion.key: criterion.pk for criterion in criteria}
        # The relays' own service: the short page's path, season registration included.
        services.register_person(
            relay,
            territory,
            display_name=spec.name,
            contact=services.Contact(
                reach_by=spec.reach_by, phone=spec.phone, postal_address=spec.postal_address
            ),
            sector=sectors.get(SECTORS[spec.sector].name),
            availability=availability,
            max_km=person.max_km,
            answers={by_key[key]: value for key, value in person.answers.items() if key in by_key},
            agreed_how=spec.agreed_how,
            paper_code=paper_code,
            language=person.language,
        )
    mfa = get_mfa_adapter()
    return [
        DemoLogin(
            f"local contact ({key.capitalize()}: registered people who are not online)",
            relay_email(key),
            DEMO_PASSWORD,
            RELAY_TOTP_SECRETS[key],
            mfa.build_totp_url(user, RELAY_TOTP_SECRETS[key]),
        )
        for key, user in relays.items()
    ]
