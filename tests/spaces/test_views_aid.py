"""Mutual aid: a project or a need, offers of help under it, resolved by its author."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, Space
from tierslien.spaces.models import AidOffer, AidPost

pytestmark = pytest.mark.django_db


def test_a_member_posts_a_need_and_another_offers_help(space: Space, cast: Cast) -> None:
    aid = reverse("circle_aid", args=[space.circle.pk])
    response = password_only(cast.participant).post(
        aid, {"kind": "need", "title": "Moving house", "text": "I need a van on Saturday."}
    )
    assert response.status_code == 302
    post = AidPost.objects.get()
    assert (post.author, post.kind, post.title) == (cast.participant, "need", "Moving house")
    offer = reverse("circle_aid_offer", args=[space.circle.pk, post.pk])
    assert password_only(cast.co_member).post(offer, {"text": "I have a van."}).status_code == 302
    assert AidOffer.objects.get().author == cast.co_member
    page = password_only(cast.participant).get(aid).content.decode()
    assert "Moving house" in page and "I have a van." in page and "Bob" in page


def test_an_invalid_post_or_offer_is_refused(space: Space, cast: Cast) -> None:
    aid = reverse("circle_aid", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert client.post(aid, {"kind": "sale", "title": "x", "text": "y"}).status_code == 200
    assert client.post(aid, {"kind": "project", "title": "", "text": "y"}).status_code == 200
    assert not AidPost.objects.exists()
    post = AidPost.objects.create(
        circle=space.circle,
        author=cast.participant,
        kind="project",
        title="T",
        text="x",
        created_at=NOW,
    )
    offer = reverse("circle_aid_offer", args=[space.circle.pk, post.pk])
    password_only(cast.co_member).post(offer, {"text": "  "})
    assert not AidOffer.objects.exists()


def test_the_author_marks_it_resolved_and_offers_stop(space: Space, cast: Cast) -> None:
    post = AidPost.objects.create(
        circle=space.circle,
        author=cast.participant,
        kind="project",
        title="T",
        text="x",
        created_at=NOW,
    )
    resolve = reverse("circle_aid_resolve", args=[space.circle.pk, post.pk])
    assert password_only(cast.participant).post(resolve).status_code == 302
    post.refresh_from_db()
    assert post.resolved_at == NOW
    offer = reverse("circle_aid_offer", args=[space.circle.pk, post.pk])
    password_only(cast.co_member).post(offer, {"text": "Too late?"})
    assert not AidOffer.objects.exists()
    page = password_only(cast.co_member).get(reverse("circle_aid", args=[space.circle.pk]))
    assert "Resolved" in page.content.decode()
