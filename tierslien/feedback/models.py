"""The end of a season: anonymous feedback, and "keep in touch" wishes.

Anonymous answers are not rows of their own: a season's answers live in one
`FeedbackBag` row, as lists kept in a canonical (sorted) order and rewritten
whole on every answer, and the season's `FeedbackGiven` rows are rewritten in
user order at the same time. Someone who reads the database at one moment —
ids, timestamps, PostgreSQL's xmin and ctid, SQLite's rowid, physical or
insertion order — finds the same state whoever gave which answer, so nothing
matches an answer to its author (docs/feedback.md, "Unlinkable by design").
"""

from __future__ import annotations

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


class FeedbackBag(models.Model):
    """A season's anonymous answers, in one row, in an order that depends on nothing but them.

    `answers` holds `[met_different, felt_safe, come_again]` lists, `comments` the free
    comments, kept apart from the choices (a comment is not tied to its author's choices);
    both are sorted and rewritten whole on every answer.
    """

    season = models.OneToOneField(
        Season, on_delete=models.CASCADE, primary_key=True, related_name="feedback_bag"
    )
    answers = models.JSONField(default=list, blank=True)
    comments = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"feedback of season {self.pk}"


class FeedbackGiven(models.Model):
    """That someone answered a season's form (not what they answered, nor when)."""

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
    # How many people registered and how many were not placed, counted when the purge
    # deletes the registrations and "unplaced" rows (None: not purged yet).
    registered = models.PositiveIntegerField(null=True, blank=True)
    unplaced = models.PositiveIntegerField(null=True, blank=True)
    # {"1": how many members came to session 1, ...} (presence registers, not intentions).
    came = models.JSONField(default=dict, blank=True)
    # The funnel as the report shows it, frozen before the purge (`feedback/funnel.py`):
    # counts already suppressed, no person in it, never a sensitive criterion.
    funnel = models.JSONField(default=dict, blank=True)


class Farewell(models.Model):
    """That a circle's members were told it ended (once per circle; names nobody)."""

    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="farewell")
    sent_at = models.DateTimeField()
