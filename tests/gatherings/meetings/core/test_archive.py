"""Archiving a meeting erases its people in one go; the daily command archives old ones."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants, make_meeting
from tierslien.gatherings.meetings.core import services
from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
    TableSeat,
)

pytestmark = pytest.mark.django_db


def contributor(meeting: Meeting, name: str, status: str) -> Contributor:
    return Contributor.objects.create(
        meeting=meeting,
        name=name,
        organisation="Org",
        email=f"{name.lower()}@example.org",
        token_hash=hash_token(f"token-{name}-{meeting.pk}"),
        status=status,
        invited_at=timezone.now(),
        title="Titre" if status == ContributorStatus.ACCEPTED else "",
    )


@pytest.fixture
def held(meeting: Meeting, applicants: Applicants) -> Meeting:
    """A held meeting: 6 applicants (4 came), a table plan, three contributors."""
    people = applicants(meeting, 6)
    Application.objects.filter(pk__in=[a.pk for a in people[:5]]).update(
        status=ApplicationStatus.CONFIRMED
    )
    Application.objects.filter(pk__in=[a.pk for a in people[:4]]).update(
        checked_in_at=timezone.now()
    )
    host = contributor(meeting, "Ana", ContributorStatus.ACCEPTED)
    contributor(meeting, "Bruno", ContributorStatus.DECLINED)
    contributor(meeting, "Chloe", ContributorStatus.INVITED)
    TableSeat.objects.create(meeting=meeting, rotation=1, table=1, contributor=host)
    for application in people[:4]:
        TableSeat.objects.create(meeting=meeting, rotation=1, table=1, application=application)
    Meeting.objects.filter(pk=meeting.pk).update(
        state=MeetingState.HELD,
        published_pool=[{"id": a.pseudonym, **a.answers} for a in people],
        published_panel=[a.pseudonym for a in people[:5]],
        draw_record={
            "panel": [a.pseudonym for a in people[:5]],
            "probabilities": {a.pseudonym: 0.5 for a in people},
            "types": [{"categories": ["woman"], "size": 1}],
        },
        draw_seed=42,
        min_probability=0.5,
    )
    meeting.refresh_from_db()
    return meeting


def test_archive_erases_people_and_keeps_head_counts(held: Meeting) -> None:
    host_hash = Contributor.objects.get(name="Ana").token_hash
    services.archive_meeting(held)
    held.refresh_from_db()
    assert held.state == MeetingState.ARCHIVED and held.archived_at is not None
    assert not Application.objects.filter(meeting=held).exists()
    assert not TableSeat.objects.filter(meeting=held).exists()
    assert list(held.contributors.values_list("name", "email", "title")) == [("Ana", "", "Titre")]
    assert held.contributors.get().token_hash != host_hash
    assert (held.seated_count, held.attended_count) == (5, 4)
    assert (held.published_pool, held.published_panel) == ([], [])
    # The full record names pseudonyms and type sizes, and cannot be rerun without the pool.
    assert held.draw_record == {}
    assert (held.draw_seed, held.min_probability) == (42, 0.5)


def test_head_counts_set_by_the_other_areas_are_kept(held: Meeting) -> None:
    Meeting.objects.filter(pk=held.pk).update(seated_count=9, attended_count=7)
    held.refresh_from_db()
    services.archive_meeting(held)
    held.refresh_from_db()
    assert (held.seated_count, held.attended_count) == (9, 7)


@pytest.mark.parametrize("state", [MeetingState.DRAFT, MeetingState.OPEN, MeetingState.ALLOCATED])
def test_a_meeting_can_be_abandoned(cast: Cast, applicants: Applicants, state: str) -> None:
    meeting = make_meeting(cast, state=state)
    applicants(meeting, 2)
    services.archive_meeting(meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ARCHIVED
    assert not Application.objects.filter(meeting=meeting).exists()


def test_archiving_twice_is_refused(held: Meeting) -> None:
    services.archive_meeting(held)
    with pytest.raises(services.MeetingClosed):
        services.archive_meeting(held)


def test_a_failure_erases_nothing(held: Meeting, monkeypatch: pytest.MonkeyPatch) -> None:
    from tierslien.gatherings.meetings.core import services as module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "transition", broken)
    with pytest.raises(RuntimeError):
        services.archive_meeting(held)
    held.refresh_from_db()
    assert held.state == MeetingState.HELD
    assert Application.objects.filter(meeting=held).count() == 6
    assert TableSeat.objects.filter(meeting=held).count() == 5
    assert Contributor.objects.filter(meeting=held).exclude(email="").count() == 3


def test_archive_meetings_takes_those_started_more_than_30_days_ago(
    cast: Cast, held: Meeting, other_meeting: Meeting
) -> None:
    now = held.starts_at + datetime.timedelta(days=30, minutes=1)
    forgotten = make_meeting(cast, state=MeetingState.ALLOCATED, starts_at=held.starts_at)
    recent = make_meeting(cast, starts_at=held.starts_at + datetime.timedelta(days=2))
    assert services.archive_meetings(now) == 3  # held, forgotten, other territory's
    for meeting, state in (
        (held, MeetingState.ARCHIVED),
        (forgotten, MeetingState.ARCHIVED),
        (other_meeting, MeetingState.ARCHIVED),
        (recent, MeetingState.OPEN),
    ):
        meeting.refresh_from_db()
        assert meeting.state == state
    assert services.archive_meetings(now) == 0


def test_the_command(held: Meeting) -> None:
    Meeting.objects.filter(pk=held.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=31)
    )
    out = StringIO()
    call_command("archive_meetings", stdout=out)
    assert out.getvalue().strip() == "1 meeting(s) archived."
    held.refresh_from_db()
    assert held.state == MeetingState.ARCHIVED
