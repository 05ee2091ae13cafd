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
from dataclasses import dataclass, field
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierslien.outbox import routing, sms
from tierslien.outbox.channels import PermanentError, Sender, Stopped, sender_for
from tierslien.outbox.models import Channel, Message, MessageState, StoppedNumber

log = logging.getLogger(__name__)

# The reason on a text message not sent because its number answered STOP.
STOPPED = "stopped"
# The reason on a letter queued without a territory (its caller passed none).
NO_PRINT_QUEUE = "a letter without a territory: no print queue to wait in"
# Channels whose rows the senders take; a letter waits in the print queue instead.
SENT_BY_MACHINE = (Channel.EMAIL, Channel.SMS)
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
    territory: Any = None,
    email_only: bool = False,
) -> list[Message]:
    """Queue one rendered email (one row per recipient) in the caller's transaction."""
    return queue_emails(
        [Outgoing(email, user)],
        topic=topic,
        language=language,
        urgent=urgent,
        territory=territory,
        email_only=email_only,
    )


def _language(item: Outgoing, language: str | None) -> str:
    return language or getattr(item.user, "language", "") or translation.get_language() or ""


def _email_fields(email: EmailMessage) -> dict[str, Any]:
    return {
        "sender": email.from_email if email.from_email != settings.DEFAULT_FROM_EMAIL else "",
        "subject": str(email.subject),
        "body": str(email.body),
        "attachments": _attachments(email),
        "alternatives": [
            {"content": content, "mimetype": mimetype}
            for content, mimetype in getattr(email, "alternatives", [])
        ],
        "headers": {k: v for k, v in email.extra_headers.items() if k.lower() != "message-id"},
    }


def _for_relay(item: Outgoing, relay: Any, fields: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The message wrapped for the local contact who passes it on: in the relay's language,
    saying whom it is for; the HTML version goes (it is the person's, not the relay's)."""
    name = getattr(item.user, "display_name", "") or str(item.user)
    with translation.override(getattr(relay, "language", "") or settings.LANGUAGE_CODE):
        subject = _("For %(name)s: %(subject)s") % {"name": name, "subject": fields["subject"]}
        intro = _(
            "This is a message for %(name)s, whom you registered: please pass it on to them."
        ) % {"name": name}
        text = _("For %(name)s, to pass on:") % {"name": name}
    wrapped = {
        **fields,
        "subject": subject,
        "body": f"{intro}\n\n-- -- --\n\n{fields['body']}",
        "alternatives": [],
    }
    short = f"{text}\n{item.text or fields['subject']}"
    return wrapped, short


def _rows_for_person(item: Outgoing, language: str, base: dict[str, Any]) -> list[Message]:
    """The one row of a message to a person, on the channel `routing.route` chose."""
    fields = _email_fields(item.email)
    path = routing.route(item.user)
    text = item.text or fields["subject"]
    if not path.possible:
        return [
            Message(
                **base,
                **fields,
                channel=Channel.EMAIL,
                recipient="",
                language=language,
                state=MessageState.FAILED,
                last_error=path.error,
            )
        ]
    receiver = item.user
    if path.relay is not None:
        fields, text = _for_relay(item, path.relay, fields)
        receiver = path.relay
    receiver_language = getattr(receiver, "language", "") or language
    if path.channel == Channel.SMS:
        with translation.override(receiver_language or settings.LANGUAGE_CODE):
            body = sms.fit(text, sms.stop_line())
        stopped = StoppedNumber.objects.filter(phone=path.recipient).exists()
        return [
            Message(
                **base,
                channel=Channel.SMS,
                recipient=path.recipient,
                body=body,
                language=receiver_language,
                state=MessageState.FAILED if stopped else MessageState.QUEUED,
                last_error=STOPPED if stopped else "",
            )
        ]
    if path.channel == Channel.LETTER:
        name = getattr(receiver, "display_name", "") or ""
        # A letter is printed by a territory's facilitators: without a territory nobody
        # would ever see it, so it shows as failed, with why, rather than wait forever.
        unprintable = base["territory"] is None
        return [
            Message(
                **base,
                channel=Channel.LETTER,
                recipient=f"{name}\n{path.recipient}".strip(),
                subject=fields["subject"],
                body=fields["body"],
                language=receiver_language,
                state=MessageState.FAILED if unprintable else MessageState.QUEUED,
                last_error=NO_PRINT_QUEUE if unprintable else "",
            )
        ]
    return [
        Message(
            **base,
            **fields,
            channel=Channel.EMAIL,
            recipient=path.recipient,
            language=receiver_language if path.relay is not None else language,
        )
    ]


def queue_emails(
    outgoing: Iterable[Outgoing],
    *,
    topic: str = "",
    language: str | None = None,
    urgent: bool = False,
    territory: Any = None,
    email_only: bool = False,
) -> list[Message]:
    """Queue rendered messages in the caller's transaction; they are sent after it commits.

    A message to a person goes on their channel (`routing.route`): their email, a text
    message (`Outgoing.text` and how to stop), a letter in `territory`'s print queue, or
    through their local contact. Without a person, or `email_only` (a login code, a link
    to verify an address: only that address can receive it), to the email's addresses.
    """
    now = timezone.now()
    rows = []
    for item in outgoing:
        base = {
            "user": item.user,
            "topic": topic,
            "urgent": urgent,
            "territory": territory,
            "next_attempt_at": now,
        }
        if item.user is not None and not email_only:
            for row in _rows_for_person(item, _language(item, language), base):
                row.message_id = _message_id()
                rows.append(row)
            continue
        email = item.email
        for recipient in [*email.to, *email.cc, *email.bcc]:
            if not recipient:  # someone without an email address (channels: docs/reach.md)
                continue
            rows.append(
                Message(
                    **base,
                    **_email_fields(email),
                    channel=Channel.EMAIL,
                    recipient=recipient,
                    language=_language(item, language),
                    message_id=_message_id(),
                )
            )
    if not rows:
        return []
    created = Message.objects.bulk_create(rows)
    # Letters wait for a facilitator to print them; failed rows (no way, stopped) wait for
    # nobody: only the rest goes to the senders.
    to_send = [
        r for r in created if r.state == MessageState.QUEUED and r.channel in SENT_BY_MACHINE
    ]
    ids = [row.pk for row in to_send]
    if None in ids:  # a database that does not return ids from bulk_create
        ids = list(
            Message.objects.filter(message_id__in=[r.message_id for r in to_send]).values_list(
                "pk", flat=True
            )
        )
    if not ids:
        return created
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
    due = Q(state=MessageState.QUEUED, next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, lease_until__lt=now
    )
    return due & Q(channel__in=SENT_BY_MACHINE)


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
    text = STOPPED if isinstance(error, Stopped) else f"{type(error).__name__}: {error}"[:2000]
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
    stopped: int = 0  # among `failed`: text messages to a number that answered STOP
    channel: str = ""  # "" for every channel together
    # Per channel (those used only), on a topic's total; left out of comparisons.
    by_channel: tuple[Counts, ...] = field(default=(), compare=False)

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.failed

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel else ""


def counts(topic: str) -> Counts:
    """How many messages about `topic` went out, are waiting, failed, per channel (one query).

    A letter is waiting until a facilitator marks it printed.
    """
    rows = (
        Message.objects.filter(topic=topic)
        .values_list("channel", "state", "last_error")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tally: dict[str, dict[str, int]] = {}
    for channel, state, error, n in rows:
        numbers = tally.setdefault(channel, {"sent": 0, "waiting": 0, "failed": 0, "stopped": 0})
        if state == MessageState.SENT:
            numbers["sent"] += n
        elif state == MessageState.FAILED:
            numbers["failed"] += n
            if error == STOPPED:
                numbers["stopped"] += n
        else:
            numbers["waiting"] += n
    by_channel = tuple(
        Counts(
            sent=tally[channel]["sent"],
            waiting=tally[channel]["waiting"],
            failed=tally[channel]["failed"],
            stopped=tally[channel]["stopped"],
            channel=channel,
        )
        for channel in Channel.values
        if channel in tally
    )
    return Counts(
        sent=sum(c.sent for c in by_channel),
        waiting=sum(c.waiting for c in by_channel),
        failed=sum(c.failed for c in by_channel),
        stopped=sum(c.stopped for c in by_channel),
        by_channel=by_channel,
    )


@transaction.atomic
def resend_failed(topic: str, *, acting_user: Any = None) -> int:
    """Queue the failed messages about `topic` again (fresh attempts); returns how many.

    Not the text messages to a number that answered STOP, nor those with no address.
    """
    now = timezone.now()
    ids = list(
        Message.objects.select_for_update()
        .filter(topic=topic, state=MessageState.FAILED, erased_at__isnull=True)
        .exclude(last_error__in=(STOPPED, routing.NO_WAY, NO_PRINT_QUEUE))
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids).update(
        state=MessageState.QUEUED, attempts=0, next_attempt_at=now, last_error=""
    )
    transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


# --- Letters: the territory's print queue -------------------------------------------------


def letters(territory: Any) -> tuple[list[Message], list[Message]]:
    """The territory's letters to print (oldest first), and those printed (latest first)."""
    mine = Message.objects.filter(
        channel=Channel.LETTER, territory=territory, erased_at__isnull=True
    )
    to_print = list(mine.filter(state=MessageState.QUEUED).order_by("created_at", "pk"))
    printed = list(mine.filter(state=MessageState.SENT).order_by("-sent_at", "-pk")[:100])
    return to_print, printed


@transaction.atomic
def mark_printed(territory: Any, ids: Iterable[int]) -> int:
    """Mark these letters of the territory printed (sent); returns how many were waiting."""
    return (
        Message.objects.select_for_update()
        .filter(
            pk__in=list(ids),
            channel=Channel.LETTER,
            territory=territory,
            state=MessageState.QUEUED,
        )
        .update(state=MessageState.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1)
    )


# --- Stop and start: the gateway's replies ------------------------------------------------

STOP_WORDS = frozenset({"STOP", "ARRET", "ARRÊT", "STOP ALL", "STOPALL"})
START_WORDS = frozenset({"START"})


def answer(phone: str, text: str) -> str:
    """A reply from `phone`: STOP (or ARRET, ARRÊT, STOP ALL) stops every later text message
    to it, START undoes it. Returns "stopped", "started" or "" (anything else: ignored)."""
    word = " ".join(text.split()).upper()
    if word in STOP_WORDS:
        StoppedNumber.objects.get_or_create(phone=phone, defaults={"at": timezone.now()})
        return "stopped"
    if word in START_WORDS:
        StoppedNumber.objects.filter(phone=phone).delete()
        return "started"
    return ""


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
