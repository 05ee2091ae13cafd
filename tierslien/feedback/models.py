"""The end of a season: anonymous feedback, and "keep in touch" wishes.

`Feedback` has no link to a person, no circle and no time: its primary key is
random, so neither its order nor a timestamp can be matched with the separate
`FeedbackGiven` rows that only stop someone from answering twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Circle, Season


class Met(models.TextChoices):
    YES = "yes", _("Yes, several")
    SOME = "some", _("One or two")
    NO = "no", _("Not really")


class Felt(models.TextChoices):
    YES = "yes", _("Yes")
    MOSTLY = "mostly", _("Mostly")
    NO = "no", _("No")


class Again(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


class Feedback(models.Model):
    """One anonymous answer to the end-of-season form."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="feedback")
    met_different = models.CharField(max_length=10, choices=Met.choices)
    felt_safe = models.CharField(max_length=10, choices=Felt.choices)
    come_again = models.CharField(max_length=10, choices=Again.choices)
    comment = models.TextField(blank=True, max_length=2000)

    def __str__(self) -> str:
        return f"feedback {self.pk}"


class FeedbackGiven(models.Model):
    """That someone answered a season's form (not what they answered)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_given"
    )
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="feedback_given")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "season"], name="unique_feedback_given")
        ]


class KeepInTouch(models.Model):
    """`from_user` would like to see `to_user` again; revealed only if the wish is mutual."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keep_in_touch_sent"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keep_in_touch_received"
    )
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="keep_in_touch")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_user", "to_user", "circle"], name="unique_keep_in_touch"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_user=models.F("to_user")), name="keep_in_touch_not_self"
            ),
        ]


class SeasonTally(models.Model):
    """Anonymous counts kept by the purge, once what they were counted from is erased."""

    season = models.OneToOneField(Season, on_delete=models.CASCADE, related_name="tally")
    # {"1": how many members said they would come to session 1, ...}
    attendance = models.JSONField(default=dict, blank=True)
