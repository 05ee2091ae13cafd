"""Queueing messages and delivering them: never lost, sent once in all but one case.

- `queue_email` writes one row per recipient inside the caller's transaction and,
  once it commits, enqueues `tasks.deliver_messages` for those rows: they leave
  within seconds, and the web request never waits for the mail server.
- `deliver_due` is the sweep a periodic job runs (and `manage.py deliver_outbox`):
  rows due (new, or waiting for their next attempt) and rows whose sender died.
- A sender *claims* rows before sending: in one short transaction it picks them
  (`select_for_update(skip_locked=True)` on PostgreSQL: two senders never pick
  the same row) and marks them `sending`, with its token and a lease. Each row's
  lease is renewed just before its message leaves; a sender that dies leaves the
  row `sending` with a lease that expires, and the next sweep sends it again.
- The trade-off at the SMTP boundary: a row is marked `sent` only after the mail
  server accepted the message. A sender killed between the two sends that message
  twice (at least once, never lost); marking it first would lose it instead. Both
  copies carry the row's Message-ID, so mail servers and readers can recognise
  the duplicate. Nothing else sends twice: the claim is a compare-and-set.
- A failure is retried with exponential back-off (`backoff`), up to
  `OUTBOX_MAX_ATTEMPTS`; then, or at once when the server refuses the address,
  the row is `failed` and the facilitator can send it again (`resend_failed`).
"""

from __future__ import annotations

import base64
import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation

from tierslien.outbox.channels import PermanentError, Sender, sender_for
from tierslien.outbox.models import Channel, Message, MessageState

log = logging.getLogger(__name__)

BATCH = 10  # rows claimed at once: with a 20 s SMTP timeout, well inside one lease


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def max_attempts() -> int:
    return int(settings.OUTBOX_MAX_ATTEMPTS)


def keep_days() -> int:
    return int(settings.OUTBOX_KEEP_DAYS)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt `attempts + 1`: 1, 2, 4, 8, 16 minutes... at most 6 hours."""
    base = float(settings.OUTBOX_BACKOFF_SECONDS)
    return datetime.timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 6 * 3600))


def _message_id() -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<{uuid.uuid4().hex}@{host or 'tierslien.localhost'}>"


def _attachments(email: EmailMessage) -> list[dict[str, Any]]:
    out = []
    for item in email.attachments:
        if isinstance(item, MIMEBase):  # not used by us; refuse rather than lose it
            raise TypeError("MIME attachments cannot be queued; pass (name, content, mimetype)")
        name, content, mimetype = item
        if isinstance(content, bytes):
            encoded = base64.b64encode(content).decode("ascii")
            out.append({"name": name, "content": encoded, "mimetype": mimetype, "base64": True})
        else:
            out.append({"name": name, "content": content, "mimetype": mimetype})
    return out


@dataclass(frozen=True)
class Outgoing:
    """A rendered message and whom it is for (their account, when they have one).

    `email` is the full message (a letter prints its subject and body); `text` is the
    short text-message version, for people reached by SMS (the outbox adds how to stop).
    """

    email: EmailMessage
    user: Any = None
    text: str = ""


def queue_email(
    email: EmailMessage,
    *,
    topic: str = "",
    user: Any = None,
    language: str | None = None,
    urgent: bool = False,
) -> list[Message]:
    """Queue one rendered email (one row per recipient) in the caller's transaction."""
    return queue_emails([Outgoing(email, user)], topic=topic, language=language, urgent=urgent)


def queue_emails(
    outgoing: Iterable[Outgoing],
    *,
    topic: str = "",
    language: str | None = None,
    urgent: bool = False,
) -> list[Message]:
    """Queue rendered emails in the caller's transaction; they are sent after it commits."""
    now = timezone.now()
    rows = []
    for item in outgoing:
        email = item.email
        alternatives = [
            {"content": content, "mimetype": mimetype}
            for content, mimetype in getattr(email, "alternatives", [])
        ]
        headers = {k: v for k, v in email.extra_headers.items() if k.lower() != "message-id"}
        for recipient in [*email.to, *email.cc, *email.bcc]:
            if not recipient:  # someone without an email address (channels: docs/reach.md)
                continue
            rows.append(
                Message(
                    channel=Channel.EMAIL,
                    user=item.user,
                    recipient=recipient,
                    sender=email.from_email
                    if email.from_email != settings.DEFAULT_FROM_EMAIL
                    else "",
                    subject=str(email.subject),
                    body=str(email.body),
                    attachments=_attachments(email),
                    alternatives=alternatives,
                    headers=headers,
                    language=language
                    or getattr(item.user, "language", "")
                    or translation.get_language()
                    or "",
                    topic=topic,
                    urgent=urgent,
                    message_id=_message_id(),
                    next_attempt_at=now,
                )
            )
    if not rows:
        return []
    created = Message.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    if None in ids:  # a database that does not return ids from bulk_create
        ids = list(
            Message.objects.filter(message_id__in=[r.message_id for r in rows]).values_list(
                "pk", flat=True
            )
        )
    transaction.on_commit(lambda: _enqueue(ids, urgent=urgent))
    return created


def _enqueue(ids: Sequence[int], *, urgent: bool = False) -> None:
    from tierslien.outbox.tasks import deliver_messages

    try:
        job = deliver_messages.using(priority=10) if urgent else deliver_messages
        job.enqueue(list(ids))
    except Exception:  # the sweep sends them anyway
        log.exception("outbox: could not enqueue the delivery of %s messages", len(ids))


# --- Delivery -----------------------------------------------------------------------------


def _claimable(now: datetime.datetime) -> Q:
    return Q(state=MessageState.QUEUED, next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, lease_until__lt=now
    )


def claim(
    *, ids: Sequence[int] | None = None, limit: int = BATCH, now: datetime.datetime | None = None
) -> list[Message]:
    """Take up to `limit` rows due for sending: marked `sending` under this sender's token."""
    moment = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Message.objects.filter(_claimable(moment))
        if ids is not None:
            due = due.filter(pk__in=ids)
        picked = list(
            due.order_by("-urgent", "next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        # Compare-and-set: on SQLite (no row locks) another sender may have taken a row
        # since it was read; the condition is checked again by the update itself.
        Message.objects.filter(_claimable(moment), pk__in=picked).update(
            state=MessageState.SENDING,
            claim=token,
            lease_until=moment + lease(),
            attempts=F("attempts") + 1,
        )
    return list(Message.objects.filter(claim=token, state=MessageState.SENDING).order_by("pk"))


def _still_mine(message: Message) -> bool:
    """Renew the lease just before sending; False when another sender took the row over."""
    return bool(
        Message.objects.filter(
            pk=message.pk, claim=message.claim, state=MessageState.SENDING
        ).update(lease_until=timezone.now() + lease())
    )


def _sent(message: Message) -> None:
    Message.objects.filter(pk=message.pk, claim=message.claim).update(
        state=MessageState.SENT,
        sent_at=timezone.now(),
        claim="",
        lease_until=None,
        last_error="",
    )


def _retry_later(ids: Sequence[int], at: datetime.datetime) -> None:
    """A deferred delivery task for messages to try again (when the task backend can defer,
    as django-tasks-db does): retries do not wait for the sweep, which remains the safety net."""
    from tierslien.outbox.tasks import deliver_messages

    try:
        if deliver_messages.get_backend().supports_defer:
            deliver_messages.using(run_after=at).enqueue(list(ids))
    except Exception:  # the sweep sends them anyway
        log.exception("outbox: could not schedule the retry of %s messages", len(ids))


def _failed(message: Message, error: BaseException, *, permanent: bool) -> str:
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    if permanent or message.attempts >= max_attempts():
        state = MessageState.FAILED
        next_at = message.next_attempt_at
    else:
        state = MessageState.QUEUED
        next_at = now + backoff(message.attempts)
    Message.objects.filter(pk=message.pk, claim=message.claim).update(
        state=state, next_attempt_at=next_at, claim="", lease_until=None, last_error=text
    )
    if state == MessageState.QUEUED:
        _retry_later([message.pk], next_at)
    return str(state)


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: Delivered) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed


def _send_batch(batch: list[Message]) -> Delivered:
    outcome = Delivered()
    senders: dict[str, Sender] = {}
    try:
        for message in batch:
            if not _still_mine(message):
                continue
            sender = senders.get(message.channel)
            if sender is None:
                sender = senders[message.channel] = sender_for(message.channel)
            try:
                sender.send(message)
            except PermanentError as error:
                _failed(message, error, permanent=True)
                outcome.failed += 1
                continue
            except Exception as error:
                # The error's kind only: a mail server's answer often quotes the address,
                # which stays on the row (erased with it), never in the logs.
                log.warning("outbox: message %s not sent: %s", message.pk, type(error).__name__)
                if _failed(message, error, permanent=False) == MessageState.FAILED:
                    outcome.failed += 1
                else:
                    outcome.retrying += 1
                continue
            _sent(message)  # after the server accepted it: at least once (see above)
            outcome.sent += 1
    finally:
        for sender in senders.values():
            sender.close()
    return outcome


def deliver(ids: Sequence[int]) -> Delivered:
    """Send these rows now if they are due (the task enqueued when they were queued)."""
    outcome = Delivered()
    remaining = list(ids)
    while remaining:
        batch = claim(ids=remaining[: BATCH * 5])
        if not batch:
            remaining = remaining[BATCH * 5 :]
            continue
        taken = {m.pk for m in batch}
        remaining = [pk for pk in remaining if pk not in taken]
        outcome.add(_send_batch(batch))
    return outcome


def deliver_due(*, limit: int = 1000) -> Delivered:
    """The sweep: send every row due, and rows whose sender died; at most `limit` rows."""
    outcome = Delivered()
    done = 0
    while done < limit:
        batch = claim(limit=min(BATCH, limit - done))
        if not batch:
            break
        done += len(batch)
        outcome.add(_send_batch(batch))
    return outcome


# --- For the facilitator ------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    sent: int = 0
    waiting: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.failed


def counts(topic: str) -> Counts:
    """How many messages about `topic` went out, are waiting, failed (one query)."""
    by_state = dict(
        Message.objects.filter(topic=topic)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return Counts(
        sent=by_state.get(MessageState.SENT, 0),
        waiting=by_state.get(MessageState.QUEUED, 0) + by_state.get(MessageState.SENDING, 0),
        failed=by_state.get(MessageState.FAILED, 0),
    )


@transaction.atomic
def resend_failed(topic: str, *, acting_user: Any = None) -> int:
    """Queue the failed messages about `topic` again (fresh attempts); returns how many."""
    now = timezone.now()
    ids = list(
        Message.objects.select_for_update()
        .filter(topic=topic, state=MessageState.FAILED, erased_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids).update(
        state=MessageState.QUEUED, attempts=0, next_attempt_at=now, last_error=""
    )
    transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


# --- Retention ----------------------------------------------------------------------------


def erase_old(*, now: datetime.datetime | None = None) -> int:
    """Erase what was said in messages sent or failed more than `OUTBOX_KEEP_DAYS` ago.

    The row stays (the facilitator's counts), without subject, body or attachments; the
    address too is blanked when no account holds it (an evening's attendee).
    """
    moment = now or timezone.now()
    old = Message.objects.filter(
        state__in=(MessageState.SENT, MessageState.FAILED),
        created_at__lt=moment - datetime.timedelta(days=keep_days()),
        erased_at__isnull=True,
    )
    erased = old.update(
        subject="", body="", attachments=[], alternatives=[], headers={}, erased_at=moment
    )
    Message.objects.filter(user__isnull=True, erased_at=moment).update(recipient="")
    return erased


def erase_topic(topic: str) -> int:
    """Delete every message about `topic` now (an evening purged: its attendees' addresses)."""
    deleted, _ = Message.objects.filter(topic=topic).delete()
    return deleted
