"""The outbox against a real SMTP server on 127.0.0.1: once each, retried, resent, redelivered."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
import time_machine
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone

from tests.smtp import SmtpServer
from tierslien.outbox import services
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db


def _queue(n: int, *, topic: str = "season:1") -> list[Message]:
    with transaction.atomic():
        return services.queue_emails(
            [
                services.Outgoing(
                    EmailMessage(f"Hello {i}", f"Body {i}", None, [f"p{i}@example.org"])
                )
                for i in range(n)
            ],
            topic=topic,
        )


def _states() -> dict[str, int]:
    out: dict[str, int] = {}
    for state in Message.objects.values_list("state", flat=True):
        out[state] = out.get(state, 0) + 1
    return out


def test_queued_in_the_transaction_and_sent_once_after_commit(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rows = _queue(5)
        assert smtp_server.received == []  # nothing leaves before the commit
    assert smtp_server.recipients() == sorted(f"p{i}@example.org" for i in range(5))
    assert _states() == {MessageState.SENT: 5}
    # Each carries its row's Message-ID; a sweep afterwards sends nothing again.
    ids = {m["Message-ID"] for m in smtp_server.received}
    assert ids == {row.message_id for row in rows}
    assert services.deliver_due().sent == 0
    assert len(smtp_server.received) == 5


def test_a_rolled_back_change_sends_nothing(smtp_server: SmtpServer) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(2)
        raise RuntimeError
    assert Message.objects.count() == 0
    assert services.deliver_due().sent == 0
    assert smtp_server.received == []


def test_attachments_and_alternatives_travel(smtp_server: SmtpServer) -> None:
    email = EmailMultiAlternatives("Invitation", "Text", None, ["a@example.org"])
    email.attach("circle-1.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    email.attach("logo.bin", b"\x00\x01\x02", "application/octet-stream")
    email.attach_alternative("<p>Text</p>", "text/html")
    services.queue_email(email, topic="t")
    assert services.deliver_due().sent == 1
    (received,) = smtp_server.received
    names = [part.get_filename() for part in received.walk() if part.get_filename()]
    assert names == ["circle-1.ics", "logo.bin"]
    parts = {part.get_content_type(): part for part in received.walk()}
    assert parts["application/octet-stream"].get_payload(decode=True) == b"\x00\x01\x02"
    assert "text/html" in parts


def test_a_failing_server_is_retried_with_back_off_then_failed(
    smtp_server: SmtpServer, settings: Any
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 4
    smtp_server.fail_with(data="451 4.3.0 Try again later")
    (row,) = _queue(1)
    start = timezone.now()
    waits = []
    with time_machine.travel(start) as clock:
        for _ in range(3):
            outcome = services.deliver_due()
            assert (outcome.sent, outcome.retrying) == (0, 1)
            row.refresh_from_db()
            assert row.state == MessageState.QUEUED
            assert "451" in row.last_error
            waits.append(row.next_attempt_at - timezone.now())
            assert services.deliver_due().retrying == 0  # not due yet
            clock.move_to(row.next_attempt_at + datetime.timedelta(seconds=1))
        outcome = services.deliver_due()
    assert outcome.failed == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.FAILED, 4)
    minutes = [round(w.total_seconds() / 60) for w in waits]
    assert minutes == [1, 2, 4]  # exponential
    assert smtp_server.received == []


def test_a_refused_address_fails_at_once(smtp_server: SmtpServer) -> None:
    smtp_server.fail_with(rcpt="550 5.1.1 No such user")
    (row,) = _queue(1)
    assert services.deliver_due().failed == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.FAILED, 1)


def test_resend_sends_the_failed_ones_once(
    smtp_server: SmtpServer, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 1
    smtp_server.fail_with(data="451 4.3.0 Down")
    _queue(3, topic="season:7")
    _queue(1, topic="season:8")
    assert services.deliver_due().failed == 4
    assert services.counts("season:7") == services.Counts(failed=3)
    smtp_server.fail_with()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend_failed("season:7") == 3  # on commit: sent at once
    assert len(smtp_server.received) == 3
    assert services.deliver_due().sent == 0
    assert services.counts("season:7") == services.Counts(sent=3)
    assert services.counts("season:8") == services.Counts(failed=1)
    assert smtp_server.recipients() == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert services.resend_failed("season:7") == 0


def test_a_row_left_claimed_by_a_dead_sender_is_sent_after_its_lease(
    smtp_server: SmtpServer,
) -> None:
    rows = _queue(2)
    start = timezone.now()
    with time_machine.travel(start) as clock:
        taken = services.claim()  # a sender claims both rows... and dies
        assert {m.pk for m in taken} == {r.pk for r in rows}
        assert services.deliver_due().sent == 0  # its lease still holds
        clock.move_to(start + services.lease() + datetime.timedelta(seconds=1))
        assert services.deliver_due().sent == 2
        assert services.deliver_due().sent == 0
    assert sorted(smtp_server.recipients()) == ["p0@example.org", "p1@example.org"]
    assert set(Message.objects.values_list("attempts", flat=True)) == {2}


def test_a_sender_whose_row_was_taken_over_does_not_send_it(smtp_server: SmtpServer) -> None:
    (row,) = _queue(1)
    (stale,) = services.claim()
    Message.objects.filter(pk=row.pk).update(claim="someone-else")
    assert services._send_batch([stale]).sent == 0
    assert smtp_server.received == []


def test_retention_erases_what_was_said(smtp_server: SmtpServer, settings: Any) -> None:
    settings.OUTBOX_KEEP_DAYS = 30
    _queue(1)
    assert services.deliver_due().sent == 1
    assert services.erase_old() == 0
    later = timezone.now() + datetime.timedelta(days=31)
    assert services.erase_old(now=later) == 1
    row = Message.objects.get()
    assert (row.subject, row.body, row.recipient, row.state) == ("", "", "", MessageState.SENT)
    assert services.counts("season:1") == services.Counts(sent=1)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="needs row locks and several connections")
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_once(smtp_server: SmtpServer) -> None:
    _queue(40)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            services.deliver_due()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert smtp_server.recipients() == sorted(f"p{i}@example.org" for i in range(40))
    assert _states() == {MessageState.SENT: 40}


def test_a_retry_is_scheduled_when_the_task_backend_can_defer(
    smtp_server: SmtpServer, settings: Any
) -> None:
    from django.tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    smtp_server.fail_with(data="451 4.3.0 Try again later")
    (row,) = _queue(1)
    backend = default_task_backend
    backend.supports_defer = True  # the dummy backend records, as django-tasks-db would run
    try:
        assert services.deliver_due().retrying == 1
    finally:
        backend.supports_defer = False
    row.refresh_from_db()
    (result,) = [r for r in backend.results if r.args == [[row.pk]]]
    assert result.task.run_after == row.next_attempt_at
