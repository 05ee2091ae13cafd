"""Who is missing: the population a territory's pool is compared with, and frozen counts.

`Reference` holds, for one dimension of a territory (its sectors, or one non-sensitive
question), the population's composition as published by a source (a census table, a
town's social observatory). One row per dimension, shares in one JSON object: a source
describes a whole distribution, the shares are validated together (they sum to 100) and
replaced together, never one value at a time.

`PoolSnapshot` holds the counts the "who is missing" page shows, frozen until enough
people have joined or left the pool for a difference between two visits to describe at
least `THRESHOLD` people (see `outreach.missing`). Counts only, nobody in them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Season
from tierslien.territories.models import Territory

# The dimension of the sectors of residence; every other dimension is a criterion's key.
SECTOR_DIMENSION = "sector"


class Reference(models.Model):
    """A territory's population, by the values of one dimension: {value: share in %}."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    # "sector" (values: sector ids) or a criterion key (values: the criterion's options).
    dimension = models.SlugField(_("dimension"), max_length=40)
    shares = models.JSONField(_("shares of the population (%)"), default=dict)
    source = models.CharField(_("source"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["territory", "dimension"], name="unique_reference")
        ]
        verbose_name = _("population reference")
        verbose_name_plural = _("population references")

    def __str__(self) -> str:
        return f"{self.territory} / {self.dimension}"


class PoolSnapshot(models.Model):
    """The counts of a pool (a territory's portraits, or a season's registrations) at one
    moment, as `outreach.missing.take_counts` computed them."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    season = models.ForeignKey(Season, null=True, blank=True, on_delete=models.CASCADE)
    taken_at = models.DateTimeField()
    size = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)
