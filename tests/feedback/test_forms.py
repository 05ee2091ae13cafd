"""Arbitrary input posted to the feedback and keep-in-touch forms: never a 500."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast
from tests.feedback.conftest import answers_stored
from tests.fuzz import printable_text
from tests.moderation.conftest import LAST_END
from tierslien.circles.models import Circle
from tierslien.feedback.forms import FeedbackForm, KeepInTouchForm
from tierslien.feedback.models import FeedbackBag, FeedbackGiven, KeepInTouch

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = printable_text(max_size=40)
choice = st.one_of(st.sampled_from(["yes", "some", "no", "mostly", "maybe", ""]), text)


@pytest.fixture(autouse=True)
def _after_the_last_session() -> Iterator[None]:
    with time_machine.travel(LAST_END + datetime.timedelta(days=1), tick=False):
        yield


@HYPOTHESIS
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "met_different": choice,
            "felt_safe": choice,
            "come_again": choice,
            "comment": st.one_of(text, st.just("x" * 2001)),
        },
    )
)
def test_any_feedback_post_is_handled(circle: Circle, client_as: Any, data: dict[str, Any]) -> None:
    FeedbackBag.objects.all().delete()
    FeedbackGiven.objects.all().delete()
    response = client_as("participant").post(reverse("feedback_circle", args=[circle.pk]), data)
    assert response.status_code in (200, 302)
    valid = FeedbackForm(data).is_valid()
    assert answers_stored() == (1 if valid else 0)
    assert FeedbackGiven.objects.count() == (1 if valid else 0)


@HYPOTHESIS
@given(wanted=st.lists(st.one_of(text, st.integers(-5, 10**6).map(str)), max_size=4))
def test_any_keep_in_touch_post_is_handled(
    cast: Cast, circle: Circle, client_as: Any, wanted: list[str]
) -> None:
    response = client_as("participant").post(
        reverse("feedback_keep_in_touch", args=[circle.pk]), {"wanted": wanted}
    )
    assert response.status_code in (200, 302)
    stored = set(KeepInTouch.objects.values_list("to_user_id", flat=True))
    members = set(
        circle.memberships.exclude(user=cast.participant).values_list("user_id", flat=True)
    )
    assert stored <= members


def test_keep_in_touch_form_offers_fellow_members_only(cast: Cast) -> None:
    form = KeepInTouchForm({"wanted": [str(cast.outsider.pk)]}, members=[cast.co_member])
    assert not form.is_valid()
    form = KeepInTouchForm({"wanted": [str(cast.co_member.pk)]}, members=[cast.co_member])
    assert form.is_valid()
    assert form.wanted_ids() == {cast.co_member.pk}
