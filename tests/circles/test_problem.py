"""The problem handed to the engine: opaque ids, sector centres, consented answers only."""

from __future__ import annotations

import json

import pytest

from tests.cast import Cast, make_user
from tests.circles.conftest import Crowd, MakeSeason, answer
from tierslien.circles.engine import build_problem
from tierslien.circles.models import Circle, Membership, Registration, Season, SeasonState
from tierslien.portraits.models import Criterion, Portrait
from tierslien.territories.models import Sector, Venue

pytestmark = pytest.mark.django_db


def _json(season: Season) -> str:
    return json.dumps(build_problem(season).problem.to_dict(), ensure_ascii=False)


def test_people_are_known_by_registration_ids_only(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    registrations = crowd(season, 6)
    built = build_problem(season)
    assert [p.id for p in built.problem.people] == [f"r{r.pk}" for r in registrations]
    text = _json(season)
    for registration in registrations:
        assert registration.user.display_name not in text
        assert registration.user.email not in text
    assert "example.org" not in text
    assert cast.venue.address not in text


def test_location_is_the_sector_centre_and_the_limit_the_confirmed_distance(
    cast: Cast, season: Season
) -> None:
    far = Sector.objects.create(
        territory=cast.territory, name="Nord", latitude=48.3, longitude=-1.6
    )
    Portrait.objects.filter(user=cast.participant).update(sector=far, max_km=99)
    Registration.objects.create(
        season=season, user=cast.participant, availability=["sat-morning"], max_km=3.5
    )
    person = build_problem(season).problem.people[0]
    assert person.location is not None
    assert (person.location.lat, person.location.lon) == (48.3, -1.6)
    assert person.max_km == 3.5
    assert person.slots == ("sat-morning",)


def test_person_without_a_sector_has_no_location_nor_limit(cast: Cast, season: Season) -> None:
    Portrait.objects.filter(user=cast.participant).update(sector=None)
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    person = build_problem(season).problem.people[0]
    assert person.location is None
    assert person.max_km is None


def test_needs_come_from_the_portrait(cast: Cast, season: Season) -> None:
    Portrait.objects.filter(user=cast.participant).update(accessibility_needs=["step-free"])
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    # "in-person": an in-person-only person needs a real venue (see test_problem_online.py).
    assert build_problem(season).problem.people[0].needs == frozenset({"step-free", "in-person"})


def test_venues_of_the_territory_with_times_capacity_and_features(
    cast: Cast, season: Season
) -> None:
    other = Venue.objects.create(
        territory=cast.other_territory,
        sector=cast.other_sector,
        name="Salle du Bourg",
        address="Place",
        latitude=47.9,
        longitude=-1.5,
        opening_slots=["sat-morning"],
    )
    venues = build_problem(season).problem.venues
    assert [v.id for v in venues] == [f"v{cast.venue.pk}"]
    assert f"v{other.pk}" not in {v.id for v in venues}
    venue = venues[0]
    assert venue.slots == ("tue-evening", "sat-morning")
    assert venue.capacity == 2
    assert venue.features == frozenset({"step-free", "in-person"})
    assert venue.location is not None and venue.location.lat == 48.111


def test_criteria_are_the_enabled_ones_with_ordinal_levels_in_option_order(
    cast: Cast, season: Season
) -> None:
    Criterion.objects.filter(territory=cast.territory, key="gender").update(enabled=False)
    criteria = {c.name: c for c in build_problem(season).problem.criteria}
    assert "gender" not in criteria
    assert criteria["age_bracket"].kind == "ordinal"
    assert criteria["age_bracket"].levels == ("18-24", "25-34", "35-49", "50-64", "65-74", "75+")
    assert criteria["occupation"].weight == 2.0
    assert criteria["languages"].goal == "shared"


def test_answers_become_attributes_and_sensitive_ones_are_used(cast: Cast, season: Season) -> None:
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    answer(portrait, "occupation", "6")
    answer(portrait, "engagement", "curious")  # sensitive: stored only with consent
    answer(portrait, "worlds", ["sport", "work"])
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    attributes = build_problem(season).problem.people[0].attributes
    assert attributes["occupation"] == "6"
    assert attributes["engagement"] == "curious"
    assert attributes["worlds"] == frozenset({"sport", "work"})
    assert "gender" not in attributes  # not answered: prefer not to say


def test_answers_to_disabled_or_stale_options_are_left_out(cast: Cast, season: Season) -> None:
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    answer(portrait, "age_bracket", "no-such-level")
    answer(portrait, "gender", "woman")
    Criterion.objects.filter(territory=cast.territory, key="gender").update(enabled=False)
    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    assert build_problem(season).problem.people[0].attributes == {}


def test_met_before_lists_pairs_from_earlier_circles_of_the_territory(
    cast: Cast, make_season: MakeSeason, season: Season, crowd: Crowd
) -> None:
    registrations = crowd(season, 4)
    a, b, c, d = (r.user for r in registrations)
    earlier = make_season(name="Spring", state=SeasonState.CLOSED)
    circle = Circle.objects.create(season=earlier, venue=cast.venue, slot="tue-evening", number=1)
    for user in (a, b, c, cast.outsider):
        Membership.objects.create(circle=circle, user=user)
    # A proposal that never met, and another territory, do not count.
    draft = make_season(name="Draft", state=SeasonState.PROPOSED)
    draft_circle = Circle.objects.create(season=draft, slot="tue-evening", number=1)
    other = make_season(cast.other_territory, name="Ailleurs", state=SeasonState.CLOSED)
    other_circle = Circle.objects.create(season=other, slot="tue-evening", number=1)
    for user in (c, d):
        Membership.objects.create(circle=draft_circle, user=user)
        Membership.objects.create(circle=other_circle, user=user)
    ids = {r.user_id: f"r{r.pk}" for r in registrations}
    expected = {tuple(sorted((ids[x.pk], ids[y.pk]))) for x, y in ((a, b), (a, c), (b, c))}
    pairs = {tuple(sorted(pair)) for pair in build_problem(season).problem.met_before}
    assert pairs == expected


def test_problem_is_built_in_a_constant_number_of_queries(
    season: Season, crowd: Crowd, django_assert_max_num_queries: object
) -> None:
    crowd(season, 12)
    # Six queries for the problem, one for blocks (moderation.services.blocked_pairs).
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        build_problem(season)


def test_someone_registered_without_a_portrait_still_counts(season: Season) -> None:
    user = make_user("late@example.org", "Late")
    Registration.objects.create(season=season, user=user, availability=["tue-evening"], max_km=1)
    person = build_problem(season).problem.people[0]
    assert person.attributes == {}
    assert person.location is None


def _save_with_engagement(cast: Cast, *, consent: bool) -> None:
    from tierslien.portraits.services import save_portrait

    engagement = Criterion.objects.get(territory=cast.territory, key="engagement")
    save_portrait(
        cast.participant,
        cast.territory,
        sector=cast.sector,
        max_km=5,
        availability=["tue-evening"],
        meeting_mode="in-person",
        accessibility_needs=[],
        hopes=[],
        answers={engagement.pk: "activist"},
        consents={"engagement"} if consent else set(),
    )


def test_sensitive_answer_is_used_only_while_consent_lasts(cast: Cast, season: Season) -> None:
    from tierslien.portraits.services import withdraw_sensitive_consent

    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    _save_with_engagement(cast, consent=True)
    assert build_problem(season).problem.people[0].attributes["engagement"] == "activist"
    withdraw_sensitive_consent(cast.participant, "engagement")
    assert "engagement" not in build_problem(season).problem.people[0].attributes


def test_sensitive_answer_without_consent_never_reaches_the_engine(
    cast: Cast, season: Season
) -> None:
    from tierslien.portraits.services import SensitiveAnswerWithoutConsent

    Registration.objects.create(
        season=season, user=cast.participant, availability=["tue-evening"], max_km=2
    )
    with pytest.raises(SensitiveAnswerWithoutConsent):
        _save_with_engagement(cast, consent=False)
    assert "engagement" not in build_problem(season).problem.people[0].attributes
