"""Three seasons of circles in Lienville, so that the town is in motion on first run.

- *Cercles du printemps*: open for registration, with enough people registered for a
  facilitator to close it and compose from the web at once.
- *Cercles de l'hiver*: running: circles published and confirmed, meeting every week since
  two weeks, with a board, introductions and "I'll come" answers.
- *Cercles de l'automne*: finished three weeks ago and closed, with attendance and enough
  anonymous feedback for its report to show figures (never a cell under 11).

Dates are relative to the day the demo is loaded; everything else follows the seed. The
circles of the two past seasons are not searched by the engine (the loader stays fast and
needs no compiled kernel): each is filled in turn, from people free at its slot, close
enough to its venue and whose needs it meets, preferring whoever brings a sector, an
occupation or an age group the circle lacks. Their figures (diversity, counts, the season's
report) are then computed by the same code as a real composition's, without the sensitive
questions. A season that already exists (by name) is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from django.db import transaction
from django.utils import timezone

from tierslien.accounts.models import User
from tierslien.circles.actions.review import load, refresh_scores
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    monday_of,
)
from tierslien.circles.schedule import session_times
from tierslien.demo.turnout import record_presences
from tierslien.feedback.models import Again, FeedbackBag, FeedbackGiven, Felt, KeepInTouch, Met
from tierslien.lib.geo import haversine_km
from tierslien.portraits.models import Answer, MeetingMode, Portrait
from tierslien.spaces.models import Answer as Coming
from tierslien.spaces.models import Attendance, Introduction, Message, PactAcceptance
from tierslien.territories.models import Territory, Venue

OPEN_SEASON: Final = "Cercles du printemps"
RUNNING_SEASON: Final = "Cercles de l'hiver"
FINISHED_SEASON: Final = "Cercles de l'automne"

# Every fifth synthetic person (two in five) is registered for the open season.
OPEN_SHARE: Final = (0, 1)
CIRCLE_SIZE: Final = 6

# (venue, weekly slot) of each circle of the past seasons: slots where workers, students
# and retirees can all be free, so that the circles mix.
RUNNING_CIRCLES: Final = (
    ("Médiathèque Jules-Verne", "sat-afternoon"),
    ("Centre social des Tilleuls", "tue-evening"),
    ("Tiers-lieu La Fabrique", "sat-afternoon"),
    ("Bibliothèque universitaire, salles de groupe", "thu-evening"),
    ("Salle polyvalente des Coteaux", "sun-afternoon"),
    ("Café associatif Le Trait d'Union", "sat-morning"),
)
FINISHED_CIRCLES: Final = (
    ("Tiers-lieu La Fabrique", "sat-morning"),
    ("Médiathèque Jules-Verne", "wed-afternoon"),
    ("Salle des fêtes de Saint-Aubin", "sat-afternoon"),
    ("Centre social des Tilleuls", "thu-evening"),
    ("Café associatif Le Trait d'Union", "sat-afternoon"),
    ("Salle polyvalente des Coteaux", "sat-morning"),
)

BOARD: Final = (
    "Bonjour à toutes et à tous ! Ravie de vous avoir rencontrés samedi.",
    "Pour la prochaine fois, je peux apporter un gâteau aux pommes.",
    "Quelqu'un sait si la salle est accessible par l'ascenseur côté parc ?",
    "Merci pour la discussion sur le marché couvert, j'y repense encore.",
    "Je serai un peu en retard mardi, commencez sans moi.",
    "Thanks everyone, my French is slow but you were all very patient!",
)
INTRODUCTIONS: Final = (
    "J'habite le quartier depuis trente ans, j'aime le jardinage et les mots croisés.",
    "Étudiante en géographie, je viens pour rencontrer des gens hors du campus.",
    "Cheminot à la retraite, curieux de tout.",
    "Maman de deux enfants, je travaille à l'hôpital.",
    "New in Lienville, I work at the university library.",
)
COMMENTS: Final = (
    "Je n'aurais jamais parlé à ces personnes autrement. Merci.",
    "Un peu court : six rencontres auraient été mieux que quatre.",
    "La salle était bruyante le samedi, mais l'ambiance était très bonne.",
    "On continue à se voir au café de la gare, c'est devenu une habitude.",
)


@dataclass(frozen=True)
class Candidate:
    user_id: int
    availability: frozenset[str]
    needs: frozenset[str]
    latitude: float
    longitude: float
    max_km: float
    mode: str
    traits: tuple[str, ...]  # sector, occupation, age group, gender


def candidates(territory: Territory, emails: Sequence[str]) -> list[Candidate]:
    """What it takes to seat these people (in the order of `emails`)."""
    portraits = {
        p.user.email: p
        for p in Portrait.objects.filter(territory=territory, user__email__in=emails)
        .select_related("user", "sector")
        .order_by()
    }
    answers: dict[int, dict[str, object]] = {}
    for portrait_id, key, value in Answer.objects.filter(
        portrait__in=[p.pk for p in portraits.values()],
        criterion__key__in=("occupation", "age_bracket", "gender"),
    ).values_list("portrait_id", "criterion__key", "value"):
        answers.setdefault(portrait_id, {})[key] = value
    result = []
    for email in emails:
        portrait = portraits.get(email)
        if portrait is None or portrait.sector is None:
            continue
        known = answers.get(portrait.pk, {})
        result.append(
            Candidate(
                user_id=portrait.user_id,
                availability=frozenset(portrait.availability),
                needs=frozenset(portrait.accessibility_needs),
                latitude=portrait.sector.latitude,
                longitude=portrait.sector.longitude,
                max_km=portrait.max_km,
                mode=portrait.meeting_mode,
                traits=(
                    f"sector:{portrait.sector_id}",
                    f"occupation:{known.get('occupation', '')}",
                    f"age:{known.get('age_bracket', '')}",
                    f"gender:{known.get('gender', '')}",
                ),
            )
        )
    return result


def fits(person: Candidate, venue: Venue, slot: str) -> bool:
    return (
        slot in person.availability
        and person.mode != MeetingMode.ONLINE
        and person.needs <= set(venue.accessibility)
        and haversine_km(person.latitude, person.longitude, venue.latitude, venue.longitude)
        <= person.max_km
    )


def fill_circles(
    rng: random.Random,
    people: Sequence[Candidate],
    places: Sequence[tuple[Venue, str]],
    *,
    first: int | None = None,
    min_size: int = 5,
) -> list[tuple[Venue, str, list[int]]]:
    """Circles filled one after the other; `first` (a user id) is seated first where they fit.

    Each seat goes to whoever adds the most traits the circle does not have yet (ties
    broken by the seeded order); a circle that cannot reach `min_size` is left out."""
    order = list(people)
    rng.shuffle(order)
    taken: set[int] = set()
    circles = []
    for venue, slot in places:
        members: list[Candidate] = []
        pool = [p for p in order if p.user_id not in taken and fits(p, venue, slot)]
        chosen = [p for p in pool if p.user_id == first]
        if chosen:
            members.append(chosen[0])
            first = None
        while len(members) < CIRCLE_SIZE:
            seen = {trait for member in members for trait in member.traits}
            rest = [p for p in pool if p not in members]
            if not rest:
                break
            members.append(max(rest, key=lambda p: len(set(p.traits) - seen)))
        if len(members) >= min_size:
            taken.update(p.user_id for p in members)
            circles.append((venue, slot, [p.user_id for p in members]))
    return circles


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _create_season(territory: Territory, name: str, **values: object) -> Season | None:
    if Season.objects.filter(territory=territory, name=name).exists():
        return None
    return Season.objects.create(territory=territory, name=name, **values)


def _register(season: Season, user_ids: Sequence[int]) -> None:
    portraits = Portrait.objects.filter(territory=season.territory, user_id__in=user_ids)
    Registration.objects.bulk_create(
        [
            Registration(
                season=season, user_id=p.user_id, availability=p.availability, max_km=p.max_km
            )
            for p in portraits.order_by("user_id")
        ]
    )


def ensure_open_season(territory: Territory, emails: Sequence[str], today: dt.date) -> Season:
    """Open for registration for two more weeks, with two in five of the town registered."""
    season = _create_season(
        territory,
        OPEN_SEASON,
        registration_opens=today - dt.timedelta(days=12),
        registration_closes=today + dt.timedelta(days=14),
        first_week=monday_of(today + dt.timedelta(days=28)),
        sessions=6,
        state=SeasonState.OPEN,
    )
    if season is None:
        return Season.objects.get(territory=territory, name=OPEN_SEASON)
    users = User.objects.filter(email__in=emails).values_list("pk", flat=True)
    _register(season, sorted(users))
    return season


def _seat(
    season: Season,
    circles: Sequence[tuple[Venue, str, list[int]]],
    invited: dt.datetime,
) -> list[Circle]:
    """The circles, their confirmed members (and registrations), and their figures."""
    _register(season, [user_id for _, _, members in circles for user_id in members])
    made = Circle.objects.bulk_create(
        [
            Circle(season=season, venue=venue, slot=slot, number=number)
            for number, (venue, slot, _) in enumerate(circles, start=1)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                circle=circle,
                user_id=user_id,
                status=MembershipStatus.CONFIRMED,
                invited_at=invited,
                respond_by=invited + dt.timedelta(days=season.confirmation_days),
                responded_at=invited + dt.timedelta(days=1 + k % 3),
            )
            for circle, (_, _, members) in zip(made, circles, strict=True)
            for k, user_id in enumerate(members)
        ]
    )
    Season.objects.filter(pk=season.pk).update(
        job_state=JobState.DONE,
        job_progress=1.0,
        job_started_at=invited - dt.timedelta(days=1),
        job_finished_at=invited - dt.timedelta(days=1),
    )
    refresh_scores(load(season), [circle.pk for circle in made])
    return made


def _space(
    rng: random.Random, circle: Circle, members: list[int], sessions: int, moment: dt.datetime
) -> None:
    """A circle's space as its members left it: pact, introductions, board, attendance."""
    PactAcceptance.objects.bulk_create(
        [PactAcceptance(circle=circle, user_id=user_id, accepted_at=moment) for user_id in members]
    )
    Introduction.objects.bulk_create(
        [
            Introduction(circle=circle, user_id=user_id, text=text, updated_at=moment)
            for user_id, text in zip(members, rng.sample(INTRODUCTIONS, 3), strict=False)
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                circle=circle,
                author_id=members[k % len(members)],
                text=text,
                created_at=moment + dt.timedelta(days=k, hours=k),
            )
            for k, text in enumerate(rng.sample(BOARD, 3))
        ]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                circle=circle,
                user_id=user_id,
                session=session,
                answer=Coming.COMING if rng.random() < 0.85 else Coming.NOT_COMING,
                updated_at=moment,
            )
            for session in range(1, sessions + 1)
            for user_id in members
        ]
    )


def ensure_running_season(
    territory: Territory,
    people: Sequence[Candidate],
    today: dt.date,
    seed: int,
    *,
    participant: int | None,
) -> Season:
    """Published five weeks ago, meeting every week since two weeks; the demo participant
    is a member of its first circle."""
    first_week = monday_of(today - dt.timedelta(days=14))
    season = _create_season(
        territory,
        RUNNING_SEASON,
        registration_opens=first_week - dt.timedelta(days=56),
        registration_closes=first_week - dt.timedelta(days=28),
        first_week=first_week,
        sessions=6,
        state=SeasonState.RUNNING,
    )
    if season is None:
        return Season.objects.get(territory=territory, name=RUNNING_SEASON)
    rng = random.Random(f"{seed}-running")
    venues = {venue.name: venue for venue in territory.venues.all()}
    places = [(venues[name], slot) for name, slot in RUNNING_CIRCLES]
    circles = fill_circles(rng, people, places, first=participant)
    made = _seat(season, circles, _at(season.registration_closes + dt.timedelta(days=2)))
    now = timezone.now()
    for circle, (_, slot, members) in zip(made, circles, strict=True):
        past = [t for t in session_times(season, slot) if t.starts_at <= now]
        # Answers given for the sessions held and the next one.
        _space(rng, circle, members, min(len(past) + 1, season.sessions), _at(first_week, 9))
    return season


def ensure_finished_season(
    territory: Territory, people: Sequence[Candidate], today: dt.date, seed: int
) -> Season:
    """Four weekly meetings ended about three weeks ago: closed, its form closed, its report
    readable (the purge erases what the circles wrote 30 days after their last meeting)."""
    first_week = monday_of(today - dt.timedelta(days=42))
    season = _create_season(
        territory,
        FINISHED_SEASON,
        registration_opens=first_week - dt.timedelta(days=49),
        registration_closes=first_week - dt.timedelta(days=21),
        first_week=first_week,
        sessions=4,
        state=SeasonState.CLOSED,
    )
    if season is None:
        return Season.objects.get(territory=territory, name=FINISHED_SEASON)
    rng = random.Random(f"{seed}-finished")
    venues = {venue.name: venue for venue in territory.venues.all()}
    places = [(venues[name], slot) for name, slot in FINISHED_CIRCLES]
    circles = fill_circles(rng, people, places)
    made = _seat(season, circles, _at(season.registration_closes + dt.timedelta(days=2)))
    answered: list[int] = []
    answers: list[list[str]] = []
    for circle, (_, _, members) in zip(made, circles, strict=True):
        _space(rng, circle, members, season.sessions, _at(first_week, 9))
        for user_id in members:
            if rng.random() < 0.75:
                answered.append(user_id)
                answers.append(
                    [
                        rng.choices(list(Met.values), weights=(6, 3, 1))[0],
                        rng.choices(list(Felt.values), weights=(7, 3, 1))[0],
                        rng.choices(list(Again.values), weights=(6, 3, 1))[0],
                    ]
                )
        # Two members who would like to meet again: a mutual wish.
        if len(members) >= 2:
            KeepInTouch.objects.bulk_create(
                [
                    KeepInTouch(from_user_id=members[0], to_user_id=members[1], circle=circle),
                    KeepInTouch(from_user_id=members[1], to_user_id=members[0], circle=circle),
                ]
            )
    # As the anonymous form stores them: sorted answers, givers in user order.
    FeedbackBag.objects.create(season=season, answers=sorted(answers), comments=sorted(COMMENTS))
    FeedbackGiven.objects.bulk_create(
        [FeedbackGiven(season=season, user_id=user_id) for user_id in sorted(answered)]
    )
    record_presences(season, seed)
    return season


@dataclass(frozen=True)
class Seasons:
    open: Season
    running: Season
    finished: Season


@transaction.atomic
def ensure_seasons(
    territory: Territory,
    synthetic_emails: Sequence[str],
    *,
    seed: int,
    participant_email: str,
    today: dt.date | None = None,
) -> Seasons:
    """The three seasons (those missing), from the synthetic people and the demo participant."""
    today = today or timezone.localdate()
    open_emails = [e for k, e in enumerate(synthetic_emails) if k % 5 in OPEN_SHARE]
    rest = [e for k, e in enumerate(synthetic_emails) if k % 5 not in OPEN_SHARE]
    finished_people = candidates(territory, rest[len(rest) // 2 :])
    running_people = candidates(territory, [participant_email, *rest[: len(rest) // 2]])
    participant = User.objects.filter(email=participant_email).values_list("pk", flat=True).first()
    return Seasons(
        open=ensure_open_season(territory, [participant_email, *open_emails], today),
        running=ensure_running_season(
            territory, running_people, today, seed, participant=participant
        ),
        finished=ensure_finished_season(territory, finished_people, today, seed),
    )
