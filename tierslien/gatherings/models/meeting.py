"""Themed meetings: contributors, applications for seats, quotas, the draw and the table plan.

A themed meeting ("rencontre à thème") is a larger gathering where associations,
professionals or scientists bring informed contributions. Seats are allocated by
a fair lottery with quotas (`tierslien.lottery`) when applications exceed them;
on the day, each table hosts one contributor and citizens mixed by the engine.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tierslien.territories.models import Territory, Venue


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    ALLOCATED = "allocated", _("Seats allocated")
    HELD = "held", _("Held")
    ARCHIVED = "archived", _("Archived")


class DrawMethod(models.TextChoices):
    """Which fair lottery draws the seats (tierslien.lottery; the record names it)."""

    LEXIMIN = "leximin", _("Leximin")
    MAXIMIN = "maximin", _("Maximin")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def with_relations(self) -> MeetingQuerySet:
        return self.select_related("territory", "venue")

    def locked(self, pk: int) -> Meeting:
        """The meeting's row, locked until the end of the transaction (PostgreSQL; SQLite
        serialises writers anyway). Only the meeting's row: its territory and venue are
        read alongside without being locked, so meetings of one territory do not wait
        for each other."""
        return self.select_for_update(of=("self",)).select_related("territory", "venue").get(pk=pk)

    def public(self) -> MeetingQuerySet:
        """Meetings anyone may read about: published, not drafts, not archived."""
        return self.filter(state__in=[MeetingState.OPEN, MeetingState.ALLOCATED, MeetingState.HELD])


class Meeting(models.Model):
    """One themed meeting of a territory. Holds no personal data itself."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="meetings")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="meetings")
    theme = models.CharField(_("theme"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("date and start time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=120,
        validators=[MinValueValidator(30), MaxValueValidator(600)],
    )
    seats = models.PositiveSmallIntegerField(
        _("seats for citizens"), validators=[MinValueValidator(2), MaxValueValidator(2000)]
    )
    registration_opens = models.DateTimeField(_("applications open"))
    registration_closes = models.DateTimeField(_("applications close"))
    # The criteria whose balance matters (quotas are set on their values). Never
    # sensitive ones: the anonymised pool is published for verification.
    criteria = models.ManyToManyField(
        "portraits.Criterion",
        blank=True,
        related_name="meetings",
        verbose_name=_("criteria whose balance matters"),
    )
    # World-café rotations on the day: contributors stay at their table, citizens move.
    rotations = models.PositiveSmallIntegerField(
        _("table rotations"), default=2, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    rotation_minutes = models.PositiveSmallIntegerField(
        _("minutes per rotation"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(180)],
    )
    # The day's rotation timer: which rotation runs and when it ends (0/None: none started).
    current_rotation = models.PositiveSmallIntegerField(default=0)
    rotation_ends_at = models.DateTimeField(null=True, blank=True)
    # Hours a selected applicant has to confirm before their seat goes to the waitlist.
    confirmation_hours = models.PositiveSmallIntegerField(
        _("hours to confirm a seat"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.DRAFT
    )

    # The verifiable draw: the seed is fixed and published (with the anonymised
    # pool and the quotas, frozen at that moment) before the draw happens.
    draw_seed = models.BigIntegerField(null=True, blank=True)
    seed_published_at = models.DateTimeField(null=True, blank=True)
    published_pool = models.JSONField(default=list, blank=True)  # [{"id": pseudonym, key: value}]
    published_quotas = models.JSONField(default=list, blank=True)  # [{criterion, value, min, max}]
    drawn_at = models.DateTimeField(null=True, blank=True)
    min_probability = models.FloatField(null=True, blank=True)
    published_panel = models.JSONField(default=list, blank=True)  # pseudonyms drawn
    # Where a typed-in seed comes from (e.g. "EuroMillions of 2026-12-01"); empty: drawn by
    # the server with `secrets` when published.
    seed_source = models.CharField(max_length=300, blank=True)
    # The whole `tierslien-draw/1` record (panel.json: lottery, ticket, panel, probabilities),
    # what `tierslien-draw --verify` reads; empty when no lottery was needed.
    draw_record = models.JSONField(default=dict, blank=True)
    # The lottery the facilitator chose before the seed was published; the draw may use
    # maximin instead when leximin would not finish in time (`draw_method_note` says why).
    draw_method = models.CharField(
        _("draw method"), max_length=10, choices=DrawMethod.choices, default=DrawMethod.LEXIMIN
    )
    draw_method_note = models.CharField(max_length=300, blank=True)
    # The draw runs in the background: "" (not started), queued, running, failed.
    draw_job = models.CharField(max_length=20, blank=True, default="")
    draw_progress = models.JSONField(default=dict, blank=True)  # {iteration, lower, upper, ...}
    draw_error = models.TextField(blank=True)
    # Recovery (lib/jobs.py): `draw_job` holds a `jobs.JobState` value ("" before any draw);
    # the attempt a worker holds and its last sign of life.
    draw_attempt = models.PositiveIntegerField(default=0)  # grows with every start and retry
    draw_retries = models.PositiveSmallIntegerField(default=0)  # automatic ones, this run
    draw_heartbeat_at = models.DateTimeField(null=True, blank=True)

    opened_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Kept after archiving: how many people were seated and came (no one is named).
    seated_count = models.PositiveIntegerField(default=0)
    attended_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("themed meeting")
        verbose_name_plural = _("themed meetings")

    def __str__(self) -> str:
        return f"{self.theme} ({self.starts_at:%Y-%m-%d})"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def state_label(self) -> str:
        """The state as people read it: an open meeting is "open for applications" only
        between the moments its applications open and close."""
        if self.state == MeetingState.OPEN:
            moment = timezone.now()
            if moment >= self.registration_closes:
                return str(_("Applications closed"))
            if moment < self.registration_opens:
                return str(_("Applications not open yet"))
        return str(self.get_state_display())


class MeetingQuota(models.Model):
    """At least `min_seats` and at most `max_seats` seats for one value of one criterion."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="quotas")
    criterion_key = models.SlugField(max_length=40)
    value = models.CharField(max_length=100)
    min_seats = models.PositiveSmallIntegerField(_("at least"), default=0)
    max_seats = models.PositiveSmallIntegerField(_("at most"))

    class Meta:
        ordering = ["criterion_key", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "criterion_key", "value"], name="unique_meeting_quota"
            ),
            models.CheckConstraint(
                condition=models.Q(min_seats__lte=models.F("max_seats")),
                name="meeting_quota_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_key}={self.value}: {self.min_seats}-{self.max_seats}"


class ContributorKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    PROFESSIONAL = "professional", _("Professional")
    SCIENTIST = "scientist", _("Scientist")
    OTHER = "other", _("Other")


class ContributorStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", pgettext_lazy("contributor status", "Declined")


class ContributorFormat(models.TextChoices):
    TALK = "talk", _("Short talk")
    TABLE = "table", _("Table conversation")
    WORKSHOP = "workshop", _("Workshop")
    DEMONSTRATION = "demonstration", _("Demonstration or exhibition")


class Contributor(models.Model):
    """An association, professional or scientist invited by email; no account needed.

    The invitation link carries a secret token; only its SHA-256 is stored.
    Name and organisation appear on the public meeting page once accepted; the
    email address never does and is erased when the meeting is archived.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="contributors")
    name = models.CharField(_("name"), max_length=120)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ContributorKind.choices, default=ContributorKind.OTHER
    )
    email = models.EmailField(_("email"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=20, choices=ContributorStatus.choices, default=ContributorStatus.INVITED
    )
    invited_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(_("title of the contribution"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    format = models.CharField(
        _("format"), max_length=20, choices=ContributorFormat.choices, blank=True
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SELECTED = "selected", _("Selected, to confirm")
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    DECLINED = "declined", _("Seat declined or not confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def holding_seats(self) -> ApplicationQuerySet:
        return self.filter(status__in=[ApplicationStatus.SELECTED, ApplicationStatus.CONFIRMED])


class Application(models.Model):
    """Someone's application for a seat at a themed meeting.

    `answers` is a snapshot, taken when applying, of the meeting's criteria only
    ({criterion key: value}; a missing key means "prefer not to say"), from the
    person's portrait or answered on the spot. `pseudonym` is the applicant's id in
    the published pool; only they see it.
    """

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("themed meeting"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_applications"
    )
    pseudonym = models.CharField(_("pseudonym in the published pool"), max_length=16)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Random, set when the seed is published: the public pool shows only SHA-256(salt|entry),
    # so only this person (and an auditor given the salts) can check their entry. Deleted
    # with the application: an erased person's entry can no longer be tied to anyone.
    entry_salt = models.CharField(_("salt of the published entry"), max_length=32, blank=True)
    answered_on_the_spot = models.BooleanField(_("answered when applying"), default=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    probability = models.FloatField(_("probability of selection"), null=True, blank=True)
    waitlist_rank = models.PositiveIntegerField(
        _("place on the waiting list"), null=True, blank=True
    )
    applied_at = models.DateTimeField(_("applied on"))
    selected_at = models.DateTimeField(_("selected on"), null=True, blank=True)
    confirm_by = models.DateTimeField(_("to confirm by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined on"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded on"), null=True, blank=True)
    # The last reminder sent ("week", "day", "hours"; "" for none: lib/reminders).
    reminder_sent = models.CharField(max_length=10, blank=True, default="")
    checked_in_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    # Who confirmed or declined the seat, when not the person themselves: a local contact
    # who registered them and whom they asked to answer.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="unique_meeting_application"),
            models.UniqueConstraint(
                fields=["meeting", "pseudonym"], name="unique_meeting_pseudonym"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.pseudonym}"


class TableSeat(models.Model):
    """Who sits at which table in one rotation (numbers start at 1).

    Exactly one of `application` (a citizen) and `contributor` (the table's host) is set.
    """

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="table_seats",
        verbose_name=_("themed meeting"),
    )
    rotation = models.PositiveSmallIntegerField(_("rotation"))
    table = models.PositiveSmallIntegerField(_("table"))
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="table_seats"
    )
    contributor = models.ForeignKey(
        Contributor, on_delete=models.CASCADE, null=True, blank=True, related_name="table_seats"
    )

    class Meta:
        ordering = ["rotation", "table", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(application__isnull=False, contributor__isnull=True)
                    | models.Q(application__isnull=True, contributor__isnull=False)
                ),
                name="table_seat_one_occupant",
            ),
            models.UniqueConstraint(
                fields=["application", "rotation"], name="unique_application_rotation"
            ),
            models.UniqueConstraint(
                fields=["contributor", "rotation"], name="unique_contributor_rotation"
            ),
        ]
        indexes = [models.Index(fields=["meeting", "rotation", "table"])]
