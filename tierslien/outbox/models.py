"""The outbox: every message the platform sends, queued in the transaction that causes it.

A row is written in the same transaction as the change it tells about (a season
published, a seat drawn, a login code asked for), so a change that rolls back
sends nothing and a change that commits cannot lose its message. Workers send
the rows (`services.deliver`), one channel backend per `channel` (`channels.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    """How a message travels; each has a backend in `channels.CHANNELS`.

    `recipient` holds an email address, an E.164 phone number or a postal address.
    """

    EMAIL = "email", pgettext_lazy("channel", "Email")
    SMS = "sms", pgettext_lazy("channel", "Text message")
    LETTER = "letter", pgettext_lazy("channel", "Letter")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    # The person it is for when they have an account (their messages go with it); blank for
    # an evening's attendee or an invited contributor, known by their address only.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    recipient = models.CharField(_("address"), max_length=500)  # on this channel
    sender = models.CharField(max_length=254, blank=True)  # blank: DEFAULT_FROM_EMAIL
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body = models.TextField(blank=True)
    # [{"name", "content", "mimetype", "base64"}]: the .ics of a circle or a meeting.
    attachments = models.JSONField(default=list, blank=True)
    alternatives = models.JSONField(default=list, blank=True)  # [{"content", "mimetype"}]
    headers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, blank=True)  # already rendered in it
    # What the message is about, for counting on the facilitator's pages:
    # "season:12", "meeting:5", "evening:3", "account", "moderation".
    topic = models.CharField(max_length=60, blank=True)
    # The territory whose facilitators print its letters (the print queue's page). A
    # field rather than read from `topic`: some topics ("moderation") name no territory.
    # Referenced by name: the outbox imports no app above it.
    territory = models.ForeignKey(
        "territories.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    urgent = models.BooleanField(default=False)  # login codes: before the bulk
    message_id = models.CharField(max_length=255, unique=True)  # the same on every attempt
    state = models.CharField(
        _("state"), max_length=20, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender's claim: its token and until when it holds the row. Past that, the sender
    # is taken for dead and the row is sent again.
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)  # content erased (retention)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["topic", "state"], name="outbox_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.state})"


class StoppedNumber(models.Model):
    """A phone number that answered STOP: no text message goes to it until it answers START.

    Not in the privacy registry: a number only, linked to no account (a person's account
    may change number, or the number may be someone's who never had one); the gateway's
    replies are its only source. It is kept as long as the person wants no text message.
    """

    phone = models.CharField(_("phone number"), max_length=20, unique=True)
    at = models.DateTimeField(_("stopped on"))

    class Meta:
        verbose_name = _("stopped phone number")
        verbose_name_plural = _("stopped phone numbers")

    def __str__(self) -> str:
        return self.phone
