"""The HTTP gateway backend against a real HTTP server on 127.0.0.1 (started by the test)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from tests.cast import Cast
from tierslien.outbox import services
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db


class Gateway:
    """A gateway that records each call and answers `status` (after `delay` seconds)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.calls.append(
                    {
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self) -> Gateway:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    with Gateway() as running:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = running.url
        settings.SMS_GATEWAY_TOKEN = "s3cret-token"
        settings.SMS_GATEWAY_TIMEOUT = 1
        settings.OUTBOX_MAX_ATTEMPTS = 3
        yield running


def _text_to(cast: Cast) -> Message:
    alice = cast.participant
    alice.reach_by, alice.phone = "sms", "+33612345678"
    alice.save()
    with transaction.atomic():
        (row,) = services.queue_emails(
            [services.Outgoing(EmailMessage("S", "B", None, []), alice, "Bonjour")]
        )
    return row


def test_sent_with_the_exact_payload_and_the_token(gateway: Gateway, cast: Cast) -> None:
    row = _text_to(cast)
    assert services.deliver_due().sent == 1
    assert gateway.calls == [
        {
            "path": "/send",
            "authorization": "Bearer s3cret-token",
            "content_type": "application/json",
            "json": {"to": "+33612345678", "text": "Bonjour\nRépondez STOP", "id": row.message_id},
        }
    ]
    assert Message.objects.get(pk=row.pk).state == MessageState.SENT


def test_a_4xx_is_permanent(gateway: Gateway, cast: Cast) -> None:
    gateway.status = 422
    row = _text_to(cast)
    assert services.deliver_due().failed == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.FAILED, 1)
    assert "HTTP 422" in row.last_error


@pytest.mark.parametrize(("status", "delay"), [(503, 0.0), (200, 1.5)])
def test_a_5xx_or_a_timeout_is_tried_again(
    gateway: Gateway, cast: Cast, status: int, delay: float
) -> None:
    gateway.status, gateway.delay = status, delay
    row = _text_to(cast)
    assert services.deliver_due().retrying == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.QUEUED, 1)
    assert row.next_attempt_at > row.created_at
    gateway.status, gateway.delay = 200, 0.0
    Message.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    assert services.deliver_due().sent == 1
    assert len(gateway.calls) == 2
    assert {call["json"]["id"] for call in gateway.calls} == {row.message_id}  # the same id
