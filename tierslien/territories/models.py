from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.lib.slots import ALL_SLOTS


class TerritoryKind(models.TextChoices):
    TOWN = "town", _("Town")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood group")
    RURAL = "rural", _("Rural community of communes")


class Territory(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TerritoryKind.choices)
    description = models.TextField(_("description"), blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Facilitator",
        related_name="facilitated_territories",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name


class Facilitator(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["territory", "user"], name="unique_facilitator")
        ]


latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


class Sector(models.Model):
    """A named area with an approximate centre: where people say they live, never an address."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="sectors")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude of the centre"), validators=latitude_validators)
    longitude = models.FloatField(_("longitude of the centre"), validators=longitude_validators)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="unique_sector_name")
        ]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class Accessibility(models.TextChoices):
    STEP_FREE = "step-free", _("Step-free access")
    ACCESSIBLE_TOILET = "accessible-toilet", _("Accessible toilet")
    HEARING_LOOP = "hearing-loop", _("Hearing loop")
    QUIET = "quiet", _("Quiet room")
    PUBLIC_TRANSPORT = "public-transport", _("Near public transport")
    CHILD_FRIENDLY = "child-friendly", _("Children welcome")


class Venue(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="venues")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.FloatField(_("latitude"), validators=latitude_validators)
    longitude = models.FloatField(_("longitude"), validators=longitude_validators)
    capacity = models.PositiveSmallIntegerField(
        _("circles at the same time"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many circles the venue can host at the same time."),
    )
    opening_slots = models.JSONField(_("weekly opening times"), default=list, blank=True)
    accessibility = models.JSONField(_("accessibility features"), default=list, blank=True)
    nothing_to_buy = models.BooleanField(
        _("nothing to buy"),
        default=False,
        help_text=_("People can meet here without having to buy anything."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    def opening_slot_list(self) -> list[str]:
        return [slot for slot in ALL_SLOTS if slot in set(self.opening_slots)]


class SeasonAlert(models.Model):
    """Someone who asked to be told by email when a season of circles opens for registration
    in a territory. They are told once per season: `last_told_season` is the id of the last
    season announced to them (a plain number: seasons live in a higher app)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="season_alerts"
    )
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True)
    last_told_season = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "territory"], name="unique_season_alert")
        ]
        verbose_name = _("season alert")
        verbose_name_plural = _("season alerts")
