"""One backend per channel: how a queued `Message` actually leaves.

A backend raises `PermanentError` when trying again cannot help (the address is
refused by the receiving server), any other exception for a temporary failure
(server down, timeout): the row is then tried again later with back-off.
Text messages go through the backend `SMS_BACKEND` names (`SMS_BACKENDS`): `console`
(development), `memory` (tests: `sms.sent`), `http` (a gateway). A letter is not posted by
a machine: it waits in the territory's print queue until a facilitator marks it printed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from tierslien.outbox import sms

if TYPE_CHECKING:
    from tierslien.outbox.models import Message


log = logging.getLogger(__name__)


class PermanentError(Exception):
    """Trying again will not help: the message is marked failed at once."""


class Stopped(PermanentError):
    """The number asked for no more text messages (STOP)."""


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


class SmsSender:
    """What every text-message backend shares: never to a number that asked to stop."""

    def send(self, message: Message) -> None:
        from tierslien.outbox.models import StoppedNumber

        if StoppedNumber.objects.filter(phone=message.recipient).exists():
            raise Stopped("stopped")
        self.transmit(message)

    def transmit(self, message: Message) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class ConsoleSms(SmsSender):
    """Development: the text is written to the log, nothing leaves."""

    def transmit(self, message: Message) -> None:
        log.info("SMS to %s:\n%s", message.recipient, message.body)


class MemorySms(SmsSender):
    """Tests: the text is kept in `sms.sent`, like Django's `mail.outbox`."""

    def transmit(self, message: Message) -> None:
        sms.sent.append({"to": message.recipient, "text": message.body, "id": message.message_id})


class HttpSms(SmsSender):
    """A gateway: POST `{"to", "text", "id"}` as JSON to `SMS_GATEWAY_URL` with the bearer
    token. 2xx: sent; 4xx: refused for good (a wrong number); 5xx or no answer: later."""

    def transmit(self, message: Message) -> None:
        payload = {"to": message.recipient, "text": message.body, "id": message.message_id}
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps(payload).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500:
                raise PermanentError(f"gateway refused: HTTP {error.code}") from error
            raise  # 5xx: tried again later


SMS_BACKENDS: dict[str, Callable[[], Sender]] = {
    "console": ConsoleSms,
    "memory": MemorySms,
    "http": HttpSms,
}


def sms_sender() -> Sender:
    return SMS_BACKENDS[settings.SMS_BACKEND]()


CHANNELS: dict[str, Callable[[], Sender]] = {"email": EmailSender, "sms": sms_sender}


def sender_for(channel: str) -> Sender:
    return CHANNELS[channel]()
