"""The message board: plain text, newest last, edit and delete one's own, nothing counted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, Space
from tierslien.spaces.models import Message

pytestmark = pytest.mark.django_db


def test_a_member_posts_and_everyone_in_the_circle_reads_it_escaped(
    space: Space, cast: Cast
) -> None:
    board = reverse("circle_board", args=[space.circle.pk])
    response = password_only(cast.participant).post(
        board, {"text": "<b>Hi</b>\nsee you\x00 Tuesday"}
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.text == "<b>Hi</b>\nsee you Tuesday"
    page = password_only(cast.co_member).get(board).content.decode()
    assert "&lt;b&gt;Hi&lt;/b&gt;<br>see you Tuesday" in page
    assert "Alice" in page


def test_messages_are_shown_oldest_first_newest_last(space: Space, cast: Cast) -> None:
    for k, text in enumerate(["first words", "second words"]):
        Message.objects.create(
            circle=space.circle,
            author=cast.participant,
            text=text,
            created_at=NOW.replace(minute=k),
        )
    page = password_only(cast.co_member).get(reverse("circle_board", args=[space.circle.pk]))
    content = page.content.decode()
    assert content.index("first words") < content.index("second words")


def test_an_empty_or_too_long_message_is_refused(space: Space, cast: Cast) -> None:
    board = reverse("circle_board", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert client.post(board, {"text": "   "}).status_code == 200
    assert client.post(board, {"text": "x" * 2001}).status_code == 200
    assert not Message.objects.exists()
    assert client.post(board, {"text": "x" * 2000}).status_code == 302


def test_the_author_edits_their_message(space: Space, cast: Cast) -> None:
    message = Message.objects.create(
        circle=space.circle, author=cast.participant, text="Helo", created_at=NOW
    )
    target = reverse("circle_message_edit", args=[space.circle.pk, message.pk])
    client = password_only(cast.participant)
    assert "Helo" in client.get(target).content.decode()
    assert client.post(target, {"text": ""}).status_code == 200
    response = client.post(target, {"text": "Hello"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.text == "Hello"
    assert message.edited_at == NOW


def test_the_author_deletes_their_message(space: Space, cast: Cast) -> None:
    message = Message.objects.create(
        circle=space.circle, author=cast.participant, text="Oops", created_at=NOW
    )
    target = reverse("circle_message_delete", args=[space.circle.pk, message.pk])
    assert password_only(cast.participant).post(target).status_code == 302
    assert not Message.objects.exists()


def test_the_board_shows_no_counts_and_no_reactions(space: Space, cast: Cast) -> None:
    for k in range(3):
        Message.objects.create(
            circle=space.circle, author=cast.co_member, text=f"words {k}", created_at=NOW
        )
    page = password_only(cast.participant).get(reverse("circle_board", args=[space.circle.pk]))
    content = page.content.decode().lower()
    for word in ("3 messages", "like", "react", "unread", "attach", 'type="file"'):
        assert word not in content
    # only the author sees the edit and delete buttons
    assert "Edit" not in page.content.decode()


def test_others_messages_can_be_reported_not_ones_own(space: Space, cast: Cast) -> None:
    theirs = Message.objects.create(
        circle=space.circle, author=cast.co_member, text="theirs", created_at=NOW
    )
    mine = Message.objects.create(
        circle=space.circle, author=cast.participant, text="mine", created_at=NOW
    )
    page = password_only(cast.participant).get(reverse("circle_board", args=[space.circle.pk]))
    content = page.content.decode()
    assert f"/messages/{theirs.pk}/report/" in content
    assert f"/messages/{mine.pk}/report/" not in content
