"""Blocks between people, reports to the facilitator, and removals from a circle.

A block is private: the blocked person is never told, and nobody but the
person who blocked sees it. Its only effect is that the composition never
places the two people in the same circle again (a block by either is enough).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Circle


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="unique_block"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")


class Report(models.Model):
    """A member tells the facilitator about a fellow member or one of their messages."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="reports")
    # Kept when the reported person deletes their account: the link becomes NULL and
    # `reported_deleted` says "a deleted account" (privacy.registry blanks their words too).
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_received",
    )
    reported_deleted = models.BooleanField(default=False)
    # A message of the circle's board (spaces app), by id, with its text as it was reported.
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    message_text = models.TextField(blank=True)
    reason = models.TextField(_("what happened"), max_length=1000)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept when the facilitator deletes their account (the link becomes NULL).
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_handled",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "circle"])]

    def __str__(self) -> str:
        return f"report {self.pk}"


class Removal(models.Model):
    """A facilitator removed someone from a circle: kept as the circle's record."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="removals"
    )
    # Kept when the facilitator deletes their account (the link becomes NULL).
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="removals_made",
    )
    removed_at = models.DateTimeField()
    note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["removed_at", "pk"]

    def __str__(self) -> str:
        return f"removal {self.pk}"
