"""Writes about seasons and registrations (composition itself lives in compose.py)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from tierslien.circles import lifecycle
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
    monday_of,
)
from tierslien.lib import jobs
from tierslien.lib.slots import normalise_slots
from tierslien.portraits.models import Portrait
from tierslien.territories.models import Territory

EDITABLE_FIELDS = (
    "name",
    "registration_opens",
    "registration_closes",
    "min_size",
    "max_size",
    "sessions",
    "session_minutes",
    "rhythm",
    "first_week",
    "confirmation_days",
)


def questionnaire_in_use(territory_id: int) -> bool:
    """A season of the territory is being composed or reviewed (its questionnaire is frozen)."""
    return Season.objects.filter(
        territory_id=territory_id, state__in=lifecycle.QUESTIONNAIRE_FROZEN
    ).exists()


class SeasonNotOpen(Exception):
    """The season no longer takes registrations or changes."""


class NotComposing(Exception):
    """Only a composition in progress can be stopped."""


class NoPortrait(Exception):
    """The person has no self-portrait in the season's territory."""


class TooFewPeople(Exception):
    """Fewer people registered than the smallest circle."""

    def __init__(self, registered: int, needed: int) -> None:
        self.registered = registered
        self.needed = needed
        super().__init__(f"{registered} registered, a circle needs {needed}")


def registration_is_open(season: Season, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        season.state == SeasonState.OPEN
        and season.registration_opens <= today <= season.registration_closes
    )


def late_registration_is_open(season: Season) -> bool:
    """A published season takes late registrations until its first meeting (it then
    runs). Nobody is placed automatically: a facilitator offers seats (late.py)."""
    return season.state == SeasonState.PUBLISHED


def _has_seat(user: Any, season: Season) -> bool:
    return Membership.objects.filter(circle__season=season, user=user).exists()


def _locked_season(season: Season) -> Season:
    """The season row, locked for this transaction, with its current state."""
    return Season.objects.select_for_update().get(pk=season.pk)


# --- Seasons ---


def _season_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = {key: fields[key] for key in EDITABLE_FIELDS if key in fields}
    values.setdefault("confirmation_days", 7)
    values["first_week"] = monday_of(values["first_week"])
    return values


@transaction.atomic
def create_season(territory: Territory, **fields: Any) -> Season:
    return Season.objects.create(territory=territory, **_season_values(fields))


@transaction.atomic
def update_season(season: Season, **fields: Any) -> Season:
    current = _locked_season(season)
    if current.state != SeasonState.OPEN:
        raise SeasonNotOpen
    for key, value in _season_values(fields).items():
        setattr(season, key, value)
    season.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    return season


@transaction.atomic
def start_composition(season: Season, *, acting_user: Any) -> Season:
    """Close registration and compose in the background (open → composing)."""
    current = _locked_season(season)
    registered = Registration.objects.filter(season=current).count()
    if current.state == SeasonState.OPEN and registered < current.min_size:
        raise TooFewPeople(registered, current.min_size)
    if current.state != SeasonState.OPEN:
        raise lifecycle.ForbiddenTransition(current.state, SeasonState.COMPOSING)
    return _enqueue_composition(current, keep_locked=False)


@transaction.atomic
def start_recomposition(season: Season, *, acting_user: Any) -> Season:
    """Compose again the circles of a proposal that are not locked (proposed → composing)."""
    current = _locked_season(season)
    if current.state != SeasonState.PROPOSED:
        raise lifecycle.ForbiddenTransition(current.state, SeasonState.COMPOSING)
    return _enqueue_composition(current, keep_locked=True)


def _enqueue_composition(current: Season, *, keep_locked: bool) -> Season:
    from tierslien.circles.tasks import compose_season

    lifecycle.transition(current, SeasonState.COMPOSING)
    current.job_keep_locked = keep_locked
    current.job_state = JobState.QUEUED
    current.job_progress = 0.0
    current.job_best_score = None
    current.job_error = ""
    current.job_message = ""
    current.job_seed = secrets.randbelow(2**31)
    current.job_started_at = None
    current.job_finished_at = None
    current.job_attempt += 1  # a new attempt: a worker of an earlier one writes nothing
    current.job_retries = 0
    current.job_heartbeat_at = timezone.now()
    current.report = {}
    current.save(
        update_fields=[
            "job_attempt",
            "job_retries",
            "job_heartbeat_at",
            "job_state",
            "job_progress",
            "job_best_score",
            "job_error",
            "job_message",
            "job_seed",
            "job_started_at",
            "job_finished_at",
            "report",
            "job_keep_locked",
        ]
    )
    season_id = current.pk
    transaction.on_commit(lambda: compose_season.enqueue(season_id))
    return current


@transaction.atomic
def reopen_season(season: Season, *, acting_user: Any) -> Season:
    """Send a proposal back: its circles are erased and registration opens again."""
    current = _locked_season(season)
    lifecycle.transition(current, SeasonState.OPEN)
    Circle.objects.filter(season=current).delete()
    Unplaced.objects.filter(season=current).delete()
    current.job_state = JobState.IDLE
    current.job_progress = 0.0
    current.report = {}
    current.save(update_fields=["job_state", "job_progress", "report"])
    return current


class JobAlive(Exception):
    """The job gave a sign of life recently: it is running, not stuck."""


@transaction.atomic
def retry_composition(season: Season, *, acting_user: Any) -> Season:
    """Run a stuck composition again now (silent for two heartbeats, or failed while
    composing); the worker of the previous attempt, if it ever wakes up, writes nothing."""
    from tierslien.circles.compose import requeue

    current = _locked_season(season)
    if current.state != SeasonState.COMPOSING:
        raise NotComposing
    if not jobs.policy.retryable(current.job_state, current.job_heartbeat_at, timezone.now()):
        raise JobAlive
    requeue(current, automatic=False)
    return current


@transaction.atomic
def cancel_composition(season: Season, *, acting_user: Any) -> Season:
    """Stop waiting for a composition (a stuck worker, a change of mind): back to open.

    A result arriving later is dropped, since the season is no longer composing.
    """
    current = _locked_season(season)
    if current.state != SeasonState.COMPOSING:
        raise NotComposing
    if current.job_keep_locked:  # a recomposition: the proposal stays as it was
        lifecycle.transition(current, SeasonState.PROPOSED)
    else:
        lifecycle.transition(current, SeasonState.OPEN)
        Circle.objects.filter(season=current).delete()
        Unplaced.objects.filter(season=current).delete()
    current.job_state = JobState.FAILED
    current.job_error = "cancelled"
    current.job_message = ""
    current.job_finished_at = timezone.now()
    current.save(update_fields=["job_state", "job_error", "job_message", "job_finished_at"])
    return current


# --- Registrations ---


def own_portrait(user: Any, season: Season) -> Portrait | None:
    return Portrait.objects.filter(user=user, territory_id=season.territory_id).first()


@transaction.atomic
def join_season(
    user: Any, season: Season, *, availability: list[str], max_km: float
) -> tuple[Registration, bool]:
    """Register (or update one's registration) with the times and distance confirmed now."""
    current = _locked_season(season)
    if not registration_is_open(current) and not (
        late_registration_is_open(current) and not _has_seat(user, current)
    ):
        raise SeasonNotOpen
    if own_portrait(user, current) is None:
        raise NoPortrait
    registration, created = Registration.objects.get_or_create(
        season=current,
        user=user,
        defaults={"availability": normalise_slots(availability), "max_km": max_km},
    )
    if not created:
        registration.availability = normalise_slots(availability)
        registration.max_km = max_km
        registration.save(update_fields=["availability", "max_km", "updated_at"])
    return registration, created


@transaction.atomic
def leave_season(user: Any, season: Season) -> bool:
    """Withdraw before composition starts, or later while still waiting for a seat in a
    published season; returns whether there was a registration."""
    current = _locked_season(season)
    if current.state != SeasonState.OPEN and not (
        late_registration_is_open(current) and not _has_seat(user, current)
    ):
        raise SeasonNotOpen
    Unplaced.objects.filter(season=current, user=user).exclude(
        code__in=("declined", "expired")
    ).delete()
    deleted, _ = Registration.objects.filter(season=current, user=user).delete()
    return deleted > 0


# --- Online circles ---


class NotOnline(Exception):
    """Only an online circle has a meeting link."""


@transaction.atomic
def set_meeting_link(season: Season, circle_id: int, link: str, *, acting_user: Any) -> Circle:
    """The facilitator's choice of meeting link for an online circle ("" removes it)."""
    current = _locked_season(season)
    if current.state not in (SeasonState.PROPOSED, SeasonState.PUBLISHED, SeasonState.RUNNING):
        raise SeasonNotOpen
    circle = Circle.objects.get(season=current, pk=circle_id)
    if not circle.online:
        raise NotOnline
    circle.meeting_link = link
    circle.save(update_fields=["meeting_link"])
    return circle
