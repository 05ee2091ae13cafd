from __future__ import annotations

import datetime

import pytest

from tests.cast import Cast
from tierslien.circles.access import get_circle_for_member
from tierslien.circles.models import Circle, Membership, Rhythm, Season
from tierslien.circles.schedule import session_times


def _season(cast: Cast, **extra: object) -> Season:
    fields = {
        "territory": cast.territory,
        "name": "Automne",
        "registration_opens": datetime.date(2026, 9, 1),
        "registration_closes": datetime.date(2026, 9, 20),
        "first_week": datetime.date(2026, 10, 7),  # a Wednesday: the week starts on Monday 5th
        "sessions": 4,
        "session_minutes": 90,
    } | extra
    return Season.objects.create(**fields)


@pytest.mark.django_db
def test_weekly_sessions_fall_on_the_slot_day_every_week(cast: Cast) -> None:
    times = session_times(_season(cast), "tue-evening")
    assert [t.date for t in times] == [
        datetime.date(2026, 10, 6),
        datetime.date(2026, 10, 13),
        datetime.date(2026, 10, 20),
        datetime.date(2026, 10, 27),
    ]
    assert times[0].starts_at.hour == 19
    assert times[0].ends_at - times[0].starts_at == datetime.timedelta(minutes=90)
    assert times[0].starts_at.utcoffset() == datetime.timedelta(hours=2)  # Paris, summer time
    assert times[-1].starts_at.utcoffset() == datetime.timedelta(hours=1)  # after the change


@pytest.mark.django_db
def test_fortnightly_sessions_skip_a_week(cast: Cast) -> None:
    times = session_times(_season(cast, rhythm=Rhythm.FORTNIGHTLY, sessions=2), "sat-morning")
    assert [t.date for t in times] == [datetime.date(2026, 10, 10), datetime.date(2026, 10, 24)]


@pytest.mark.django_db
def test_an_unknown_slot_has_no_sessions(cast: Cast) -> None:
    assert session_times(_season(cast), "someday") == []


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["proposed", "published"])
def test_only_members_reach_a_published_circle(cast: Cast, state: str) -> None:
    from django.http import Http404

    season = _season(cast, state=state)
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    Membership.objects.create(circle=circle, user=cast.participant)
    for outsider in (cast.co_member, cast.facilitator, cast.admin):
        with pytest.raises(Http404):
            get_circle_for_member(outsider, circle.pk)
    if state == "published":
        assert get_circle_for_member(cast.participant, circle.pk) == circle
    else:
        with pytest.raises(Http404):
            get_circle_for_member(cast.participant, circle.pk)
