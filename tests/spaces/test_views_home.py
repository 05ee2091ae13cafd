"""The circle's home, introductions, the session guide and leaving the circle."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import password_only
from tests.spaces.conftest import NOW, Space
from tierslien.circles.models import Membership
from tierslien.portraits.models import Answer, Criterion
from tierslien.spaces.models import (
    AidOffer,
    AidPost,
    Attendance,
    Introduction,
    Message,
    PactAcceptance,
)

pytestmark = pytest.mark.django_db


def test_my_circles_lists_the_circles_i_belong_to(space: Space, cast: Cast) -> None:
    page = password_only(cast.participant).get(reverse("my_circles")).content.decode()
    assert reverse("circle_home", args=[space.circle.pk]) in page
    assert reverse("circle_home", args=[space.other_circle.pk]) not in page
    empty = password_only(cast.outsider).get(reverse("my_circles")).content.decode()
    assert "not in a circle yet" in empty


def test_home_shows_members_intros_and_next_sessions_never_portraits(
    space: Space, cast: Cast
) -> None:
    criterion = Criterion.objects.get(territory=cast.territory, key="occupation")
    portrait = cast.co_member.portraits.get()
    Answer.objects.create(portrait=portrait, criterion=criterion, value="secret-answer-7")
    Introduction.objects.create(
        circle=space.circle, user=cast.co_member, text="I keep bees.", updated_at=NOW
    )
    page = password_only(cast.participant).get(reverse("circle_home", args=[space.circle.pk]))
    content = page.content.decode()
    assert "Alice" in content and "Bob" in content and "I keep bees." in content
    assert "Tuesday 6 October 2026, 19:00" in content
    assert "secret-answer-7" not in content
    assert space.stranger.display_name not in content
    assert cast.co_member.email not in content


def test_home_tells_why_together_in_counts_never_answers(space: Space, cast: Cast) -> None:
    criterion = Criterion.objects.get(territory=cast.territory, key="occupation")
    for user, value in [(cast.participant, "2"), (cast.co_member, "5")]:
        Answer.objects.update_or_create(
            portrait=user.portraits.get(), criterion=criterion, defaults={"value": value}
        )
    content = (
        password_only(cast.participant)
        .get(reverse("circle_home", args=[space.circle.pk]))
        .content.decode()
    )
    assert "Why you are together" in content
    assert "Your circle brings together 2 people." in content
    assert "Occupation: 2 different answers among you." in content
    assert "Others you have never been in a circle with: 1 out of 1." in content
    assert reverse("how_it_works") in content
    label = str(criterion.label_for("5"))
    assert label not in content


def test_a_member_writes_their_introduction(space: Space, cast: Cast) -> None:
    target = reverse("circle_intro", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert client.post(target, {"text": "x" * 501}).status_code == 200
    assert client.post(target, {"text": "  I cook.  "}).status_code == 302
    assert Introduction.objects.get().text == "I cook."
    assert "I cook." in client.get(target).content.decode()


def test_the_guide_shows_the_opening_protocols_and_timer_without_javascript(
    space: Space, cast: Cast
) -> None:
    page = password_only(cast.participant).get(reverse("circle_guide", args=[space.circle.pk]))
    content = page.content.decode()
    assert "Welcome." in content
    assert "A round of sharing" in content and "One person at a time" in content
    assert "04:00" in content  # the round's suggested time
    assert "<script" not in content.split("</main>")[0]  # no inline script in the page body
    assert "spaces/timer.js" in content


def test_the_timer_takes_the_time_and_order_from_the_form(space: Space, cast: Cast) -> None:
    page = password_only(cast.participant).get(
        reverse("circle_guide", args=[space.circle.pk]),
        {"protocol": "one", "minutes": "7", "names": "Zoé\nBob\n\nAlice"},
    )
    content = page.content.decode()
    assert 'data-minutes="7"' in content and "07:00" in content
    assert content.index("<li>Zoé</li>") < content.index("<li>Bob</li>")
    invalid = password_only(cast.participant).get(
        reverse("circle_guide", args=[space.circle.pk]), {"minutes": "-3"}
    )
    assert invalid.status_code == 200 and "04:00" in invalid.content.decode()


def test_leaving_needs_confirmation(space: Space, cast: Cast) -> None:
    target = reverse("circle_leave", args=[space.circle.pk])
    client = password_only(cast.participant)
    assert "deleted" in client.get(target).content.decode()
    assert client.post(target, {}).status_code == 200
    assert Membership.objects.filter(circle=space.circle, user=cast.participant).exists()


def test_a_member_who_leaves_loses_access_and_what_they_wrote(space: Space, cast: Cast) -> None:
    mine = AidPost.objects.create(
        circle=space.circle,
        author=cast.participant,
        kind="need",
        title="M",
        text="x",
        created_at=NOW,
    )
    theirs = AidPost.objects.create(
        circle=space.circle,
        author=cast.co_member,
        kind="need",
        title="T",
        text="x",
        created_at=NOW,
    )
    AidOffer.objects.create(post=theirs, author=cast.participant, text="me", created_at=NOW)
    AidOffer.objects.create(post=mine, author=cast.co_member, text="me too", created_at=NOW)
    Message.objects.create(circle=space.circle, author=cast.participant, text="a", created_at=NOW)
    Message.objects.create(circle=space.circle, author=cast.co_member, text="b", created_at=NOW)
    Attendance.objects.create(
        circle=space.circle, user=cast.participant, session=1, answer="coming", updated_at=NOW
    )
    client = password_only(cast.participant)
    response = client.post(reverse("circle_leave", args=[space.circle.pk]), {"confirm": "on"})
    assert response.url == reverse("my_circles")
    assert client.get(reverse("circle_home", args=[space.circle.pk])).status_code == 404
    assert not Membership.objects.filter(user=cast.participant).exists()
    assert list(Message.objects.values_list("text", flat=True)) == ["b"]
    assert list(AidPost.objects.all()) == [theirs]
    assert not AidOffer.objects.exists()
    assert not Attendance.objects.exists()
    assert not PactAcceptance.objects.filter(user=cast.participant).exists()
    assert PactAcceptance.objects.filter(user=cast.co_member).exists()
