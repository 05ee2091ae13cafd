"""One backend per channel: how a queued `Message` actually leaves.

A backend raises `PermanentError` when trying again cannot help (the address is
refused by the receiving server), any other exception for a temporary failure
(server down, timeout): the row is then tried again later with back-off.
Adding text messages or letters = a `Channel` value and a backend here.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from django.core import mail
from django.core.mail import EmailMultiAlternatives

if TYPE_CHECKING:
    from tierslien.outbox.models import Message


class PermanentError(Exception):
    """Trying again will not help: the message is marked failed at once."""


class Sender(Protocol):
    """Sends messages of one channel; opened once for a batch, closed after it."""

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


def email_of(message: Message) -> EmailMultiAlternatives:
    """The email of a row, with its own Message-ID (the same on every attempt)."""
    headers = {**message.headers, "Message-ID": message.message_id}
    email = EmailMultiAlternatives(
        message.subject,
        message.body,
        message.sender or None,
        [message.recipient],
        headers=headers,
    )
    for part in message.alternatives:
        email.attach_alternative(part["content"], part["mimetype"])
    for item in message.attachments:
        content: str | bytes = item["content"]
        if item.get("base64"):
            content = base64.b64decode(item["content"])
        email.attach(item["name"], content, item["mimetype"])
    return email


class EmailSender:
    """Through Django's default mailer (SMTP in production), one connection per batch."""

    def __init__(self) -> None:
        self.connection = mail.mailers.default

    def send(self, message: Message) -> None:
        try:
            self.connection.open()  # kept open for the rest of the batch
            sent = self.connection.send_messages([email_of(message)])
            if not sent:
                raise PermanentError("no recipient")
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            self.close()
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentError(f"recipient refused: {error.recipients}") from error
            raise
        except Exception:
            self.close()  # a broken connection is opened again for the next message
            raise

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection
            self.connection.close()


CHANNELS: dict[str, Callable[[], Sender]] = {"email": EmailSender}


def sender_for(channel: str) -> Sender:
    return CHANNELS[channel]()
