"""Reviewing a proposal: moves, swaps and locks, with rules and scores checked again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from tests.cast import Cast
from tests.circles.conftest import Crowd, Proposed
from tierslien.circles import actions
from tierslien.circles.actions import review
from tierslien.circles.engine import build_problem, venue_id, without_locked
from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _seat(proposed: Proposed, index: int) -> Membership:
    return Membership.objects.get(user=proposed.registrations[index].user)


def test_a_fresh_proposal_keeps_every_rule(proposed: Proposed) -> None:
    assert review.load(proposed.season).problems() == {}


def test_move_within_bounds_is_saved_and_scores_recomputed(cast: Cast, proposed: Proposed) -> None:
    seat = _seat(proposed, 0)
    target = review.move_member(proposed.season, seat.pk, proposed.second.pk)
    assert target == proposed.second
    seat.refresh_from_db()
    assert seat.circle_id == proposed.second.pk
    for circle in (proposed.first, proposed.second):
        circle.refresh_from_db()
        assert circle.diversity != 1.0  # the fixture's placeholder was replaced
        assert circle.counts["sectors"] == 1
        assert circle.counts["occupation"] >= 2
    proposed.season.refresh_from_db()
    assert proposed.season.report["placed"] == 11
    assert review.load(proposed.season).problems() == {}


def test_move_breaking_sizes_is_refused_in_plain_words(cast: Cast, proposed: Proposed) -> None:
    seat = _seat(proposed, 6)
    with pytest.raises(review.BreaksRules) as refused:
        review.move_member(proposed.season, seat.pk, proposed.first.pk)
    assert "7 people: a circle needs 5 to 6." in refused.value.problems
    assert "4 people: a circle needs 5 to 6." in refused.value.problems
    seat.refresh_from_db()
    assert seat.circle_id == proposed.second.pk


def test_move_breaking_a_rule_is_kept_when_confirmed(cast: Cast, proposed: Proposed) -> None:
    seat = _seat(proposed, 6)
    review.move_member(proposed.season, seat.pk, proposed.first.pk, force=True)
    seat.refresh_from_db()
    assert seat.circle_id == proposed.first.pk
    problems = review.load(proposed.season).problems()
    assert problems[proposed.first.pk] == ["7 people: a circle needs 5 to 6."]
    assert problems[proposed.second.pk] == ["4 people: a circle needs 5 to 6."]


def test_someone_not_free_at_the_slot_is_named(cast: Cast, proposed: Proposed) -> None:
    Registration.objects.filter(pk=proposed.registrations[0].pk).update(
        availability=["tue-evening"]
    )
    first, other = _seat(proposed, 0), _seat(proposed, 6)
    name = proposed.registrations[0].user.display_name
    with pytest.raises(review.BreaksRules) as refused:
        review.swap_members(proposed.season, first.pk, other.pk)
    assert refused.value.problems == [f"{name} is not free on Saturday morning."]


def test_swap_exchanges_two_people_and_keeps_sizes(cast: Cast, proposed: Proposed) -> None:
    first, other = _seat(proposed, 0), _seat(proposed, 6)
    review.swap_members(proposed.season, first.pk, other.pk)
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.circle_id, other.circle_id) == (proposed.second.pk, proposed.first.pk)
    assert proposed.first.memberships.count() == 6
    assert proposed.second.memberships.count() == 5


def test_swap_within_one_circle_is_refused(cast: Cast, proposed: Proposed) -> None:
    with pytest.raises(review.SameCircle):
        review.swap_members(
            proposed.season,
            _seat(proposed, 0).pk,
            _seat(proposed, 1).pk,
        )


def test_a_locked_circle_keeps_its_members(cast: Cast, proposed: Proposed) -> None:
    review.set_locked(proposed.season, proposed.first.pk, True)
    with pytest.raises(review.CircleLocked):
        review.move_member(proposed.season, _seat(proposed, 0).pk, proposed.second.pk)
    with pytest.raises(review.CircleLocked):
        review.swap_members(proposed.season, _seat(proposed, 6).pk, _seat(proposed, 0).pk)
    review.set_locked(proposed.season, proposed.first.pk, False)
    proposed.first.refresh_from_db()
    assert not proposed.first.locked


def test_placing_a_waiting_person_checks_the_circle(cast: Cast, proposed: Proposed) -> None:
    waiting = proposed.waiting.user
    with pytest.raises(review.BreaksRules):
        review.place_person(proposed.season, waiting.pk, proposed.first.pk)
    review.set_locked(proposed.season, proposed.second.pk, True)
    with pytest.raises(review.CircleLocked):
        review.place_person(proposed.season, waiting.pk, proposed.second.pk)
    review.place_person(proposed.season, waiting.pk, proposed.first.pk, force=True)
    assert Membership.objects.get(user=waiting).circle_id == proposed.first.pk
    assert not Unplaced.objects.filter(user=waiting).exists()
    with pytest.raises(review.NotUnplaced):
        review.place_person(proposed.season, waiting.pk, proposed.first.pk)


def test_circles_change_only_while_proposed(cast: Cast, proposed: Proposed) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    with pytest.raises(review.NotProposed):
        review.move_member(proposed.season, _seat(proposed, 0).pk, proposed.second.pk)
    with pytest.raises(review.NotProposed):
        review.set_locked(proposed.season, proposed.first.pk, True)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("v1 is not open at tue-evening", "Médiathèque is not open on Tuesday evening."),
        ("v1 lacks a need of r1", "Médiathèque lacks an access need of Alice."),
        (
            "v1 is 12.50 km from r1",
            "Médiathèque is 12.50 km away: farther than Alice can travel.",
        ),
        ("apart pair ['r1', 'r2'] together", "Some members of this circle cannot be together."),
        ("shared criterion lang differs", "Some members of this circle cannot be together."),
        ("v1 hosts 3 groups at sat-morning", "Médiathèque would host 3 circles at once"),
        ("missing or unknown venue None", "The circle has no venue."),
        ("no slot although members gave their times", "The circle has no weekly time."),
        ("r1 is in 2 groups", "Alice is in several circles."),
        ("something new", "A rule of the composition is broken."),
    ],
)
def test_every_finding_of_the_checker_has_plain_words(message: str, expected: str) -> None:
    words = review.plain_words(message, {"r1": "Alice"}, {"v1": "Médiathèque"})
    assert words.startswith(expected)


def test_without_locked_removes_members_and_a_seat_at_the_venue(
    cast: Cast, proposed: Proposed
) -> None:
    current = review.load(proposed.season)
    locked = [c for c in current.circles if c.pk == proposed.first.pk]
    built = without_locked(current.built, locked, current.pid_of)
    assert built.problem.n == 12 - 6
    vid = venue_id(cast.venue)
    venues = {v.id: v for v in built.problem.venues}
    assert venues[vid].slots == ("sat-morning",)
    copy = venues[f"{vid}@tue-evening"]
    assert copy.slots == ("tue-evening",) and copy.capacity == 1
    assert built.venues[f"{vid}@tue-evening"] == cast.venue


def test_recompose_keeps_locked_circles_exactly(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    crowd(season, 24)
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_composition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    kept = Circle.objects.filter(season=season).order_by("number").first()
    assert kept is not None
    review.set_locked(season, kept.pk, True)
    before = (kept.number, kept.venue_id, kept.slot, set(kept.memberships.values_list("user_id")))
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_recomposition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    kept.refresh_from_db()
    after = (kept.number, kept.venue_id, kept.slot, set(kept.memberships.values_list("user_id")))
    assert after == before and kept.locked
    others = Circle.objects.filter(season=season).exclude(pk=kept.pk)
    assert others.exists()
    numbers = list(Circle.objects.filter(season=season).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    per_site: dict[tuple[int | None, str], int] = {}
    for circle in Circle.objects.filter(season=season):
        key = (circle.venue_id, circle.slot)
        per_site[key] = per_site.get(key, 0) + 1
    assert max(per_site.values()) <= cast.venue.capacity
    assert review.load(season).problems() == {}


def test_a_stopped_recomposition_keeps_the_proposal(cast: Cast, proposed: Proposed) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda callback: None)
        actions.start_recomposition(proposed.season)
    proposed.season.refresh_from_db()
    assert proposed.season.state == SeasonState.COMPOSING
    actions.cancel_composition(proposed.season)
    proposed.season.refresh_from_db()
    assert proposed.season.state == SeasonState.PROPOSED
    assert Membership.objects.filter(circle__season=proposed.season).count() == 11


def test_a_failed_recomposition_goes_back_to_the_proposal(
    cast: Cast, proposed: Proposed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tierslien.circles.actions import compose

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(compose.mixing, "solve", broken)
    monkeypatch.setattr("django.db.transaction.on_commit", lambda callback: callback())
    actions.start_recomposition(proposed.season)
    proposed.season.refresh_from_db()
    assert proposed.season.state == SeasonState.PROPOSED
    assert proposed.season.job_error == "internal"
    assert Circle.objects.filter(season=proposed.season).count() == 2


def test_build_problem_is_unchanged_by_review(proposed: Proposed) -> None:
    assert build_problem(proposed.season).problem.n == 12
