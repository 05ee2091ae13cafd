"""Creating, editing, opening a meeting and sending it back to draft (services)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.core import services
from tierslien.gatherings.models import Meeting, MeetingState
from tierslien.portraits.models import Criterion

pytestmark = pytest.mark.django_db


def values(cast: Cast, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "venue": cast.venue,
        "theme": "Se loger à Val-de-Lien",
        "starts_at": now + datetime.timedelta(days=30),
        "seats": 40,
        "registration_opens": now,
        "registration_closes": now + datetime.timedelta(days=20),
    } | overrides


def criteria(cast: Cast, *keys: str, territory: Any = None) -> list[Criterion]:
    return list(Criterion.objects.filter(territory=territory or cast.territory, key__in=keys))


def test_create_makes_a_draft_with_its_criteria(cast: Cast) -> None:
    meeting = services.create_meeting(
        cast.territory, criteria=criteria(cast, "gender", "occupation"), **values(cast)
    )
    assert meeting.state == MeetingState.DRAFT
    assert meeting.territory == cast.territory
    assert sorted(meeting.criteria.values_list("key", flat=True)) == ["gender", "occupation"]
    assert (meeting.rotations, meeting.rotation_minutes, meeting.confirmation_hours) == (2, 30, 72)


def test_eligible_criteria_are_enabled_non_sensitive_one_choice(cast: Cast) -> None:
    keys = [c.key for c in services.eligible_criteria(cast.territory)]
    assert keys == ["age_bracket", "gender", "occupation", "education", "housing"]
    for criterion in services.eligible_criteria(cast.territory):
        assert criterion.enabled and not criterion.sensitive


@pytest.mark.parametrize("key", ["engagement", "belief_worlds", "languages", "worlds"])
def test_create_refuses_ineligible_criteria(cast: Cast, key: str) -> None:
    with pytest.raises(services.IneligibleCriterion):
        services.create_meeting(cast.territory, criteria=criteria(cast, key), **values(cast))
    assert not Meeting.objects.exists()


def test_create_refuses_other_territories(cast: Cast, other_meeting: Meeting) -> None:
    with pytest.raises(services.IneligibleCriterion):
        services.create_meeting(
            cast.territory,
            criteria=criteria(cast, "gender", territory=cast.other_territory),
            **values(cast),
        )
    with pytest.raises(ValueError, match="venue"):
        services.create_meeting(cast.territory, **values(cast, venue=other_meeting.venue))
    with pytest.raises(TypeError):
        services.create_meeting(cast.territory, **values(cast, state="open"))
    assert Meeting.objects.count() == 1


def test_at_most_four_criteria(cast: Cast) -> None:
    five = criteria(cast, "age_bracket", "gender", "occupation", "education", "housing")
    with pytest.raises(services.IneligibleCriterion):
        services.create_meeting(cast.territory, criteria=five, **values(cast))


def test_update_a_draft(cast: Cast, draft_meeting: Meeting) -> None:
    services.update_meeting(
        draft_meeting, theme="Autre", seats=20, criteria=criteria(cast, "gender")
    )
    draft_meeting.refresh_from_db()
    assert (draft_meeting.theme, draft_meeting.seats) == ("Autre", 20)
    assert list(draft_meeting.criteria.values_list("key", flat=True)) == ["gender"]


def test_update_freezes_seats_and_criteria_once_people_applied(
    cast: Cast, meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 2)
    assert services.rules_locked(meeting)
    with pytest.raises(services.HasApplications):
        services.update_meeting(meeting, seats=99)
    with pytest.raises(services.HasApplications):
        services.update_meeting(meeting, criteria=criteria(cast, "gender"))
    same = list(meeting.criteria.all())
    services.update_meeting(meeting, theme="Changé", seats=meeting.seats, criteria=same)
    meeting.refresh_from_db()
    assert (meeting.theme, meeting.seats, meeting.criteria.count()) == ("Changé", 12, 3)


def test_published_seed_also_freezes_the_rules(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(seed_published_at=timezone.now(), draw_seed=7)
    meeting.refresh_from_db()
    with pytest.raises(services.HasApplications):
        services.update_meeting(meeting, seats=99)


@pytest.mark.parametrize(
    "state", [MeetingState.ALLOCATED, MeetingState.HELD, MeetingState.ARCHIVED]
)
def test_update_refused_after_allocation(meeting: Meeting, state: str) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(state=state)
    with pytest.raises(services.MeetingClosed):
        services.update_meeting(meeting, theme="Non")
    meeting.refresh_from_db()
    assert meeting.theme != "Non"


def test_update_refuses_a_venue_of_another_territory(
    draft_meeting: Meeting, other_meeting: Meeting
) -> None:
    with pytest.raises(ValueError, match="venue"):
        services.update_meeting(draft_meeting, venue=other_meeting.venue)
    with pytest.raises(TypeError):
        services.update_meeting(draft_meeting, state="open")


def test_open_and_back_to_draft(draft_meeting: Meeting) -> None:
    moment = timezone.now()
    services.open_meeting(draft_meeting, now=moment)
    draft_meeting.refresh_from_db()
    assert (draft_meeting.state, draft_meeting.opened_at) == (MeetingState.OPEN, moment)
    with pytest.raises(services.MeetingClosed):
        services.open_meeting(draft_meeting)
    services.back_to_draft(draft_meeting)
    draft_meeting.refresh_from_db()
    assert draft_meeting.state == MeetingState.DRAFT
    with pytest.raises(services.MeetingClosed):
        services.back_to_draft(draft_meeting)


def test_a_started_meeting_cannot_open(draft_meeting: Meeting) -> None:
    with pytest.raises(services.MeetingStarted):
        services.open_meeting(draft_meeting, now=draft_meeting.starts_at)


def test_back_to_draft_refused_once_people_applied(
    meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 1)
    with pytest.raises(services.HasApplications):
        services.back_to_draft(meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN


def test_back_to_draft_refused_once_the_seed_is_published(meeting: Meeting) -> None:
    from django.utils import timezone

    Meeting.objects.filter(pk=meeting.pk).update(draw_seed=7, seed_published_at=timezone.now())
    meeting.refresh_from_db()
    with pytest.raises(services.SeedPublished):
        services.back_to_draft(meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN


def test_the_demo_has_a_themed_meeting_with_contributors() -> None:
    from tierslien.demo.meeting import ensure_demo_meeting
    from tierslien.demo.territory import ensure_sectors, ensure_territory, ensure_venues

    territory = ensure_territory()
    sectors, _ = ensure_sectors(territory)
    ensure_venues(territory, sectors)
    meeting = ensure_demo_meeting(territory)
    assert meeting.state == MeetingState.OPEN
    assert meeting.contributors.filter(status="accepted").count() >= 3
    assert not meeting.contributors.exclude(email="").exists()
    assert set(meeting.criteria.values_list("sensitive", flat=True)) == {False}
    assert ensure_demo_meeting(territory) == meeting  # running again changes nothing
    assert Meeting.objects.count() == 1


def test_a_stale_demo_meeting_moves_to_the_coming_weeks() -> None:
    from tierslien.demo.meeting import ensure_demo_meeting
    from tierslien.demo.territory import ensure_sectors, ensure_territory, ensure_venues

    territory = ensure_territory()
    sectors, _ = ensure_sectors(territory)
    ensure_venues(territory, sectors)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    meeting = ensure_demo_meeting(territory, now=long_ago)
    assert meeting.starts_at < timezone.now()
    again = ensure_demo_meeting(territory)
    assert again.pk == meeting.pk
    assert again.starts_at > timezone.now() > again.registration_opens
