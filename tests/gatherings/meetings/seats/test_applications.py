"""Applying for a seat (with or without a portrait) and withdrawing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.meetings.seats import applications
from tierslien.gatherings.meetings.seats.applications import (
    AlreadyApplied,
    ApplicationsClosed,
    EmailNotVerified,
    FacilitatorCannotApply,
)
from tierslien.gatherings.models import ApplicationStatus, Meeting, MeetingState
from tierslien.portraits.models import Answer, Criterion, Portrait

pytestmark = pytest.mark.django_db


def answer(cast: Cast, key: str, value: object) -> None:
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    criterion = Criterion.objects.get(territory=cast.territory, key=key)
    Answer.objects.create(portrait=portrait, criterion=criterion, value=value)


def test_one_step_with_a_portrait_copies_only_the_meetings_criteria(
    cast: Cast, meeting: Meeting
) -> None:
    answer(cast, "occupation", "3")
    answer(cast, "gender", "woman")
    answer(cast, "education", "bac5")  # not a criterion of the meeting
    application = applications.apply(meeting, cast.participant)
    assert application.answers == {"occupation": "3", "gender": "woman"}  # age: not said
    assert application.answered_on_the_spot is False
    assert application.status == ApplicationStatus.APPLIED
    assert len(application.pseudonym) == applications.PSEUDONYM_LENGTH
    assert application.pseudonym != str(cast.participant.pk)


def test_answers_given_on_the_spot_are_ignored_when_there_is_a_portrait(
    cast: Cast, meeting: Meeting
) -> None:
    application = applications.apply(meeting, cast.participant, answers={"gender": "man"})
    assert application.answers == {}


def test_without_a_portrait_only_valid_answers_to_the_criteria_are_kept(
    cast: Cast, meeting: Meeting
) -> None:
    application = applications.apply(
        meeting,
        cast.outsider,
        answers={"gender": "man", "age_bracket": "bogus", "education": "bac", "occupation": ""},
    )
    assert application.answers == {"gender": "man"}
    assert application.answered_on_the_spot is True


def test_pseudonyms_are_random_and_distinct(cast: Cast, meeting: Meeting) -> None:
    people = [make_user(f"p{k}@example.org", f"P{k}") for k in range(12)]
    pseudonyms = {applications.apply(meeting, person).pseudonym for person in people}
    assert len(pseudonyms) == 12
    assert all(set(p) <= set(applications.PSEUDONYM_ALPHABET) for p in pseudonyms)


@pytest.mark.parametrize(
    "overrides",
    [
        {"state": MeetingState.DRAFT},
        {"registration_opens": timezone.now() + datetime.timedelta(hours=1)},
        {"registration_closes": timezone.now() - datetime.timedelta(minutes=1)},
        {"seed_published_at": timezone.now()},
    ],
)
def test_closed_meetings_take_no_application(cast: Cast, overrides: dict) -> None:
    meeting = make_meeting(cast, **overrides)
    with pytest.raises(ApplicationsClosed):
        applications.apply(meeting, cast.participant)
    assert not meeting.applications.exists()


def test_an_unverified_email_is_refused(cast: Cast, meeting: Meeting) -> None:
    cast.outsider.emailaddress_set.update(verified=False)
    with pytest.raises(EmailNotVerified):
        applications.apply(meeting, cast.outsider)
    assert not meeting.applications.exists()


def test_a_facilitator_of_the_territory_cannot_apply_to_its_meetings(
    cast: Cast, meeting: Meeting
) -> None:
    with pytest.raises(FacilitatorCannotApply):
        applications.apply(meeting, cast.facilitator)
    assert not meeting.applications.exists()
    other = make_meeting(cast, other=True)  # another territory's facilitator may apply here
    assert applications.apply(other, cast.facilitator).status == ApplicationStatus.APPLIED


def test_applying_twice_is_refused(cast: Cast, meeting: Meeting) -> None:
    applications.apply(meeting, cast.participant)
    with pytest.raises(AlreadyApplied):
        applications.apply(meeting, cast.participant)
    assert meeting.applications.count() == 1


def test_withdraw_erases_the_answers_then_applying_again_reuses_the_row(
    cast: Cast, meeting: Meeting
) -> None:
    first = applications.apply(meeting, cast.outsider, answers={"gender": "other"})
    withdrawn = applications.withdraw(first)
    assert (withdrawn.status, withdrawn.answers) == (ApplicationStatus.WITHDRAWN, {})
    again = applications.apply(meeting, cast.outsider, answers={"gender": "man"})
    assert again.pk == first.pk
    assert again.pseudonym == first.pseudonym
    assert (again.status, again.answers) == (ApplicationStatus.APPLIED, {"gender": "man"})


def test_no_withdrawal_once_the_seed_is_published(cast: Cast, meeting: Meeting) -> None:
    application = applications.apply(meeting, cast.participant)
    Meeting.objects.filter(pk=meeting.pk).update(seed_published_at=timezone.now())
    application.meeting.refresh_from_db()
    with pytest.raises(ApplicationsClosed):
        applications.withdraw(application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED


def test_sensitive_and_multiple_choice_criteria_never_count(cast: Cast, meeting: Meeting) -> None:
    extra = Criterion.objects.filter(territory=cast.territory, key__in=["languages", "engagement"])
    meeting.criteria.add(*extra)
    keys = [c.key for c in applications.balance_criteria(meeting)]
    assert set(keys) == {"occupation", "age_bracket", "gender"}


def test_category_of_a_missing_or_stale_answer_is_prefer_not_to_say(cast: Cast) -> None:
    gender = Criterion.objects.get(territory=cast.territory, key="gender")
    assert applications.category(gender, {"gender": "woman"}) == "woman"
    assert applications.category(gender, {}) == applications.UNDISCLOSED
    assert applications.category(gender, {"gender": "retired-value"}) == applications.UNDISCLOSED
    assert applications.category(gender, {"gender": ["woman"]}) == applications.UNDISCLOSED
