"""delete_circle_content: the purge's one call that erases a circle's space."""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.spaces.conftest import NOW, Space
from tierslien.circles.models import Membership
from tierslien.spaces import services
from tierslien.spaces.models import (
    AidOffer,
    AidPost,
    Attendance,
    CalendarToken,
    Introduction,
    Message,
    PactAcceptance,
    ReminderSent,
)

pytestmark = pytest.mark.django_db

MODELS = (Message, AidPost, AidOffer, Attendance, Introduction, PactAcceptance, CalendarToken)


def _write_in(circle: object, user: object) -> None:
    Message.objects.create(circle=circle, author=user, text="m", created_at=NOW)
    post = AidPost.objects.create(
        circle=circle, author=user, kind="need", title="t", text="x", created_at=NOW
    )
    AidOffer.objects.create(post=post, author=user, text="o", created_at=NOW)
    Attendance.objects.create(circle=circle, user=user, session=1, answer="coming", updated_at=NOW)
    Introduction.objects.create(circle=circle, user=user, text="i", updated_at=NOW)
    CalendarToken.objects.create(
        circle=circle,
        user=user,
        token=f"token-{circle.pk}",
        created_at=NOW,  # type: ignore[attr-defined]
    )
    ReminderSent.objects.create(circle=circle, session=1, sent_at=NOW)


def test_delete_circle_content_erases_that_circle_only(space: Space, cast: Cast) -> None:
    _write_in(space.circle, cast.participant)
    _write_in(space.other_circle, space.stranger)
    services.delete_circle_content(space.circle)
    for model in MODELS:
        survivor = model.objects.get()  # the other circle's row only
        circle_id = survivor.post.circle_id if model is AidOffer else survivor.circle_id
        assert circle_id == space.other_circle.pk, model
    assert list(ReminderSent.objects.values_list("circle_id", flat=True)) == [space.other_circle.pk]
    # membership is the circles app's business; the purge handles it
    assert Membership.objects.filter(circle=space.circle).count() == 2


def test_accepting_the_pact_twice_keeps_the_first_moment(space: Space, cast: Cast) -> None:
    services.accept_pact(space.circle, cast.participant)
    assert PactAcceptance.objects.get(circle=space.circle, user=cast.participant).accepted_at == NOW
