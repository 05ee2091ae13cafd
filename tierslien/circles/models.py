"""Seasons, who registered for them, and the circles composed from them.

Nothing here is shown to other members: a circle stores counts of distinct
answers (for display), never anybody's answers.
"""

from __future__ import annotations

import datetime
from typing import Final

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.lib import jobs
from tierslien.territories.models import Territory, Venue


class SeasonState(models.TextChoices):
    OPEN = "open", _("Open for registration")
    COMPOSING = "composing", _("Composing the circles")
    PROPOSED = "proposed", _("Circles proposed")
    PUBLISHED = "published", _("Circles published")
    RUNNING = "running", _("Circles meeting")
    CLOSED = "closed", _("Closed")
    PURGED = "purged", _("Closed and erased")


class Rhythm(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every other week")


class JobState(models.TextChoices):
    """The composition's states: those of every background job (`lib/jobs.py`)."""

    IDLE = jobs.JobState.IDLE.value, _("Not started")
    QUEUED = jobs.JobState.QUEUED.value, _("Waiting for the composer")
    RUNNING = jobs.JobState.RUNNING.value, _("Composing")
    DONE = jobs.JobState.DONE.value, _("Done")
    FAILED = jobs.JobState.FAILED.value, _("Failed")


# What a facilitator sets on a season: the season form's fields, and all that
# `create_season` and `update_season` write.
SEASON_SETTINGS: Final = (
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
DEFAULT_CONFIRMATION_DAYS: Final = 7


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class Season(models.Model):
    """A round of circles in a territory, from registration to erasure."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(_("name"), max_length=120)
    registration_opens = models.DateField(_("registration opens"))
    registration_closes = models.DateField(_("registration closes"))
    min_size = models.PositiveSmallIntegerField(
        _("smallest circle"), default=5, validators=[MinValueValidator(3), MaxValueValidator(12)]
    )
    max_size = models.PositiveSmallIntegerField(
        _("largest circle"), default=6, validators=[MinValueValidator(3), MaxValueValidator(12)]
    )
    sessions = models.PositiveSmallIntegerField(
        _("number of meetings"), default=4, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("length of a meeting (minutes)"),
        default=90,
        validators=[MinValueValidator(30), MaxValueValidator(240)],
    )
    rhythm = models.CharField(
        _("rhythm"), max_length=20, choices=Rhythm.choices, default=Rhythm.WEEKLY
    )
    first_week = models.DateField(_("week of the first meetings"))
    confirmation_days = models.PositiveSmallIntegerField(
        _("days to confirm an invitation"),
        default=DEFAULT_CONFIRMATION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    state = models.CharField(
        _("state"), max_length=20, choices=SeasonState.choices, default=SeasonState.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Composition in the background: written by the task, read by the progress page.
    job_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.IDLE)
    job_progress = models.FloatField(default=0.0)
    job_best_score = models.FloatField(null=True, blank=True)
    job_error = models.CharField(max_length=40, blank=True)  # a code, translated when shown
    job_message = models.TextField(blank=True)  # details (the engine's own words)
    job_seed = models.PositiveIntegerField(default=0)
    # Recomposing a proposal: locked circles stay as they are, the rest is composed again.
    job_keep_locked = models.BooleanField(default=False)
    # Completing a proposal: every circle stays as it is, only the people left out are
    # placed (in circles with room, or new ones): the engine's incremental mode.
    job_keep_all = models.BooleanField(default=False)
    job_started_at = models.DateTimeField(null=True, blank=True)
    job_finished_at = models.DateTimeField(null=True, blank=True)
    # Recovery (lib/jobs.py): the attempt a worker holds (its writes are filtered on it)
    # and the last sign of life of that worker.
    job_attempt = models.PositiveIntegerField(default=0)  # grows with every start and retry
    job_retries = models.PositiveSmallIntegerField(default=0)  # automatic ones, this run
    job_heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The engine's report of the proposal (season-wide figures, no person in it).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-registration_opens", "-pk"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == SeasonState.OPEN


class Registration(models.Model):
    """Someone joining a season, with the times and distance they confirmed then."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    availability = models.JSONField(_("weekly availability"), default=list)
    max_km = models.FloatField(
        _("how far I can travel (km)"),
        validators=[MinValueValidator(0), MaxValueValidator(200)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["season", "user"], name="unique_registration")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.season}"

    @property
    def person_id(self) -> str:
        """The opaque id the engine knows this person by."""
        return f"r{self.pk}"


class Circle(models.Model):
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="circles")
    venue = models.ForeignKey(
        Venue, on_delete=models.SET_NULL, null=True, blank=True, related_name="circles"
    )
    slot = models.CharField(_("weekly slot"), max_length=20)
    # An online circle meets without a venue, at its weekly slot, through a link the
    # facilitator chooses; the link is shown only in the circle's private space.
    online = models.BooleanField(_("online"), default=False)
    meeting_link = models.URLField(_("meeting link"), max_length=500, blank=True)
    number = models.PositiveIntegerField(_("number"))
    locked = models.BooleanField(_("locked"), default=False)
    diversity = models.FloatField(_("diversity"), default=0.0)
    # {criterion key: number of distinct answers in the circle}; "sectors" for sectors.
    counts = models.JSONField(default=dict, blank=True)
    # Seats freed after publication (counts only: who declined is not kept here).
    declined = models.PositiveSmallIntegerField(default=0)
    expired = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="unique_circle_number")
        ]
        verbose_name = _("circle")
        verbose_name_plural = _("circles")

    def __str__(self) -> str:
        return f"{self.season} #{self.number}"


class MembershipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INVITED = "invited", _("Waiting for an answer")
    CONFIRMED = "confirmed", _("Confirmed")


class Membership(models.Model):
    """Someone's seat in a circle. Declining (or not answering in time) frees the seat:
    the row is deleted and the person is listed as unplaced with that reason."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_memberships"
    )
    status = models.CharField(
        _("answer"),
        max_length=20,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PROPOSED,
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(_("answer before"), null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Who answered, when not the person themselves: a local contact who registered them and
    # whom they asked to answer (NULL: the person answered, or has not yet).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["circle", "user"], name="unique_membership")]


# `Unplaced.code` of people who gave their seat back after publication: never offered
# another one.
DECLINED: Final = "declined"
EXPIRED: Final = "expired"
GAVE_BACK: Final = (DECLINED, EXPIRED)


class Unplaced(models.Model):
    """Someone the composition could not place, and the engine's reason."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="unplaced")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unplaced_in"
    )
    code = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)  # the engine's English words, for the record
    # A seat declined through a local contact (the membership row is gone): who answered.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["season", "user"], name="unique_unplaced")]
