"""Writes about seasons and registrations (composition itself lives in compose.py)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.emails import absolute, queue_email_to, render_email
from tierslien.circles import lifecycle
from tierslien.circles.actions._queue import enqueue_on_commit
from tierslien.circles.actions.compose import requeue
from tierslien.circles.actions.invitations import topic
from tierslien.circles.models import (
    DEFAULT_CONFIRMATION_DAYS,
    GAVE_BACK,
    SEASON_SETTINGS,
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
from tierslien.lib.refusals import Refused
from tierslien.lib.slots import normalise_slots
from tierslien.outbox import services as outbox
from tierslien.portraits.models import Portrait
from tierslien.territories.models import SeasonAlert, Territory


def questionnaire_in_use(territory_id: int) -> bool:
    """A season of the territory is being composed or reviewed (its questionnaire is frozen)."""
    return Season.objects.filter(
        territory_id=territory_id, state__in=lifecycle.QUESTIONNAIRE_FROZEN
    ).exists()


class SeasonNotOpen(Refused):
    """The season no longer takes registrations or changes (each action says which)."""

    message = _("This season no longer takes registrations.")


class NotComposing(Refused):
    """Only a composition in progress can be stopped or run again."""

    message = _("This season is not being composed.")


class NoPortrait(Refused):
    """The person has no self-portrait in the season's territory."""

    message = _("Fill in your self-portrait first: then join the season.")


class TooFewPeople(Refused):
    """Fewer people registered than the smallest circle."""

    message = _(
        "Only %(registered)d people registered: a circle needs at least %(needed)d. "
        "Registration stays open."
    )

    def __init__(self, registered: int, needed: int) -> None:
        self.registered = registered
        self.needed = needed
        super().__init__(registered=registered, needed=needed)

    def __str__(self) -> str:
        return f"{self.registered} registered, a circle needs {self.needed}"


class CannotCompose(Refused):
    """Only an open season can be composed."""

    message = _("This season is not open: it cannot be composed now.")


class CannotRecompose(Refused):
    """Only a proposal can be recomposed."""

    message = _("Only a proposal can be recomposed.")


class CannotReopen(Refused):
    """Only a proposal can be sent back to registration."""

    message = _("Only a proposal can be sent back to registration.")


class JobAlive(Refused):
    """The job gave a sign of life recently: it is running, not stuck."""

    message = _("The composer is working: it gave a sign of life just now.")


class NotOnline(Refused):
    """Only an online circle has a meeting link."""

    message = _("Only an online circle has a meeting link.")


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
    values = {key: fields[key] for key in SEASON_SETTINGS if key in fields}
    values.setdefault("confirmation_days", DEFAULT_CONFIRMATION_DAYS)
    values["first_week"] = monday_of(values["first_week"])
    return values


@transaction.atomic
def create_season(territory: Territory, **fields: Any) -> Season:
    season = Season.objects.create(territory=territory, **_season_values(fields))
    announce_opening(season)
    return season


@transaction.atomic
def update_season(season: Season, **fields: Any) -> Season:
    current = _locked_season(season)
    if current.state != SeasonState.OPEN:
        raise SeasonNotOpen(_("Registration closed meanwhile: nothing was changed."))
    for key, value in _season_values(fields).items():
        setattr(season, key, value)
    season.save(update_fields=[*SEASON_SETTINGS, "updated_at"])
    announce_opening(season)  # its opening day may have been brought forward to today
    return season


def announce_opening(season: Season) -> int:
    """Tell everyone who asked to hear about seasons in the territory that registration is
    open, each in their language, once per season (`SeasonAlert.last_told_season`); returns
    how many were told. Called when a season is created or changed and, for a season whose
    registration opens on a later day, by the daily job `announce_open_seasons`."""
    if not registration_is_open(season):
        return 0
    alerts = list(
        SeasonAlert.objects.select_for_update(of=("self",))
        .filter(territory_id=season.territory_id)
        .filter(Q(last_told_season__isnull=True) | Q(last_told_season__lt=season.pk))
        .exclude(user__registrations__season=season)
        .select_related("user")
        .order_by("pk")
    )
    if not alerts:
        return 0
    territory = season.territory
    path = reverse("season_detail", args=[territory.slug, season.pk])
    alert_path = reverse("territory_detail", args=[territory.slug])
    context = {
        "season": season,
        "territory": territory,
        "closes_at": season.registration_closes,
        "first_meetings_at": season.first_week,
        "url": absolute(path),
        "stop_url": absolute(alert_path),
    }
    outbox.queue_emails(
        [render_email(alert.user, "season_opened", context) for alert in alerts],
        topic=f"season-opened:{season.pk}",
        territory=territory,
    )
    SeasonAlert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
        last_told_season=season.pk
    )
    return len(alerts)


def announce_open_seasons() -> int:
    """The daily job: announce every season whose registration opened (idempotent: each
    person is told once per season); returns how many people were told."""
    today = timezone.localdate()
    told = 0
    for season in Season.objects.filter(
        state=SeasonState.OPEN, registration_opens__lte=today, registration_closes__gte=today
    ).select_related("territory"):
        with transaction.atomic():
            told += announce_opening(season)
    return told


@transaction.atomic
def start_composition(season: Season) -> Season:
    """Close registration and compose in the background (open → composing)."""
    current = _locked_season(season)
    registered = Registration.objects.filter(season=current).count()
    if current.state == SeasonState.OPEN and registered < current.min_size:
        raise TooFewPeople(registered, current.min_size)
    if current.state != SeasonState.OPEN:
        raise CannotCompose
    return _enqueue_composition(current, keep_locked=False)


@transaction.atomic
def start_recomposition(season: Season) -> Season:
    """Compose again the circles of a proposal that are not locked (proposed → composing)."""
    current = _locked_season(season)
    if current.state != SeasonState.PROPOSED:
        raise CannotRecompose
    return _enqueue_composition(current, keep_locked=True)


@transaction.atomic
def start_completion(season: Season) -> Season:
    """Place the people a proposal left out, keeping every circle as it is (proposed →
    composing): they join circles with room or form new ones, and nobody already in a
    circle moves. What the analysis' "keeping today's circles" figures predict."""
    current = _locked_season(season)
    if current.state != SeasonState.PROPOSED:
        raise CannotRecompose
    return _enqueue_composition(current, keep_locked=True, keep_all=True)


def _enqueue_composition(current: Season, *, keep_locked: bool, keep_all: bool = False) -> Season:
    lifecycle.transition(current, SeasonState.COMPOSING)
    current.job_keep_locked = keep_locked
    current.job_keep_all = keep_all
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
            "job_keep_all",
        ]
    )
    enqueue_on_commit("compose_season", current.pk)
    return current


@transaction.atomic
def reopen_season(season: Season) -> Season:
    """Send a proposal back: its circles are erased and registration opens again."""
    current = _locked_season(season)
    if not lifecycle.can_transition(current.state, SeasonState.OPEN):
        raise CannotReopen
    lifecycle.transition(current, SeasonState.OPEN)
    Circle.objects.filter(season=current).delete()
    Unplaced.objects.filter(season=current).delete()
    current.job_state = JobState.IDLE
    current.job_progress = 0.0
    current.report = {}
    current.save(update_fields=["job_state", "job_progress", "report"])
    return current


@transaction.atomic
def retry_composition(season: Season) -> Season:
    """Run a stuck composition again now (silent for two heartbeats, or failed while
    composing); the worker of the previous attempt, if it ever wakes up, writes nothing."""
    current = _locked_season(season)
    if current.state != SeasonState.COMPOSING:
        raise NotComposing
    if not jobs.policy.retryable(current.job_state, current.job_heartbeat_at, timezone.now()):
        raise JobAlive
    requeue(current, automatic=False)
    return current


@transaction.atomic
def cancel_composition(season: Season) -> Season:
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
    else:
        queue_joined_receipt(user, current)
    return registration, created


def queue_joined_receipt(user: Any, season: Season) -> None:
    """The receipt of a registration: what happens next, and when (the person's language)."""
    path = reverse("season_detail", args=[season.territory.slug, season.pk])
    context = {
        "season": season,
        "territory": season.territory,
        "late": late_registration_is_open(season),
        "closes_at": season.registration_closes,
        "first_meetings_at": season.first_week,
        "count": season.confirmation_days,  # days to confirm a seat once invited
        "url": absolute(path),
    }
    queue_email_to(
        user, "season_joined", context, topic=topic(season.pk), territory=season.territory
    )


@transaction.atomic
def leave_season(user: Any, season: Season) -> bool:
    """Withdraw before composition starts, or later while still waiting for a seat in a
    published season; returns whether there was a registration."""
    current = _locked_season(season)
    if current.state != SeasonState.OPEN and not (
        late_registration_is_open(current) and not _has_seat(user, current)
    ):
        raise SeasonNotOpen(
            _("The circles are already being composed: ask a facilitator to withdraw you.")
        )
    Unplaced.objects.filter(season=current, user=user).exclude(code__in=GAVE_BACK).delete()
    deleted, _by_model = Registration.objects.filter(season=current, user=user).delete()
    return deleted > 0


# --- Online circles ---


@transaction.atomic
def set_meeting_link(season: Season, circle_id: int, link: str) -> Circle:
    """The facilitator's choice of meeting link for an online circle ("" removes it)."""
    current = _locked_season(season)
    if current.state not in (SeasonState.PROPOSED, SeasonState.PUBLISHED, SeasonState.RUNNING):
        raise SeasonNotOpen(_("This season's circles no longer meet."))
    circle = Circle.objects.get(season=current, pk=circle_id)
    if not circle.online:
        raise NotOnline
    circle.meeting_link = link
    circle.save(update_fields=["meeting_link"])
    return circle
