"""Reminders a week (first session), a day and two hours before: every member on their
channel, in their language, each once; none for whoever said "I can't"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from tests.cast import Cast
from tests.spaces.conftest import PARIS, Space
from tierslien.outbox import services as outbox
from tierslien.spaces.models import Answer, Attendance, ReminderSent
from tierslien.spaces.services import render_reminder, send_session_reminders

pytestmark = pytest.mark.django_db

FIRST = datetime.datetime(2026, 10, 6, 19, 0, tzinfo=PARIS)  # session 1, Tuesday 6th
SECOND = FIRST + datetime.timedelta(days=7)
MONDAY = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=PARIS)

# GSM 03.38 basic set: a text with anything else is sent as UCS-2 (70 characters a part).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[outbox.Outgoing]:
    """Every Outgoing handed to the outbox (the text-message version included)."""
    seen: list[outbox.Outgoing] = []
    real = outbox.queue_emails

    def spy(outgoing: Any, **kwargs: Any) -> Any:
        items = list(outgoing)
        seen.extend(items)
        return real(items, **kwargs)

    monkeypatch.setattr(outbox, "queue_emails", spy)
    return seen


def _run(now: datetime.datetime, capture: Any) -> int:
    with capture(execute=True):
        return send_session_reminders(now)


def test_a_week_a_day_and_two_hours_before_the_first_session(
    space: Space, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    assert _run(FIRST - datetime.timedelta(days=7, minutes=1), capture) == 0  # not yet
    assert _run(FIRST - datetime.timedelta(days=7), capture) == 2  # both circles
    assert "in a week" in next(m for m in mail.outbox if m.to == [cast.participant.email]).subject
    mail.outbox.clear()
    assert _run(FIRST - datetime.timedelta(days=3), capture) == 0  # once only
    assert _run(FIRST - datetime.timedelta(hours=23, minutes=55), capture) == 2
    assert "tomorrow" in next(m for m in mail.outbox if m.to == [cast.participant.email]).subject
    mail.outbox.clear()
    assert _run(FIRST - datetime.timedelta(hours=3), capture) == 0
    assert _run(FIRST - datetime.timedelta(hours=1, minutes=56), capture) == 2
    today = next(m for m in mail.outbox if m.to == [cast.participant.email])
    assert "today at 19:00" in today.subject and "today, from 19:00 to 20:30" in today.body
    assert len(mail.outbox) == 3  # three members, two circles
    assert _run(FIRST - datetime.timedelta(minutes=5), capture) == 0
    assert _run(FIRST, capture) == 0  # started: nothing more
    kinds = set(ReminderSent.objects.filter(circle=space.circle).values_list("kind", flat=True))
    assert kinds == {"week", "day", "hours"}


def test_no_week_reminder_before_the_later_sessions(
    space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    _run(FIRST + datetime.timedelta(hours=2), capture)  # the first one is over
    mail.outbox.clear()
    # A week before session 2 is session 1: people saw each other then.
    assert _run(SECOND - datetime.timedelta(days=6, hours=22), capture) == 0
    assert _run(SECOND - datetime.timedelta(days=1), capture) == 2
    assert _run(SECOND - datetime.timedelta(hours=2), capture) == 2
    sent = ReminderSent.objects.filter(circle=space.circle, session=2)
    assert set(sent.values_list("kind", flat=True)) == {"day", "hours"}


def test_after_an_outage_only_the_latest_due_reminder_goes(
    space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    assert _run(FIRST - datetime.timedelta(hours=1, minutes=30), capture) == 2
    assert len(mail.outbox) == 3  # one message each, not three
    assert all("today" in m.subject for m in mail.outbox)
    assert _run(FIRST - datetime.timedelta(hours=1), capture) == 0


def test_who_said_i_cant_gets_no_reminder(
    space: Space, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    Attendance.objects.create(
        circle=space.circle,
        user=cast.co_member,
        session=1,
        answer=Answer.NOT_COMING,
        updated_at=MONDAY,
    )
    _run(FIRST - datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    assert cast.co_member.email not in {m.to[0] for m in mail.outbox}
    assert cast.participant.email in {m.to[0] for m in mail.outbox}


def test_each_member_in_their_language_with_a_short_text_version(
    space: Space,
    cast: Cast,
    queued: list[outbox.Outgoing],
    django_capture_on_commit_callbacks: Any,
) -> None:
    cast.co_member.language = "fr"
    cast.co_member.save(update_fields=["language"])
    _run(FIRST - datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    by_address = {item.email.to[0]: item for item in queued}
    english = by_address[cast.participant.email]
    assert "Tuesday 6 October" in english.email.subject
    assert "Tuesday 6 October 2026, from 19:00 to 20:30" in english.email.body
    assert "Médiathèque" in english.email.body and "1 place de la Mairie" in english.email.body
    assert f"/circles/{space.circle.pk}/" in english.email.body
    assert english.user == cast.participant
    assert english.text.startswith("Tiers Lien: your circle meets tomorrow at 19:00")
    french = by_address[cast.co_member.email]
    assert "mardi 6 octobre" in french.email.subject
    assert "demain" in french.text


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("kind", ["week", "day", "hours"])
def test_text_messages_fit_two_parts_in_the_gsm_alphabet(
    space: Space, cast: Cast, language: str, kind: str
) -> None:
    """At most 130 characters (the outbox appends how to stop), no character that would
    switch the message to UCS-2 (ê, â, î, ô, û, ç...), even with a long venue name."""
    cast.venue.name = "Maison des associations et de la vie locale du quartier Est"
    cast.venue.save(update_fields=["name"])
    cast.participant.language = language
    from tierslien.circles.schedule import session_times

    session = session_times(space.season, space.circle.slot)[0]
    space.circle.refresh_from_db()
    text = render_reminder(cast.participant, space.circle, session, kind).text
    assert 0 < len(text) <= 130, text
    assert set(text) <= GSM7, set(text) - GSM7


def test_the_command_sends_the_due_reminders(
    space: Space, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(FIRST - datetime.timedelta(hours=2), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_session_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 3


def test_no_reminder_for_an_unpublished_or_closed_season(
    space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    for state in ("proposed", "purged"):
        space.season.state = state
        space.season.save(update_fields=["state"])
        assert _run(FIRST - datetime.timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
