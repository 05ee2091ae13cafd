"""People who can meet only online, or either way: the problem, the composition, the review."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast
from tests.circles.conftest import Crowd, Proposed
from tierslien.circles import actions
from tierslien.circles.actions import review
from tierslien.circles.engine import IN_PERSON, ONLINE, build_problem, is_online_venue
from tierslien.circles.models import Circle, Registration, Season, SeasonState
from tierslien.portraits.models import MeetingMode, Portrait
from tierslien.territories.models import Sector

pytestmark = pytest.mark.django_db


def _mode(registrations: list[Registration], mode: str) -> None:
    Portrait.objects.filter(user__in=[r.user for r in registrations]).update(meeting_mode=mode)


def test_in_person_people_need_a_real_venue_and_no_online_venue_is_offered(
    season: Season, crowd: Crowd
) -> None:
    crowd(season, 6)
    problem = build_problem(season).problem
    assert all(IN_PERSON in person.needs for person in problem.people)
    assert all(IN_PERSON in venue.features for venue in problem.venues)
    assert not any(is_online_venue(venue.id) for venue in problem.venues)


def test_online_only_people_need_an_online_venue_and_have_no_travel_limit(
    season: Season, crowd: Crowd
) -> None:
    registrations = crowd(season, 6)
    _mode(registrations[:3], MeetingMode.ONLINE)
    problem = build_problem(season).problem
    online = problem.people[:3]
    assert all(p.needs == {ONLINE} and p.location is None and p.max_km is None for p in online)
    venues = [v for v in problem.venues if is_online_venue(v.id)]
    assert [v.id for v in venues] == ["online"]
    assert ONLINE in venues[0].features and IN_PERSON not in venues[0].features
    assert venues[0].slots is None  # open at every slot: the slot is still shared


def test_people_accepting_either_mode_keep_their_limit_and_an_online_venue_at_their_sector(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    registrations = crowd(season, 6)
    north = Sector.objects.create(
        territory=cast.territory, name="Nord", latitude=48.3, longitude=-1.6
    )
    _mode(registrations[:2], MeetingMode.EITHER)
    Portrait.objects.filter(user=registrations[1].user).update(sector=north)
    problem = build_problem(season).problem
    first, second = problem.people[:2]
    assert IN_PERSON not in first.needs and ONLINE not in first.needs
    assert first.location is not None and first.max_km == 10
    venues = {v.id: v for v in problem.venues if is_online_venue(v.id)}
    assert set(venues) == {f"online@s{cast.sector.pk}", f"online@s{north.pk}"}
    point = venues[f"online@s{north.pk}"].location
    assert point is not None and (point.lat, point.lon) == (48.3, -1.6)
    assert second.location == point


def test_a_territory_without_venues_ignores_the_meeting_mode(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    cast.venue.delete()
    registrations = crowd(season, 6)
    _mode(registrations[:3], MeetingMode.ONLINE)
    problem = build_problem(season).problem
    assert problem.venues == ()
    assert all(not person.needs for person in problem.people)


def test_composition_puts_online_only_people_together_in_online_circles_without_venue(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    in_person = crowd(season, 12)
    online = crowd(season, 6)
    either = crowd(season, 4)
    _mode(online, MeetingMode.ONLINE)
    _mode(either, MeetingMode.EITHER)
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_composition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    online_ids = {r.user_id for r in online}
    in_person_ids = {r.user_id for r in in_person}
    circles = list(Circle.objects.filter(season=season).prefetch_related("memberships"))
    assert any(c.online for c in circles)
    for circle in circles:
        members = {m.user_id for m in circle.memberships.all()}
        if circle.online:
            assert circle.venue is None and circle.slot
            assert not members & in_person_ids
        else:
            assert circle.venue == cast.venue
            assert not members & online_ids
    placed_online = {m.user_id for c in circles if c.online for m in c.memberships.all()}
    assert online_ids <= placed_online
    # The review sees online circles as keeping every rule.
    assert review.load(season).problems() == {}


def test_moving_an_in_person_person_into_an_online_circle_is_explained(
    proposed: Proposed,
) -> None:
    season = proposed.season
    registrations = proposed.registrations
    _mode(registrations[6:11], MeetingMode.ONLINE)
    Circle.objects.filter(pk=proposed.second.pk).update(online=True, venue=None)
    current = review.load(season)
    assert current.problems() == {}
    membership = proposed.first.memberships.get(user=registrations[0].user)
    with pytest.raises(review.BreaksRules) as refused, translation.override("en"):
        review.move_member(season, membership.pk, proposed.second.pk)
    assert any("Person" in p and "in person" in p for p in refused.value.problems)
    other = proposed.second.memberships.get(user=registrations[6].user)
    with pytest.raises(review.BreaksRules) as refused, translation.override("en"):
        review.move_member(season, other.pk, proposed.first.pk)
    assert any("only online" in p for p in refused.value.problems)


def test_proposal_shows_hopes_and_modes_as_season_wide_counts_only(
    proposed: Proposed, client_as: Any
) -> None:
    registrations = proposed.registrations
    Portrait.objects.filter(user__in=[r.user for r in registrations[:3]]).update(
        hopes=["theme", "discovery"]
    )
    Portrait.objects.filter(user=registrations[3].user).update(hopes=["theme", "bogus"])
    _mode(registrations[:2], MeetingMode.ONLINE)
    target = reverse(
        "manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk]
    )
    html = client_as("facilitator").get(target).content.decode()

    def count(attribute: str, value: str) -> int:
        match = re.search(
            rf'<tr {attribute}="{value}"><th scope="row">[^<]*</th><td>(\d+)</td>', html
        )
        assert match is not None
        return int(match.group(1))

    assert count("data-hope", "theme") == 4
    assert count("data-hope", "discovery") == 3
    assert count("data-hope", "mutual-help") == 0
    assert count("data-mode", "online") == 2
    assert count("data-mode", "in-person") == 10
    assert "bogus" not in html
