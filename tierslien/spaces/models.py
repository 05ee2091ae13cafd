"""What a circle's members write and decide in their private space.

Everything here belongs to one circle and is deleted with the circle's content
(`services.delete_circle_content`) once the season is over; every link to a
person cascades, so deleting an account removes what they wrote.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Circle
from tierslien.lib import reminders

INTRO_MAX = 500
MESSAGE_MAX = 2000
AID_TEXT_MAX = 2000
AID_TITLE_MAX = 120
OFFER_MAX = 1000


class PactAcceptance(models.Model):
    """A member accepted the circle's pact (asked on their first visit)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="pact_acceptances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pact_acceptances"
    )
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="unique_pact_acceptance")
        ]


class Introduction(models.Model):
    """The short introduction a member chooses to share with their circle."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="introductions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_introductions"
    )
    text = models.TextField(_("my introduction"), max_length=INTRO_MAX, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="unique_introduction")
        ]


class Answer(models.TextChoices):
    COMING = "coming", _("I'll come")
    NOT_COMING = "not_coming", _("I can't")


class Attendance(models.Model):
    """A member's "I'll come / I can't" for one session of their circle."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_attendances"
    )
    session = models.PositiveSmallIntegerField()  # 1-based, as in circles.schedule
    answer = models.CharField(max_length=20, choices=Answer.choices)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user", "session"], name="unique_attendance")
        ]


class CalendarToken(models.Model):
    """The secret in a member's calendar feed address (revocable: a new one replaces it)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="calendar_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="unique_calendar_token")
        ]


class Message(models.Model):
    """A plain-text message on a circle's board (`spaces.Message`, the name others report)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_messages"
    )
    text = models.TextField(_("message"), max_length=MESSAGE_MAX)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.text[:40]


class AidKind(models.TextChoices):
    PROJECT = "project", _("A project")
    NEED = "need", _("A need")


class AidPost(models.Model):
    """A member's project or need, for which others in the circle offer help."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="aid_posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_aid_posts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AidKind.choices)
    title = models.CharField(_("title"), max_length=AID_TITLE_MAX)
    text = models.TextField(_("text"), max_length=AID_TEXT_MAX)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class AidOffer(models.Model):
    """An offer of help under a mutual-aid post."""

    post = models.ForeignKey(AidPost, on_delete=models.CASCADE, related_name="offers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_aid_offers"
    )
    text = models.TextField(_("offer"), max_length=OFFER_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class ReminderKind(models.TextChoices):
    """How long before a session a reminder goes (`lib/reminders.BEFORE`)."""

    WEEK = reminders.WEEK, _("A week before")
    DAY = reminders.DAY, _("The day before")
    HOURS = reminders.HOURS, _("Two hours before")


class ReminderSent(models.Model):
    """One reminder of a circle's session went out (so each goes out once)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="reminders_sent")
    session = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=ReminderKind.choices, default=ReminderKind.DAY)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "session", "kind"], name="unique_reminder_kind_sent"
            )
        ]


class RecordedBy(models.TextChoices):
    """Who ticked a presence: the role only, not the account (nobody needs more)."""

    MEMBER = "member", _("a member of the circle")
    RELAY = "relay", _("their local contact")
    FACILITATOR = "facilitator", _("a facilitator")


class Presence(models.Model):
    """Whether a member came to one session (no row: unknown). Never shown to members.

    Counted anonymously into the season's tally, then deleted with the circle's content.
    """

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_presences"
    )
    session = models.PositiveSmallIntegerField()  # 1-based, as in circles.schedule
    came = models.BooleanField(_("came"))
    recorded_by = models.CharField(max_length=20, choices=RecordedBy.choices)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user", "session"], name="unique_presence")
        ]


class PresenceSheet(models.Model):
    """A member filled in the circle's sheet for a session (once: then it is closed to
    members; who filled it is not kept)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="presence_sheets")
    session = models.PositiveSmallIntegerField()
    filled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "session"], name="unique_presence_sheet")
        ]
