"""The territory's print queue: letters listed, printed on A4, marked printed (= sent)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, make_territory
from tests.html.test_valid_html import VNU, validate
from tierslien.outbox import services
from tierslien.outbox.models import Message, MessageState

pytestmark = pytest.mark.django_db
ADDRESS = "3 rue des Lilas\n12345 Val-de-Lien"


def _letter(user: Any, territory: Any, subject: str = "Your circle") -> Message:
    with transaction.atomic():
        (row,) = services.queue_emails(
            [services.Outgoing(EmailMessage(subject, "Hello,\n\nThe body.", None, []), user)],
            topic="season:1",
            territory=territory,
        )
    return row


@pytest.fixture
def alice(cast: Cast) -> Any:
    user = cast.participant
    user.reach_by, user.postal_address = "post", ADDRESS
    user.save()
    return user


def test_letters_to_print_then_marked_printed(
    cast: Cast, alice: Any, client_as: Callable[[str], Client]
) -> None:
    mine = _letter(alice, cast.territory)
    elsewhere = _letter(alice, make_territory("Ailleurs", "ailleurs"), subject="Not ours")
    facilitator = client_as("facilitator")
    url = reverse("manage_letters", args=[cast.territory.slug])
    page = facilitator.get(url).content.decode()
    assert 'class="letter"' in page and "Your circle" in page and "Not ours" not in page
    assert "3 rue des Lilas<br>12345 Val-de-Lien" in page
    assert "css/letters.css" in page  # one letter per A4 page, address in the window
    assert services.counts("season:1").waiting == 2

    response = facilitator.post(
        reverse("manage_letters_printed", args=[cast.territory.slug]),
        {"letter": [mine.pk, elsewhere.pk]},  # another territory's letter is not touched
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (mine.state, elsewhere.state) == (MessageState.SENT, MessageState.QUEUED)
    assert mine.sent_at is not None
    page = facilitator.get(url).content.decode()
    assert "No letter to print." in page or "Aucune lettre à imprimer." in page
    assert 'class="printed-letter"' in page  # still there, to print again
    counts = services.counts("season:1")
    assert [(c.channel, c.sent, c.waiting) for c in counts.by_channel] == [("letter", 1, 1)]


def test_marking_twice_counts_once(cast: Cast, alice: Any) -> None:
    row = _letter(alice, cast.territory)
    assert services.mark_printed(cast.territory, [row.pk]) == 1
    assert services.mark_printed(cast.territory, [row.pk]) == 0


@pytest.mark.skipif(not VNU.exists() or shutil.which("java") is None, reason="no Nu checker")
def test_the_print_queue_is_valid_html(
    cast: Cast, alice: Any, client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    printed = _letter(alice, cast.territory, subject="Printed before")
    services.mark_printed(cast.territory, [printed.pk])
    _letter(alice, cast.territory)
    page = tmp_path / "letters.html"
    page.write_text(
        client_as("facilitator")
        .get(reverse("manage_letters", args=[cast.territory.slug]))
        .content.decode()
    )
    assert validate({page: "letters"}) == []
