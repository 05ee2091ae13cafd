from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.portraits.catalogue import CATALOGUE_BY_KEY
from tierslien.territories.models import Sector, Territory


class CriterionKind(models.TextChoices):
    CATEGORICAL = "categorical", _("One choice among several")
    ORDINAL = "ordinal", _("A level on a scale")
    NUMERIC = "numeric", _("A number")
    MULTI = "multi", _("Several choices")


class CriterionGoal(models.TextChoices):
    DIVERSE = "diverse", _("Mix people on it")
    SHARED = "shared", _("Members must share it")


class Criterion(models.Model):
    """A question of a territory's self-portrait, and how the mixing uses it."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(_("key"), max_length=40)
    catalogue_key = models.CharField(max_length=40, blank=True)
    label = models.CharField(_("label"), max_length=120)
    question = models.CharField(_("question"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CriterionKind.choices)
    goal = models.CharField(
        _("goal"), max_length=20, choices=CriterionGoal.choices, default=CriterionGoal.DIVERSE
    )
    weight = models.FloatField(
        _("weight"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Reveals opinions or beliefs: asked only after explicit, separate consent."),
    )
    # Set whenever the question is flagged sensitive and never cleared: a question that
    # was sensitive once can never balance a themed meeting's seats (its pool is public).
    ever_sensitive = models.BooleanField(default=False, editable=False)
    # [{"value": "...", "label": "..."}]; ordinal options are listed lowest first.
    options = models.JSONField(_("options"), default=list, blank=True)
    numeric_min = models.FloatField(null=True, blank=True)
    numeric_max = models.FloatField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "key"], name="unique_criterion_key")
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return str(self.display_label)

    @property
    def display_label(self) -> Any:
        entry = CATALOGUE_BY_KEY.get(self.catalogue_key)
        return entry.label if entry else self.label

    @property
    def display_question(self) -> Any:
        entry = CATALOGUE_BY_KEY.get(self.catalogue_key)
        return entry.question if entry else (self.question or self.label)

    def choices(self) -> list[tuple[str, Any]]:
        """(value, translated label) pairs, in order."""
        entry = CATALOGUE_BY_KEY.get(self.catalogue_key)
        translated = {option.value: option.label for option in entry.options} if entry else {}
        return [
            (option["value"], translated.get(option["value"], option["label"]))
            for option in self.options
        ]

    def label_for(self, value: str) -> Any:
        return dict(self.choices()).get(value, value)


class MeetingMode(models.TextChoices):
    IN_PERSON = "in-person", _("In person")
    ONLINE = "online", _("Online")
    EITHER = "either", _("Either")


class Hope(models.TextChoices):
    DISCOVERY = "discovery", _("Discovering other social worlds")
    MUTUAL_HELP = "mutual-help", _("Helping each other with our projects")
    THEME = "theme", _("Talking about a theme that matters to me")


class Portrait(models.Model):
    """What the mixing knows about a person in one territory. Nobody else sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portraits"
    )
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="portraits")
    sector = models.ForeignKey(
        Sector, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    max_km = models.FloatField(
        _("how far I can travel (km)"),
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(200)],
    )
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    meeting_mode = models.CharField(
        _("how I can meet"),
        max_length=20,
        choices=MeetingMode.choices,
        default=MeetingMode.IN_PERSON,
    )
    accessibility_needs = models.JSONField(_("accessibility needs"), default=list, blank=True)
    hopes = models.JSONField(_("what I hope for"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "territory"], name="unique_portrait")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.territory}"


class Answer(models.Model):
    """One answer of a portrait; absence means "prefer not to say"."""

    portrait = models.ForeignKey(Portrait, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="answers")
    # A string (categorical, ordinal), a number (numeric) or a list of strings (multi).
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["portrait", "criterion"], name="unique_answer")
        ]
