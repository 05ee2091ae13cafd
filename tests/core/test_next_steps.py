"""The account home says which seasons and meetings a person is in, where each stands,
and what happens next and when, at a constant number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    monday_of,
)
from tierslien.gatherings.models import Application, ApplicationStatus


@pytest.fixture(autouse=True)
def _english(cast: Cast) -> None:
    cast.participant.language = "en"
    cast.participant.save(update_fields=["language"])


def _season(cast: Cast, name: str, **overrides: object) -> Season:
    today = timezone.localdate()
    values: dict[str, object] = {
        "name": name,
        "registration_opens": today - datetime.timedelta(days=7),
        "registration_closes": datetime.date(2099, 3, 14),
        "first_week": monday_of(datetime.date(2099, 4, 6)),
    } | overrides
    return Season.objects.create(territory=cast.territory, **values)  # type: ignore[arg-type]


def _register(cast: Cast, season: Season) -> Registration:
    return Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=5
    )


def _apply(cast: Cast, theme: str, **values: Any) -> Application:
    meeting = make_meeting(cast, theme=theme)
    return Application.objects.create(
        meeting=meeting,
        user=cast.participant,
        pseudonym=theme[:10],
        applied_at=timezone.now(),
        **values,
    )


@pytest.mark.django_db
def test_home_says_what_comes_next_for_a_season_and_a_meeting(cast: Cast, client_as) -> None:
    _register(cast, _season(cast, "Spring circles"))
    application = _apply(cast, "Water")
    page = client_as("participant").get(reverse("home")).content.decode()
    assert "What happens next" in page
    assert "Spring circles" in page and "Open for registration" in page
    assert "Registration closes on March 14, 2099" in page
    assert "Water" in page and "Applications close on" in page
    assert reverse("meeting_my_seat", args=[cast.territory.slug, application.meeting_id]) in page


@pytest.mark.django_db
def test_an_invitation_to_answer_is_a_button_with_its_deadline(cast: Cast, client_as) -> None:
    season = _season(cast, "Winter circles", state=SeasonState.PUBLISHED)
    _register(cast, season)
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    deadline = datetime.datetime(2099, 3, 20, 17, 0, tzinfo=datetime.UTC)
    Membership.objects.create(
        circle=circle, user=cast.participant, status=MembershipStatus.INVITED, respond_by=deadline
    )
    page = client_as("participant").get(reverse("home")).content.decode()
    assert "confirm or decline it before March 20, 2099" in page
    assert reverse("circle_invitation", args=[cast.territory.slug, circle.pk]) in page


@pytest.mark.django_db
def test_a_waiting_list_place_and_a_confirmed_seat_are_said(cast: Cast, client_as) -> None:
    _apply(cast, "Roads", status=ApplicationStatus.WAITLISTED, waitlist_rank=3)
    _apply(cast, "Schools", status=ApplicationStatus.CONFIRMED)
    _apply(cast, "Gone", status=ApplicationStatus.WITHDRAWN)
    page = client_as("participant").get(reverse("home")).content.decode()
    assert "You are number 3 on the waiting list" in page
    assert "Your seat is confirmed: see you on" in page
    assert "Gone" not in page


@pytest.mark.django_db
def test_nothing_joined_shows_no_next_steps(client_as) -> None:
    page = client_as("participant").get(reverse("home")).content.decode()
    assert 'id="next-steps"' not in page


def _count(client: Any) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("home")).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_seasons_and_meetings(
    cast: Cast, client_as, django_assert_num_queries: Any
) -> None:
    client = client_as("participant")
    _register(cast, _season(cast, "One"))
    _apply(cast, "Alpha")
    count = _count(client)
    for index in range(4):
        season = _season(cast, f"Season {index}", state=SeasonState.PUBLISHED)
        _register(cast, season)
        circle = Circle.objects.create(
            season=season, venue=cast.venue, slot="tue-evening", number=1
        )
        Membership.objects.create(
            circle=circle, user=cast.participant, status=MembershipStatus.CONFIRMED
        )
        _apply(cast, f"Theme {index}", status=ApplicationStatus.CONFIRMED)
    with django_assert_num_queries(count):
        assert client.get(reverse("home")).status_code == 200
