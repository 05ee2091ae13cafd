"""The facilitator's message counts: per channel as soon as another channel than email is used."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tierslien.outbox import services
from tierslien.outbox.models import Channel, Message, MessageState

pytestmark = pytest.mark.django_db


def _row(channel: str, state: str, error: str = "") -> None:
    Message.objects.create(
        channel=channel,
        recipient="x",
        topic="season:1",
        state=state,
        last_error=error,
        message_id=f"<{Message.objects.count()}@test>",
        next_attempt_at="2026-01-01T00:00:00Z",
    )


def _box(counts: Any) -> str:
    with translation.override("en"):
        html = render_to_string(
            "outbox/_counts.html", {"counts": counts, "resend_url": "/r/", "topic_id": "s"}
        )
    return " ".join(html.split())


def test_counts_per_channel_with_the_stopped_texts() -> None:
    _row(Channel.EMAIL, MessageState.SENT)
    _row(Channel.SMS, MessageState.SENT)
    _row(Channel.SMS, MessageState.FAILED, services.STOPPED)
    _row(Channel.SMS, MessageState.FAILED, "PermanentError: gateway refused: HTTP 422")
    _row(Channel.LETTER, MessageState.QUEUED)
    counts = services.counts("season:1")
    assert counts == services.Counts(sent=2, waiting=1, failed=2, stopped=1)
    assert [(c.channel, c.sent, c.waiting, c.failed, c.stopped) for c in counts.by_channel] == [
        ("email", 1, 0, 0, 0),
        ("sms", 1, 0, 2, 1),
        ("letter", 0, 1, 0, 0),
    ]
    box = _box(counts)
    assert "Text message: 1 sent · 0 waiting · 2 failed (1 to a number that answered STOP)" in box
    assert "Letter: 0 sent · 1 waiting · 0 failed" in box
    assert "print queue" in box


def test_email_only_keeps_the_short_box() -> None:
    _row(Channel.EMAIL, MessageState.SENT)
    assert "outbox-channels" not in _box(services.counts("season:1"))
