"""Each refusal of a meeting's actions carries the sentence the facilitator, the
contributor or the applicant reads (the views show it with `tell_refusal`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.core import contributors, services
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


def test_opening_and_going_back_to_draft(meeting: Meeting, draft_meeting: Meeting) -> None:
    assert said(lambda: services.open_meeting(meeting)) == "Only a draft can be opened."
    started = draft_meeting.starts_at
    assert (
        said(lambda: services.open_meeting(draft_meeting, now=started))
        == "This meeting has already started: change its date first."
    )
    assert (
        said(lambda: services.back_to_draft(draft_meeting))
        == "Only an open meeting can go back to draft."
    )


def test_going_back_to_draft_after_applications_or_the_seed(
    meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 1)
    assert (
        said(lambda: services.back_to_draft(meeting))
        == "People have applied: the meeting can no longer go back to draft."
    )
    assert (
        said(lambda: services.update_meeting(meeting, seats=meeting.seats + 1))
        == "People have applied: the seats and criteria can no longer change."
    )
    Meeting.objects.filter(pk=meeting.pk).update(draw_seed=7, seed_published_at=timezone.now())
    assert (
        said(lambda: services.back_to_draft(meeting))
        == "The draw's seed is published: the meeting can no longer go back to draft."
    )


def test_editing_and_archiving_an_archived_meeting(meeting: Meeting) -> None:
    services.archive_meeting(meeting)
    assert (
        said(lambda: services.update_meeting(meeting, theme="Autre"))
        == "This meeting can no longer be edited."
    )
    assert said(lambda: services.archive_meeting(meeting)) == "This meeting is already archived."


def test_invitations_and_answers_after_the_day(draft_meeting: Meeting) -> None:
    guest = contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    again = {"name": "B", "email": "a@example.org"}
    assert (
        said(lambda: contributors.invite_contributor(draft_meeting, **again))
        == "Someone with this address is already invited."
    )
    Meeting.objects.filter(pk=draft_meeting.pk).update(state=MeetingState.HELD)
    closed = "This meeting no longer takes invitations."
    assert said(lambda: contributors.reinvite_contributor(guest)) == closed
    assert said(lambda: contributors.withdraw_contributor(guest)) == closed
    answering = "This invitation can no longer be answered."
    assert said(lambda: contributors.accept(guest, title="t", summary="s", format="talk")) == (
        answering
    )
    assert said(lambda: contributors.decline(guest)) == answering


# --- Applicants ---


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
