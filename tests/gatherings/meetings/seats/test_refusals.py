"""Each refusal of an applicant's actions carries the sentence they read (the views show
it with `tell_refusal`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.cast import Cast
from tierslien.gatherings.meetings.seats import applications, waitlist
from tierslien.gatherings.models import Meeting, MeetingState
from tierslien.lib.refusals import Refused

pytestmark = pytest.mark.django_db

TOO_LATE = "It is too late to withdraw: the draw is published."


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def said(action: Callable[[], Any]) -> str:
    with pytest.raises(Refused) as refused:
        action()
    return refused.value.sentence()


def test_applying(cast: Cast, meeting: Meeting) -> None:
    assert (
        said(lambda: applications.apply(meeting, cast.facilitator))
        == "A facilitator of the territory cannot apply to its meetings: you run the draw."
    )
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.DRAFT)
    assert (
        said(lambda: applications.apply(meeting, cast.participant))
        == "This meeting no longer takes applications."
    )


def test_withdrawing_and_answering_once_the_seed_is_published(cast: Cast, meeting: Meeting) -> None:
    application = applications.apply(meeting, cast.participant)
    assert (
        said(lambda: waitlist.confirm_seat(application))
        == "There is no seat to answer for any more."
    )
    assert said(lambda: waitlist.leave_waitlist(application)) == TOO_LATE
    Meeting.objects.filter(pk=meeting.pk).update(draw_seed=7, seed_published_at=timezone.now())
    assert said(lambda: applications.withdraw(application)) == TOO_LATE
