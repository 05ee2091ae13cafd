"""A fictional territory to try Tiers Lien with: Lienville, its sectors, venues and people.

Everything is generated from one seed through `random.Random(seed)`, never
from the clock or global randomness, so two fresh databases loaded with the
same seed hold the same answers. Loading twice changes nothing: rows are
looked up by slug, name or email before being created, and participants who
already exist are skipped.

The 300 synthetic participants cannot log in (unusable password); only the
four demo logins have the documented demo password. They are for
development only.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt, encrypt
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tierslien.accounts.consent import SENSITIVE_QUESTION_VERSION, TERMS_VERSION
from tierslien.accounts.models import Consent, User
from tierslien.lib.slots import DAYS, normalise_slots
from tierslien.portraits.models import Answer, Criterion, Hope, MeetingMode, Portrait
from tierslien.portraits.services import install_default_criteria
from tierslien.territories.models import (
    Accessibility,
    Facilitator,
    Sector,
    Territory,
    TerritoryKind,
    Venue,
)

DEMO_PASSWORD: Final = "demo-tierslien"
DEMO_DOMAIN: Final = "demo.tierslien.localhost"
PARTICIPANT_EMAIL: Final = f"participant@{DEMO_DOMAIN}"
NEWCOMER_EMAIL: Final = f"newcomer@{DEMO_DOMAIN}"
FACILITATOR_EMAIL: Final = f"facilitator@{DEMO_DOMAIN}"
ADMIN_EMAIL: Final = f"admin@{DEMO_DOMAIN}"
# Fixed, public TOTP secrets (base32 of 20 bytes): demo accounts only.
FACILITATOR_TOTP_SECRET: Final = base64.b32encode(b"tierslien-demo-facil").decode()
ADMIN_TOTP_SECRET: Final = base64.b32encode(b"tierslien-demo-admin").decode()

PARTICIPANT_AVAILABILITY: Final = ("tue-evening", "sat-morning", "sat-afternoon", "sun-afternoon")

TERRITORY_SLUG: Final = "lienville"
PARTICIPANT_COUNT: Final = 300
# Consents and accounts are stamped with this date, not with the clock.
DEMO_DATE: Final = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)

# The (fictional) town hall square of Lienville, somewhere in the Loire valley.
CENTRE_LAT: Final = 47.2612
CENTRE_LON: Final = 0.8743


def _offset(north_km: float, east_km: float) -> tuple[float, float]:
    """A point so many km north and east of the town centre."""
    lat = CENTRE_LAT + north_km / 111.32
    lon = CENTRE_LON + east_km / (111.32 * math.cos(math.radians(CENTRE_LAT)))
    return round(lat, 5), round(lon, 5)


# --- Sectors: how they differ is what makes mixing worth it -------------------


@dataclass(frozen=True)
class SectorSpec:
    name: str
    description: str
    north_km: float
    east_km: float
    participants: int
    # Life situations: student, worker, retiree, jobseeker.
    situations: dict[str, float]
    # INSEE PCS top level for people in work.
    occupations: dict[str, float]
    housing: dict[str, float]
    max_km: tuple[float, float]
    # Languages other than French, with how often they are spoken.
    languages: dict[str, float] = field(default_factory=dict)


SECTORS: Final[tuple[SectorSpec, ...]] = (
    SectorSpec(
        name="Centre-ville",
        description="Old town around the town hall and the covered market; flats above shops.",
        north_km=0,
        east_km=0,
        participants=55,
        situations={"student": 0.15, "worker": 0.5, "retiree": 0.25, "jobseeker": 0.1},
        occupations={"2": 0.12, "3": 0.25, "4": 0.25, "5": 0.28, "6": 0.1},
        housing={"owner": 0.3, "private-tenant": 0.55, "social-tenant": 0.08, "hosted": 0.07},
        max_km=(1.5, 6),
        languages={"en": 0.25, "es": 0.06, "ar": 0.05},
    ),
    SectorSpec(
        name="Les Tilleuls",
        description="Social-housing estate of towers and low blocks, with a social centre.",
        north_km=1.6,
        east_km=1.2,
        participants=55,
        situations={"student": 0.08, "worker": 0.45, "retiree": 0.17, "jobseeker": 0.3},
        occupations={"2": 0.05, "3": 0.03, "4": 0.12, "5": 0.45, "6": 0.35},
        housing={"social-tenant": 0.8, "private-tenant": 0.07, "hosted": 0.11, "other": 0.02},
        max_km=(1, 5),
        languages={"ar": 0.3, "tr": 0.1, "pt": 0.1, "en": 0.08, "es": 0.03},
    ),
    SectorSpec(
        name="Les Coteaux",
        description="Detached houses with gardens on the hillside, mostly families.",
        north_km=-2.8,
        east_km=-2.2,
        participants=45,
        situations={"student": 0.05, "worker": 0.6, "retiree": 0.3, "jobseeker": 0.05},
        occupations={"2": 0.12, "3": 0.18, "4": 0.35, "5": 0.25, "6": 0.1},
        housing={"owner": 0.86, "private-tenant": 0.12, "hosted": 0.02},
        max_km=(2, 8),
        languages={"en": 0.2, "pt": 0.04},
    ),
    SectorSpec(
        name="Campus des Sablons",
        description="University campus with halls of residence, a library and a tram stop.",
        north_km=-0.6,
        east_km=2.6,
        participants=45,
        situations={"student": 0.75, "worker": 0.15, "retiree": 0.02, "jobseeker": 0.08},
        occupations={"3": 0.5, "4": 0.35, "5": 0.15},
        housing={"student": 0.7, "private-tenant": 0.2, "hosted": 0.08, "social-tenant": 0.02},
        max_km=(1, 5),
        languages={"en": 0.6, "es": 0.12, "ar": 0.08, "pt": 0.05},
    ),
    SectorSpec(
        name="Quartier de la Gare",
        description="Around the railway station: small flats, hotels, night shops.",
        north_km=1.0,
        east_km=-0.4,
        participants=40,
        situations={"student": 0.15, "worker": 0.5, "retiree": 0.15, "jobseeker": 0.2},
        occupations={"2": 0.1, "3": 0.15, "4": 0.2, "5": 0.35, "6": 0.2},
        housing={
            "private-tenant": 0.6,
            "social-tenant": 0.18,
            "hosted": 0.1,
            "owner": 0.1,
            "other": 0.02,
        },
        max_km=(1, 6),
        languages={"en": 0.2, "ar": 0.15, "pt": 0.08, "tr": 0.04},
    ),
    SectorSpec(
        name="Le Parc",
        description="Quiet avenues of large houses near the old park and the golf course.",
        north_km=0.3,
        east_km=-1.7,
        participants=30,
        situations={"student": 0.05, "worker": 0.5, "retiree": 0.42, "jobseeker": 0.03},
        occupations={"2": 0.15, "3": 0.6, "4": 0.2, "5": 0.05},
        housing={"owner": 0.86, "private-tenant": 0.14},
        max_km=(2, 8),
        languages={"en": 0.5, "es": 0.1},
    ),
    SectorSpec(
        name="Saint-Aubin-des-Prés",
        description="Village of the community of communes, 15 km away among the fields.",
        north_km=-10.5,
        east_km=10.7,
        participants=30,
        situations={"student": 0.05, "worker": 0.5, "retiree": 0.38, "jobseeker": 0.07},
        occupations={"1": 0.18, "2": 0.2, "3": 0.07, "4": 0.15, "5": 0.2, "6": 0.2},
        housing={"owner": 0.75, "private-tenant": 0.15, "social-tenant": 0.05, "hosted": 0.05},
        max_km=(8, 25),
        languages={"en": 0.1, "pt": 0.05, "lsf": 0.02},
    ),
)

# --- Venues ----------------------------------------------------------------


def _slots(days: Sequence[str], *parts: str) -> list[str]:
    return [f"{day}-{part}" for day in days for part in parts]


WORKDAYS: Final = ("mon", "tue", "wed", "thu", "fri")
WEEKEND: Final = ("sat", "sun")


@dataclass(frozen=True)
class VenueSpec:
    name: str
    sector: str
    address: str
    north_km: float
    east_km: float
    capacity: int
    opening_slots: list[str]
    accessibility: list[str]
    nothing_to_buy: bool


A = Accessibility
VENUES: Final[tuple[VenueSpec, ...]] = (
    VenueSpec(
        "Médiathèque Jules-Verne",
        "Centre-ville",
        "2 place de la Mairie, Lienville",
        0.1,
        0.05,
        3,
        _slots(("tue", "wed", "thu", "fri", "sat"), "afternoon")
        + _slots(("wed", "sat"), "morning")
        + _slots(("tue", "thu"), "evening"),
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.HEARING_LOOP, A.QUIET, A.PUBLIC_TRANSPORT],
        True,
    ),
    VenueSpec(
        "Salle du Conseil de la mairie",
        "Centre-ville",
        "1 place de la Mairie, Lienville",
        0.0,
        0.0,
        2,
        _slots(WORKDAYS, "evening"),
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.HEARING_LOOP, A.PUBLIC_TRANSPORT],
        True,
    ),
    VenueSpec(
        "Café associatif Le Trait d'Union",
        "Centre-ville",
        "14 rue des Halles, Lienville",
        -0.2,
        0.15,
        2,
        _slots(("tue", "wed", "thu", "fri", "sat"), "morning", "afternoon")
        + _slots(("thu", "fri", "sat"), "evening")
        + ["sun-morning"],
        [A.STEP_FREE, A.CHILD_FRIENDLY, A.PUBLIC_TRANSPORT],
        False,
    ),
    VenueSpec(
        "Centre social des Tilleuls",
        "Les Tilleuls",
        "5 allée des Tilleuls, Lienville",
        1.6,
        1.25,
        4,
        _slots(WORKDAYS, "morning", "afternoon") + _slots(("tue", "thu"), "evening"),
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.CHILD_FRIENDLY, A.PUBLIC_TRANSPORT],
        True,
    ),
    VenueSpec(
        "Bibliothèque de quartier Aimé-Césaire",
        "Les Tilleuls",
        "Rue Aimé-Césaire, Lienville",
        1.75,
        1.05,
        1,
        _slots(("tue", "wed", "fri"), "afternoon") + ["wed-morning", "sat-morning"],
        [A.STEP_FREE, A.QUIET, A.CHILD_FRIENDLY],
        True,
    ),
    VenueSpec(
        "Salle polyvalente des Coteaux",
        "Les Coteaux",
        "Chemin des Vignes, Lienville",
        -2.75,
        -2.1,
        3,
        _slots(("mon", "wed", "fri"), "evening") + _slots(WEEKEND, "morning", "afternoon"),
        [A.STEP_FREE, A.ACCESSIBLE_TOILET],
        True,
    ),
    VenueSpec(
        "Bibliothèque universitaire, salles de groupe",
        "Campus des Sablons",
        "Campus des Sablons, bâtiment B, Lienville",
        -0.55,
        2.55,
        5,
        _slots(WORKDAYS, "morning", "afternoon", "evening") + ["sat-morning"],
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.QUIET, A.PUBLIC_TRANSPORT],
        True,
    ),
    VenueSpec(
        "Cafétéria du Crous",
        "Campus des Sablons",
        "Campus des Sablons, bâtiment D, Lienville",
        -0.7,
        2.7,
        2,
        _slots(WORKDAYS, "morning", "afternoon"),
        [A.STEP_FREE, A.PUBLIC_TRANSPORT],
        False,
    ),
    VenueSpec(
        "Café de la Gare",
        "Quartier de la Gare",
        "3 place de la Gare, Lienville",
        1.05,
        -0.35,
        1,
        _slots(DAYS, "morning", "afternoon") + _slots(WORKDAYS, "evening"),
        [A.PUBLIC_TRANSPORT],
        False,
    ),
    VenueSpec(
        "Tiers-lieu La Fabrique",
        "Quartier de la Gare",
        "27 rue de la Fabrique, Lienville",
        0.9,
        -0.55,
        3,
        _slots(("tue", "wed", "thu", "fri"), "afternoon", "evening")
        + _slots(("sat",), "morning", "afternoon"),
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.CHILD_FRIENDLY, A.PUBLIC_TRANSPORT],
        True,
    ),
    VenueSpec(
        "Maison de quartier du Parc",
        "Le Parc",
        "8 avenue des Marronniers, Lienville",
        0.35,
        -1.65,
        2,
        _slots(("mon", "tue", "thu"), "afternoon") + _slots(("wed", "fri"), "evening"),
        [A.QUIET],
        True,
    ),
    VenueSpec(
        "Salle des fêtes de Saint-Aubin",
        "Saint-Aubin-des-Prés",
        "Place de l'Église, Saint-Aubin-des-Prés",
        -10.5,
        10.72,
        2,
        ["fri-evening"] + _slots(("sat",), "morning", "afternoon", "evening") + ["sun-morning"],
        [A.STEP_FREE, A.ACCESSIBLE_TOILET, A.CHILD_FRIENDLY],
        True,
    ),
)

# --- People ----------------------------------------------------------------

WOMEN: Final = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie",
    "Nathalie", "Isabelle", "Sylvie", "Catherine", "Martine", "Françoise", "Monique",
    "Christine", "Sandrine", "Céline", "Aurélie", "Élodie", "Pauline", "Margaux", "Anaïs",
    "Yasmine", "Fatima", "Nadia", "Aïcha", "Mariana", "Ayşe", "Fatou", "Jeanne", "Odile",
)  # fmt: skip
MEN: Final = (
    "Lucas", "Hugo", "Louis", "Nathan", "Gabriel", "Arthur", "Jules", "Théo", "Thomas",
    "Nicolas", "Julien", "Sébastien", "Stéphane", "Philippe", "Patrick", "Michel", "Alain",
    "Bernard", "Jean", "Pierre", "Christophe", "Laurent", "Olivier", "Mathieu", "Romain",
    "Karim", "Mehdi", "Youssef", "Mamadou", "João", "Mehmet", "Yannick", "Gérard", "René",
)  # fmt: skip
ANY_GENDER: Final = ("Camille", "Dominique", "Claude", "Alex", "Sacha", "Charlie", "Morgan")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


AGES_BY_SITUATION: Final[dict[str, dict[str, float]]] = {
    "student": {"18-24": 0.85, "25-34": 0.15},
    "worker": {"18-24": 0.07, "25-34": 0.28, "35-49": 0.38, "50-64": 0.27},
    "retiree": {"50-64": 0.06, "65-74": 0.6, "75+": 0.34},
    "jobseeker": {"18-24": 0.3, "25-34": 0.3, "35-49": 0.25, "50-64": 0.15},
}
EDUCATION_BY_OCCUPATION: Final[dict[str, dict[str, float]]] = {
    "1": {"none": 0.15, "cap": 0.45, "bac": 0.3, "bac3": 0.1},
    "2": {"none": 0.1, "cap": 0.45, "bac": 0.3, "bac3": 0.1, "bac5": 0.05},
    "3": {"bac": 0.05, "bac3": 0.25, "bac5": 0.7},
    "4": {"bac": 0.2, "bac3": 0.6, "bac5": 0.2},
    "5": {"none": 0.15, "cap": 0.4, "bac": 0.35, "bac3": 0.1},
    "6": {"none": 0.35, "cap": 0.5, "bac": 0.15},
    "7": {"none": 0.3, "cap": 0.35, "bac": 0.15, "bac3": 0.1, "bac5": 0.1},
    "student": {"bac": 0.55, "bac3": 0.35, "bac5": 0.1},
    "jobseeker": {"none": 0.25, "cap": 0.35, "bac": 0.25, "bac3": 0.1, "bac5": 0.05},
}
WORLDS_BY_SITUATION: Final[dict[str, dict[str, float]]] = {
    "student": {"school": 0.8, "online": 0.6, "sport": 0.35, "culture": 0.35, "work": 0.2},
    "worker": {"work": 0.85, "family": 0.4, "sport": 0.3, "neighbourhood": 0.2, "school": 0.25},
    "retiree": {"association": 0.5, "family": 0.55, "neighbourhood": 0.45, "culture": 0.3},
    "jobseeker": {"neighbourhood": 0.5, "family": 0.5, "online": 0.4, "association": 0.25},
}
ENGAGEMENT: Final = {
    "disillusioned": 0.2,
    "distant": 0.3,
    "curious": 0.25,
    "involved": 0.17,
    "activist": 0.08,
}
SENSITIVE_CONSENT_RATE: Final = 0.55


def _availability(rng: random.Random, situation: str) -> list[str]:
    """Free times that follow a life: classes, working hours, a retired week."""
    if situation == "student":
        candidates = _slots(WORKDAYS, "afternoon", "evening") + _slots(WEEKEND, "afternoon")
        candidates += _slots(WEEKEND, "evening")
    elif situation == "worker":
        candidates = _slots(WORKDAYS, "evening") + _slots(WEEKEND, "morning", "afternoon")
        if rng.random() < 0.2:  # part-time: one free weekday afternoon
            candidates.append(f"{rng.choice(WORKDAYS)}-afternoon")
    elif situation == "retiree":
        candidates = _slots((*WORKDAYS, "sat"), "morning", "afternoon")
    else:
        candidates = _slots(WORKDAYS, "morning", "afternoon") + _slots(("tue", "thu"), "evening")
    chosen = {slot for slot in candidates if rng.random() < 0.45}
    while len(chosen) < 3:
        chosen.add(rng.choice(candidates))
    return [slot for slot in _slots(DAYS, "morning", "afternoon", "evening") if slot in chosen]


@dataclass
class Person:
    """Everything generated about one synthetic participant."""

    email: str
    display_name: str
    language: str
    sector: str
    situation: str
    max_km: float
    availability: list[str]
    meeting_mode: str
    accessibility_needs: list[str]
    hopes: list[str]
    answers: dict[str, Any]
    consents: list[str]  # criterion keys of the sensitive questions consented to


def _generic_answer(rng: random.Random, criterion: Criterion) -> Any:
    """An answer to a question the catalogue does not know (added by a facilitator)."""
    values = [option["value"] for option in criterion.options]
    if criterion.kind == "numeric":
        low = criterion.numeric_min if criterion.numeric_min is not None else 0.0
        high = criterion.numeric_max if criterion.numeric_max is not None else 10.0
        return round(rng.uniform(low, high), 1)
    if not values:
        return None
    if criterion.kind == "multi":
        return sorted(rng.sample(values, rng.randint(1, min(2, len(values)))))
    return rng.choice(values)


def make_person(
    rng: random.Random, number: int, spec: SectorSpec, criteria: Sequence[Criterion]
) -> Person:
    situation = _pick(rng, spec.situations)
    gender = _pick(rng, {"woman": 0.5, "man": 0.48, "other": 0.02})
    names = {"woman": WOMEN, "man": MEN, "other": ANY_GENDER}[gender]
    occupation = {"student": "8", "retiree": "7", "jobseeker": "8"}.get(situation) or _pick(
        rng, spec.occupations
    )
    education_key = situation if situation in ("student", "jobseeker") else occupation
    if situation == "retiree":  # educated like the occupations of the sector once were
        education_key = _pick(rng, spec.occupations)
    housing = _pick(rng, spec.housing)
    if situation != "student" and housing == "student":
        housing = "private-tenant"
    languages = ["fr"] + [code for code, rate in spec.languages.items() if rng.random() < rate]
    worlds = [
        world for world, rate in WORLDS_BY_SITUATION[situation].items() if rng.random() < rate
    ]
    if not worlds:
        worlds = [rng.choice(list(WORLDS_BY_SITUATION[situation]))]
    beliefs = [
        belief
        for belief, rate in (("religious", 0.25), ("secular", 0.08), ("political", 0.12))
        if rng.random() < rate
    ] or ["none"]
    known: dict[str, Any] = {
        "age_bracket": _pick(rng, AGES_BY_SITUATION[situation]),
        "gender": gender,
        "occupation": occupation,
        "education": _pick(rng, EDUCATION_BY_OCCUPATION[education_key]),
        "housing": housing,
        "languages": sorted(languages),
        "worlds": sorted(worlds),
        "belief_worlds": sorted(beliefs),
        "engagement": _pick(rng, ENGAGEMENT),
    }
    answers: dict[str, Any] = {}
    consents: list[str] = []
    for criterion in criteria:
        value = known.get(criterion.key)
        if value is None:
            value = _generic_answer(rng, criterion)
        if criterion.sensitive:
            if rng.random() >= SENSITIVE_CONSENT_RATE:
                continue  # no consent: the question is not even asked
            consents.append(criterion.key)
        if value is not None:
            answers[criterion.key] = value
    needs: list[str] = []
    if rng.random() < (0.2 if situation == "retiree" else 0.04):
        needs.append(A.STEP_FREE.value)
    if rng.random() < (0.1 if situation == "retiree" else 0.02):
        needs.append(A.HEARING_LOOP.value)
    if rng.random() < 0.04:
        needs.append(A.QUIET.value)
    if situation == "worker" and rng.random() < 0.12:
        needs.append(A.CHILD_FRIENDLY.value)
    low, high = spec.max_km
    return Person(
        email=f"participant{number:03d}@{DEMO_DOMAIN}",
        display_name=rng.choice(names),
        language="en" if rng.random() < 0.05 else "fr",
        sector=spec.name,
        situation=situation,
        max_km=round(rng.uniform(low, high) * 2) / 2,
        availability=_availability(rng, situation),
        meeting_mode=_pick(
            rng, {MeetingMode.IN_PERSON: 0.75, MeetingMode.EITHER: 0.2, MeetingMode.ONLINE: 0.05}
        ),
        accessibility_needs=[value for value in Accessibility.values if value in needs],
        hopes=sorted(rng.sample(list(Hope.values), rng.choice((1, 1, 2)))),
        answers=answers,
        consents=consents,
    )


def generate_people(seed: int, criteria: Sequence[Criterion]) -> list[Person]:
    """The 300 participants, sector by sector; the same seed gives the same people."""
    rng = random.Random(seed)
    people: list[Person] = []
    for spec in SECTORS:
        for _ in range(spec.participants):
            people.append(make_person(rng, len(people) + 1, spec, criteria))
    return people


# --- Loading ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    totp_secret: str | None = None
    totp_url: str | None = None


@dataclass
class DemoResult:
    territory: Territory
    sectors_created: int = 0
    venues_created: int = 0
    participants_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def ensure_territory() -> Territory:
    territory, _ = Territory.objects.get_or_create(
        slug=TERRITORY_SLUG,
        defaults={
            "name": "Lienville",
            "kind": TerritoryKind.TOWN,
            "description": (
                "A fictional town of 40,000 people and a village of its community of "
                "communes, to try Tiers Lien with: a historic centre, a social-housing "
                "estate, a suburb of houses, a campus, the station district, a well-off "
                "residential area and a village 15 km away."
            ),
        },
    )
    install_default_criteria(territory)
    return territory


def ensure_sectors(territory: Territory) -> tuple[dict[str, Sector], int]:
    sectors: dict[str, Sector] = {}
    created_count = 0
    for spec in SECTORS:
        latitude, longitude = _offset(spec.north_km, spec.east_km)
        sector, created = Sector.objects.get_or_create(
            territory=territory,
            name=spec.name,
            defaults={
                "description": spec.description,
                "latitude": latitude,
                "longitude": longitude,
            },
        )
        sectors[spec.name] = sector
        created_count += created
    return sectors, created_count


def ensure_venues(territory: Territory, sectors: dict[str, Sector]) -> int:
    existing = set(territory.venues.values_list("name", flat=True))
    new = []
    for spec in VENUES:
        if spec.name in existing:
            continue
        latitude, longitude = _offset(spec.north_km, spec.east_km)
        new.append(
            Venue(
                territory=territory,
                sector=sectors[spec.sector],
                name=spec.name,
                address=spec.address,
                latitude=latitude,
                longitude=longitude,
                capacity=spec.capacity,
                opening_slots=normalise_slots(spec.opening_slots),
                accessibility=[str(value) for value in spec.accessibility],
                nothing_to_buy=spec.nothing_to_buy,
            )
        )
    Venue.objects.bulk_create(new)
    return len(new)


def ensure_totp(user: User, secret: str) -> None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        TOTP.activate(user, secret)
    elif decrypt(authenticator.data["secret"]) != secret:
        authenticator.data = {**authenticator.data, "secret": encrypt(secret)}
        authenticator.save(update_fields=["data"])


def ensure_login(email: str, display_name: str, **extra: Any) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, display_name=display_name, date_joined=DEMO_DATE, **extra
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if not Consent.objects.filter(user=user, subject=Consent.TERMS).exists():
        Consent.objects.create(
            user=user, subject=Consent.TERMS, wording_version=TERMS_VERSION, given_at=DEMO_DATE
        )
        User.objects.filter(pk=user.pk).update(accepted_terms_version=TERMS_VERSION)
    return user, created


def ensure_logins(territory: Territory, sectors: dict[str, Sector], seed: int) -> list[DemoLogin]:
    mfa = get_mfa_adapter()
    participant, _ = ensure_login(PARTICIPANT_EMAIL, "Camille")
    if not Portrait.objects.filter(user=participant, territory=territory).exists():
        criteria = list(territory.criteria.filter(enabled=True))
        person = make_person(random.Random(f"{seed}-participant"), 0, SECTORS[0], criteria)
        person.email, person.display_name = PARTICIPANT_EMAIL, participant.display_name
        # Free when the demo's circles meet, and able to reach them: a member of one.
        person.availability = list(PARTICIPANT_AVAILABILITY)
        person.meeting_mode, person.accessibility_needs = MeetingMode.IN_PERSON, []
        person.max_km = 6.0
        _create_portraits(territory, sectors, [(participant, person)], criteria)
    # Signed up and confirmed, nothing else yet: to try the questionnaire and joining.
    ensure_login(NEWCOMER_EMAIL, "Jules")
    facilitator, _ = ensure_login(FACILITATOR_EMAIL, "Fatou")
    Facilitator.objects.get_or_create(territory=territory, user=facilitator)
    ensure_totp(facilitator, FACILITATOR_TOTP_SECRET)
    admin, _ = ensure_login(ADMIN_EMAIL, "Ada", is_staff=True, is_superuser=True)
    ensure_totp(admin, ADMIN_TOTP_SECRET)
    return [
        DemoLogin(
            "participant (Camille: a running circle, registered, applied, drawn)",
            PARTICIPANT_EMAIL,
            DEMO_PASSWORD,
        ),
        DemoLogin("newcomer (Jules: no self-portrait yet)", NEWCOMER_EMAIL, DEMO_PASSWORD),
        DemoLogin(
            "facilitator",
            FACILITATOR_EMAIL,
            DEMO_PASSWORD,
            FACILITATOR_TOTP_SECRET,
            mfa.build_totp_url(facilitator, FACILITATOR_TOTP_SECRET),
        ),
        DemoLogin(
            "admin",
            ADMIN_EMAIL,
            DEMO_PASSWORD,
            ADMIN_TOTP_SECRET,
            mfa.build_totp_url(admin, ADMIN_TOTP_SECRET),
        ),
    ]


def _create_portraits(
    territory: Territory,
    sectors: dict[str, Sector],
    pairs: Sequence[tuple[User, Person]],
    criteria: Sequence[Criterion],
) -> None:
    """Portraits, their answers and the consents to the sensitive questions answered."""
    portraits = Portrait.objects.bulk_create(
        [
            Portrait(
                user=user,
                territory=territory,
                sector=sectors[person.sector],
                max_km=person.max_km,
                availability=person.availability,
                meeting_mode=person.meeting_mode,
                accessibility_needs=person.accessibility_needs,
                hopes=person.hopes,
            )
            for user, person in pairs
        ]
    )
    by_key = {criterion.key: criterion for criterion in criteria}
    already = set(
        Consent.objects.filter(user__in=[user for user, _ in pairs], withdrawn_at=None).values_list(
            "user_id", "subject"
        )
    )
    answers: list[Answer] = []
    consents: list[Consent] = []
    for portrait, (user, person) in zip(portraits, pairs, strict=True):
        for key in person.consents:
            subject = Consent.question_subject(key)
            if (user.pk, subject) not in already:
                consents.append(
                    Consent(
                        user=user,
                        subject=subject,
                        wording_version=SENSITIVE_QUESTION_VERSION,
                        given_at=DEMO_DATE,
                    )
                )
        answers.extend(
            Answer(portrait=portrait, criterion=by_key[key], value=value)
            for key, value in person.answers.items()
        )
    Consent.objects.bulk_create(consents)
    Answer.objects.bulk_create(answers)


def ensure_participants(territory: Territory, sectors: dict[str, Sector], seed: int) -> int:
    """Create the synthetic participants missing from the database; returns how many."""
    criteria = list(territory.criteria.filter(enabled=True))
    people = generate_people(seed, criteria)
    existing = dict(
        User.objects.filter(email__in=[person.email for person in people]).values_list(
            "email", "pk"
        )
    )
    new_people = [person for person in people if person.email not in existing]
    # Not meant to log in: an unusable password, and no costly hashing.
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=person.email,
                display_name=person.display_name,
                language=person.language,
                password=unusable,
                date_joined=DEMO_DATE,
                accepted_terms_version=TERMS_VERSION,
            )
            for person in new_people
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
    )
    Consent.objects.bulk_create(
        [
            Consent(
                user=user,
                subject=Consent.TERMS,
                wording_version=TERMS_VERSION,
                given_at=DEMO_DATE,
            )
            for user in users
        ]
    )
    with_portrait = set(
        Portrait.objects.filter(territory=territory, user__email__in=existing).values_list(
            "user__email", flat=True
        )
    )
    old_users = {
        user.email: user for user in User.objects.filter(email__in=set(existing) - with_portrait)
    }
    pairs = [(user, person) for user, person in zip(users, new_people, strict=True)]
    pairs += [(old_users[person.email], person) for person in people if person.email in old_users]
    _create_portraits(territory, sectors, pairs, criteria)
    return len(users)


@transaction.atomic
def load_demo(seed: int = 0) -> DemoResult:
    """Create (or complete) the Lienville demo territory; safe to run again."""
    territory = ensure_territory()
    sectors, sectors_created = ensure_sectors(territory)
    result = DemoResult(territory=territory, sectors_created=sectors_created)
    result.venues_created = ensure_venues(territory, sectors)
    result.logins = ensure_logins(territory, sectors, seed)
    result.participants_created = ensure_participants(territory, sectors, seed)
    return result
