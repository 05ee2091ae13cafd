"""Composition end to end with the immediate tasks backend, progress, and failures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cast import Cast
from tests.circles.conftest import Crowd, Proposed
from tierslien import mixing
from tierslien.circles import actions
from tierslien.circles.actions import compose
from tierslien.circles.actions.compose import done_fraction, progress_writer, run_composition
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.lib import jobs

pytestmark = pytest.mark.django_db


def _start(season: Season, cast: Cast, capture: Any) -> Season:
    with capture(execute=True):
        actions.start_composition(season)
    season.refresh_from_db()
    return season


def test_thirty_people_are_composed_into_valid_circles(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    registrations = crowd(season, 30)
    season = _start(season, cast, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    assert season.job_state == JobState.DONE
    assert season.job_progress == 1.0
    assert season.job_best_score is not None and season.job_best_score > 0
    assert season.report["placed"] + season.report["unplaced"] == 30
    circles = list(Circle.objects.filter(season=season).prefetch_related("memberships"))
    assert circles
    availability = {r.user_id: set(r.availability) for r in registrations}
    placed = set()
    for circle in circles:
        members = [m.user_id for m in circle.memberships.all()]
        assert season.min_size <= len(members) <= season.max_size
        assert circle.venue == cast.venue
        assert circle.venue is not None and circle.slot in circle.venue.opening_slots
        for user_id in members:
            assert circle.slot in availability[user_id]
        placed.update(members)
        assert set(circle.counts) >= {"occupation", "age_bracket", "sectors"}
        assert circle.counts["sectors"] == 1
        assert circle.diversity > 0
    unplaced = set(Unplaced.objects.filter(season=season).values_list("user_id", flat=True))
    assert placed.isdisjoint(unplaced)
    assert placed | unplaced == set(availability)
    # The venue hosts two circles a slot, two slots: at most four circles.
    assert len(circles) <= 4
    assert [c.number for c in circles] == list(range(1, len(circles) + 1))


def test_people_without_a_common_time_are_unplaced_with_the_engine_reason(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    crowd(season, 6)
    lonely = crowd(season, 1, slots=["mon-morning"])[0]
    season = _start(season, cast, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    unplaced = Unplaced.objects.get(season=season)
    assert unplaced.user_id == lonely.user_id
    assert unplaced.code == "no_venue_open"
    assert unplaced.message


def test_starting_needs_enough_people_and_leaves_the_season_open(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    crowd(season, 4)
    with pytest.raises(actions.TooFewPeople):
        actions.start_composition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN


def test_starting_enqueues_the_task_only_on_commit(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    crowd(season, 6)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.start_composition(season)
    season.refresh_from_db()
    assert season.state == SeasonState.COMPOSING
    assert season.job_state == JobState.QUEUED
    assert len(callbacks) == 1
    assert not Circle.objects.filter(season=season).exists()


def test_failure_sends_the_season_back_to_open_with_nothing_half_written(
    cast: Cast,
    season: Season,
    crowd: Crowd,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crowd(season, 12)

    def broken_save(*args: Any, **kwargs: Any) -> str:
        # Write a circle, then fail: the transaction must take it away.
        Circle.objects.create(season=season, slot="tue-evening", number=1)
        raise RuntimeError("disk full")

    monkeypatch.setattr(compose, "save_composition", compose.transaction.atomic(broken_save))
    season = _start(season, cast, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.OPEN
    assert season.job_state == JobState.FAILED
    assert season.job_error == "internal"
    assert "disk full" in season.job_message
    assert not Circle.objects.filter(season=season).exists()
    assert not Membership.objects.filter(circle__season=season).exists()
    assert not Unplaced.objects.filter(season=season).exists()
    assert Registration.objects.filter(season=season).count() == 12


def test_too_few_people_at_composition_time_fails_cleanly(
    cast: Cast, season: Season, crowd: Crowd
) -> None:
    crowd(season, 3)
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.QUEUED
    )
    assert run_composition(season.pk) == SeasonState.OPEN
    season.refresh_from_db()
    assert season.job_error == "too_few_people"


def test_invalid_problem_fails_with_the_engine_message(
    cast: Cast, season: Season, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(season, 6)
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.QUEUED
    )

    def bad(_season: Season) -> Any:
        raise mixing.ProblemError("must be a number", where="person 'r1'")

    monkeypatch.setattr(compose, "build_problem", bad)
    assert run_composition(season.pk) == SeasonState.OPEN
    season.refresh_from_db()
    assert season.job_error == "invalid_problem"
    assert "person 'r1'" in season.job_message


def test_a_stale_job_does_nothing(season: Season) -> None:
    assert run_composition(season.pk) == SeasonState.OPEN
    assert run_composition(10**9) == "missing"
    season.refresh_from_db()
    assert season.job_state == JobState.IDLE


def test_a_result_arriving_after_the_season_moved_is_dropped(
    cast: Cast, season: Season, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(season, 6)
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.QUEUED
    )
    real_solve = mixing.solve

    def solve_then_reopen(*args: Any, **kwargs: Any) -> mixing.Result:
        result = real_solve(*args, **kwargs)
        Season.objects.filter(pk=season.pk).update(state=SeasonState.OPEN)
        return result

    monkeypatch.setattr(compose.mixing, "solve", solve_then_reopen)
    assert run_composition(season.pk) == SeasonState.OPEN
    assert not Circle.objects.filter(season=season).exists()


def test_progress_is_written_at_most_every_interval(
    season: Season, django_assert_num_queries: Any
) -> None:
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.RUNNING
    )
    writer = progress_writer(season.pk, interval=3600)
    with django_assert_num_queries(1):
        writer(mixing.Progress(0.1, 1.0, "improve", 12.5, 0.25))
        writer(mixing.Progress(0.2, 1.0, "improve", 13.0, 0.5))  # too soon: skipped
    season.refresh_from_db()
    assert season.job_progress == 0.25
    # The engine's score counts the sensitive questions: it is never kept (nor shown).
    assert season.job_best_score is None
    with django_assert_num_queries(1):
        writer(mixing.Progress(0.9, 1.0, "report", 0.0, 1.0))  # the end is always written
    season.refresh_from_db()
    assert season.job_progress == 1.0
    assert season.job_best_score is None


def test_progress_during_a_real_composition_reaches_the_row(
    cast: Cast, season: Season, crowd: Crowd, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd(season, 12)
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.QUEUED
    )
    seen: list[float] = []
    original = jobs.ProgressWriter.__call__

    def spy(self: jobs.ProgressWriter[mixing.Progress], progress: mixing.Progress) -> None:
        original(self, progress)
        seen.append(Season.objects.get(pk=season.pk).job_progress)

    monkeypatch.setattr(jobs.ProgressWriter, "__call__", spy)
    run_composition(season.pk)
    assert seen and seen[-1] == 1.0
    # The bar moves during the run, not only from 0 to 100 % at the end.
    assert any(0.0 < value < 1.0 for value in seen), seen


def test_the_fraction_done_follows_the_time_spent_when_the_work_share_stays_at_zero() -> None:
    # One block (a few hundred people): the engine's share of work is 0 until it is done.
    assert done_fraction(mixing.Progress(0.0, 20.0, "construct", 0.0, 0.0)) == 0.0
    assert done_fraction(mixing.Progress(5.0, 20.0, "improve", 80.0, 0.0)) == 0.25
    assert done_fraction(mixing.Progress(12.0, 20.0, "improve", 80.0, 0.75)) == 0.75
    # Past its time limit but not finished: below 100 % until the engine says it is done.
    assert done_fraction(mixing.Progress(21.0, 20.0, "improve", 80.0, 0.5)) == 0.99
    assert done_fraction(mixing.Progress(21.0, 20.0, "report", 80.0, 1.0)) == 1.0
    assert done_fraction(mixing.Progress(0.3, 0.0, "improve", 80.0, 0.5)) == 0.5


def test_the_time_limit_is_the_setting(
    cast: Cast, season: Season, crowd: Crowd, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.COMPOSE_TIME_LIMIT = 2.5
    crowd(season, 6)
    Season.objects.filter(pk=season.pk).update(
        state=SeasonState.COMPOSING, job_state=JobState.QUEUED
    )
    limits: list[float] = []
    real_solve = mixing.solve

    def spy(*args: Any, **kwargs: Any) -> mixing.Result:
        limits.append(kwargs["time_limit"])
        return real_solve(*args, **{**kwargs, "time_limit": 0.2})

    monkeypatch.setattr(compose.mixing, "solve", spy)
    run_composition(season.pk)
    assert limits == [2.5]


def test_a_territory_without_venues_still_gets_circles_at_a_common_time(
    cast: Cast, season: Season, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    cast.venue.delete()
    crowd(season, 10)
    season = _start(season, cast, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    circles = list(Circle.objects.filter(season=season))
    assert circles and all(c.venue is None for c in circles)
    assert all(c.slot in ("tue-evening", "sat-morning") for c in circles)


# --- Completing a proposal: every circle kept, the people left out placed ---


def _complete(season: Season, capture: Any) -> Season:
    with capture(execute=True):
        actions.start_completion(season)
    season.refresh_from_db()
    return season


def _members(circle: Circle) -> set[int]:
    return set(Membership.objects.filter(circle=circle).values_list("user_id", flat=True))


def test_completing_seats_the_person_left_out_and_moves_nobody(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = _members(proposed.first), _members(proposed.second)
    Circle.objects.filter(pk=proposed.first.pk).update(locked=True)
    season = _complete(proposed.season, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    assert season.job_state == JobState.DONE
    circles = list(Circle.objects.filter(season=season).order_by("number"))
    # The same two circles (rows, numbers, lock), the first untouched; the person waiting
    # joins the one with room (Saturday morning, five people).
    assert [c.pk for c in circles] == [proposed.first.pk, proposed.second.pk]
    assert [c.number for c in circles] == [1, 2]
    assert circles[0].locked and not circles[1].locked
    assert _members(proposed.first) == first
    assert _members(proposed.second) == second | {proposed.waiting.user_id}
    assert not Unplaced.objects.filter(season=season).exists()
    assert season.report["placed"] == 12
    # The circle that changed got its figures again.
    circles[1].refresh_from_db()
    assert circles[1].diversity != 1.0 and circles[1].counts["sectors"] == 1


def test_completing_after_a_venue_opens_at_a_new_time_forms_a_new_circle(
    cast: Cast, proposed: Proposed, crowd: Crowd, django_capture_on_commit_callbacks: Any
) -> None:
    """Five people free only on Wednesday evening, when no venue opened: the venue opens
    then, and completing gives them a circle of their own, nobody else moving."""
    newcomers = crowd(proposed.season, 5, slots=["wed-evening"])
    Unplaced.objects.bulk_create(
        Unplaced(season=proposed.season, user=r.user, code="no_venue_open") for r in newcomers
    )
    first, second = _members(proposed.first), _members(proposed.second)
    cast.venue.opening_slots = [*cast.venue.opening_slots, "wed-evening"]
    cast.venue.save(update_fields=["opening_slots"])
    season = _complete(proposed.season, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    circles = list(Circle.objects.filter(season=season).order_by("number"))
    assert [c.number for c in circles] == [1, 2, 3]
    assert _members(proposed.first) == first
    assert _members(proposed.second) >= second
    assert circles[2].slot == "wed-evening"
    assert _members(circles[2]) == {r.user_id for r in newcomers}
    assert season.report["placed"] == 17


def test_a_circle_that_can_no_longer_meet_is_replaced_by_a_new_one_when_completing(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    """The venue no longer opens on Saturday morning: that circle's members are placed
    afresh (here with the person waiting, on Tuesday evening) in a new circle, never in
    the old row at a time it cannot meet."""
    first = _members(proposed.first)
    saturday = _members(proposed.second)
    cast.venue.opening_slots = ["tue-evening"]
    cast.venue.save(update_fields=["opening_slots"])
    season = _complete(proposed.season, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    circles = list(Circle.objects.filter(season=season).order_by("number"))
    assert [c.pk for c in circles][0] == proposed.first.pk
    assert _members(proposed.first) == first
    assert not Circle.objects.filter(pk=proposed.second.pk).exists()
    assert [(c.number, c.slot) for c in circles] == [(1, "tue-evening"), (2, "tue-evening")]
    assert _members(circles[1]) == saturday | {proposed.waiting.user_id}


def test_a_failed_completion_leaves_the_proposal_as_it_was(
    proposed: Proposed,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {c.pk: _members(c) for c in Circle.objects.filter(season=proposed.season)}

    def broken_save(*args: Any, **kwargs: Any) -> str:
        Membership.objects.filter(circle=proposed.first).delete()
        raise RuntimeError("disk full")

    monkeypatch.setattr(compose, "save_composition", compose.transaction.atomic(broken_save))
    season = _complete(proposed.season, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PROPOSED
    assert season.job_state == JobState.FAILED
    assert {c.pk: _members(c) for c in Circle.objects.filter(season=season)} == before
    assert Unplaced.objects.get(season=season).user_id == proposed.waiting.user_id


def test_only_a_proposal_can_be_completed(proposed: Proposed) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    with pytest.raises(actions.CannotRecompose):
        actions.start_completion(proposed.season)
    assert Season.objects.get(pk=proposed.season.pk).state == SeasonState.PUBLISHED
