"""Discovery evenings, their attendees, who came with whom, and the seats of each round."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.territories.models import Territory, Venue


class EveningState(models.TextChoices):
    OPEN = "open", _("Created")
    CHECKING_IN = "checking-in", _("Checking in")
    COMPOSED = "composed", _("Tables composed")
    HELD = "held", _("Held")
    PURGED = "purged", _("Purged")


# Self check-in (an account holder on their own phone) opens this long before the start
# and closes when the last round ends: one has to be in the room, on the evening.
SELF_CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)
# Wrong door codes one account may type for one evening before the door is the only way in.
DOOR_CODE_MAX_MISSES = 5


def new_door_code() -> str:
    """Six digits shown in the room (door and projection pages), typed to check in oneself."""
    return f"{secrets.randbelow(10**6):06d}"


class EveningQuerySet(models.QuerySet["Evening"]):
    def with_relations(self) -> EveningQuerySet:
        return self.select_related("territory", "venue")

    def with_counts(self) -> EveningQuerySet:
        return self.with_relations().annotate(attendee_total=models.Count("attendees"))


class Evening(models.Model):
    """One discovery evening. Holds no personal data itself."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="evenings")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="evenings")
    starts_at = models.DateTimeField(_("date and start time"))
    min_size = models.PositiveSmallIntegerField(
        _("smallest table"), default=4, validators=[MinValueValidator(2), MaxValueValidator(12)]
    )
    max_size = models.PositiveSmallIntegerField(
        _("largest table"), default=5, validators=[MinValueValidator(2), MaxValueValidator(12)]
    )
    rounds = models.PositiveSmallIntegerField(
        _("rounds"), default=2, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    round_minutes = models.PositiveSmallIntegerField(
        _("minutes per round"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(180)],
    )
    state = models.CharField(max_length=20, choices=EveningState.choices, default=EveningState.OPEN)
    # The round whose timer runs (1-based, 0: none yet) and when it ends.
    current_round = models.PositiveSmallIntegerField(default=0)
    round_ends_at = models.DateTimeField(null=True, blank=True)
    composed_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    # Kept after the purge: how many people came (no one is named).
    attendee_count = models.PositiveIntegerField(default=0)
    # Shown only in the room; proves that someone checking in on their phone is there.
    door_code = models.CharField(max_length=6, default=new_door_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EveningQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("discovery evening")
        verbose_name_plural = _("discovery evenings")

    def __str__(self) -> str:
        return f"{self.territory} {self.starts_at:%Y-%m-%d}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.rounds * self.round_minutes)

    @property
    def accepts_check_ins(self) -> bool:
        return self.state in (EveningState.OPEN, EveningState.CHECKING_IN, EveningState.COMPOSED)

    @property
    def self_check_in_opens(self) -> datetime.datetime:
        return self.starts_at - SELF_CHECK_IN_OPENS_BEFORE

    def self_check_in_open(self, now: datetime.datetime) -> bool:
        """Whether an account holder may check in on their own phone at `now`."""
        return self.accepts_check_ins and self.self_check_in_opens <= now <= self.ends_at

    @property
    def round_numbers(self) -> list[int]:
        return list(range(1, self.rounds + 1))


class AttendeeQuerySet(models.QuerySet["Attendee"]):
    def unseated(self) -> AttendeeQuerySet:
        return self.filter(seats__isnull=True)


class Attendee(models.Model):
    """Someone who checked in at the door. Only the first name is ever shown (projected)."""

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evening_attendances",
    )
    first_name = models.CharField(_("first name"), max_length=40)
    email = models.EmailField(_("email (optional)"), blank=True)
    # {criterion key: value}; a missing key means "prefer not to say".
    answers = models.JSONField(default=dict, blank=True)
    checked_in_at = models.DateTimeField()
    invited_at = models.DateTimeField(null=True, blank=True)
    # False: checked in, then marked by a facilitator as not having come (a mistake at the
    # door, or gone before the first round); the check-in stays, for the record.
    came = models.BooleanField(_("came"), default=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        ordering = ["first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evening", "user"],
                condition=models.Q(user__isnull=False),
                name="unique_account_attendee",
            )
        ]

    def __str__(self) -> str:
        return self.first_name


class DoorCodeMiss(models.Model):
    """Wrong door codes typed by one account for one evening (deleted with the evening)."""

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="door_code_misses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="door_code_misses"
    )
    misses = models.PositiveSmallIntegerField(_("wrong codes"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evening", "user"], name="unique_door_code_miss")
        ]


class Companion(models.Model):
    """ "I came with…": seated apart unless they asked to stay together."""

    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="companions")
    other = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="+")
    together = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attendee", "other"], name="unique_companion")
        ]


class SeatQuerySet(models.QuerySet["Seat"]):
    def for_projection(self, evening: Evening, number: int) -> SeatQuerySet:
        return (
            self.filter(evening=evening, round=number)
            .select_related("attendee")
            .order_by("table", "attendee__first_name", "attendee_id")
        )


class Seat(models.Model):
    """Where an attendee sits in one round (round and table numbers start at 1)."""

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="seats")
    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="seats")
    round = models.PositiveSmallIntegerField()
    table = models.PositiveSmallIntegerField()

    objects = SeatQuerySet.as_manager()

    class Meta:
        ordering = ["round", "table", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attendee", "round"], name="unique_seat_per_round")
        ]
        indexes = [models.Index(fields=["evening", "round", "table"])]
