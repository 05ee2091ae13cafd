"""Quotas, the published seed and the draw (services)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.seats import draw, quotas, seed
from tierslien.gatherings.meetings.seats.applications import UNDISCLOSED, balance_criteria
from tierslien.gatherings.meetings.seats.waitlist import waitlist_order
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Meeting,
    MeetingQuota,
    MeetingState,
)
from tierslien.portraits.models import Answer, Criterion, Portrait

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def after_close(meeting: Meeting) -> datetime.datetime:
    return meeting.registration_closes + datetime.timedelta(minutes=1)


def publish(meeting: Meeting, **kwargs: Any) -> Meeting:
    return seed.publish_seed(meeting, now=after_close(meeting), **kwargs)


def draw_now(meeting: Meeting, capture: Capture) -> Meeting:
    with capture(execute=True):
        draw.start_draw(meeting)
    meeting.refresh_from_db()
    return meeting


def unconstrained(meeting: Meeting) -> dict[tuple[str, str], tuple[int, int]]:
    keys = quotas.quota_keys(meeting, balance_criteria(meeting))
    return {key: (0, meeting.seats) for key in keys}


# --- Quotas ---


def test_defaults_follow_the_population_of_participants(cast: Cast, meeting: Meeting) -> None:
    gender = Criterion.objects.get(territory=cast.territory, key="gender")
    for k, value in enumerate(["woman"] * 6 + ["man"] * 4):
        user = make_user(f"pop{k}@example.org", f"Pop {k}")
        portrait = Portrait.objects.create(user=user, territory=cast.territory)
        Answer.objects.create(portrait=portrait, criterion=gender, value=value)
    # 12 portraits: 6 women, 4 men, 2 (alice and bob) without an answer; 12 seats, ± 5 points.
    bounds = quotas.population_defaults(meeting, balance_criteria(meeting), 0.05)
    assert bounds[("gender", "woman")] == (5, 7)
    assert bounds[("gender", "man")] == (3, 5)
    assert bounds[("gender", UNDISCLOSED)] == (1, 3)
    assert bounds[("gender", "other")] == (0, 1)
    assert quotas.population_defaults(meeting, balance_criteria(meeting), 0.0)[
        ("gender", "woman")
    ] == (6, 6)


def test_without_portraits_defaults_leave_every_value_free(cast: Cast) -> None:
    from tests.gatherings.meetings.conftest import make_meeting

    meeting = make_meeting(cast, other=True)
    bounds = quotas.population_defaults(meeting, balance_criteria(meeting))
    assert set(bounds.values()) == {(0, meeting.seats)}


def test_quota_lines_count_applicants_per_value(meeting: Meeting, applicants: Applicants) -> None:
    made = applicants(meeting, 30)
    lines = quotas.quota_lines(meeting, balance_criteria(meeting), made)
    by_key = {(line.key, line.value): line for line in lines}
    women = sum(1 for a in made if a.answers.get("gender") == "woman")
    assert by_key[("gender", "woman")].applicants == women
    assert sum(line.applicants for line in lines if line.key == "gender") == 30
    assert {line.key for line in lines} == {"occupation", "age_bracket", "gender"}


def test_save_quotas_replaces_every_row(meeting: Meeting) -> None:
    bounds = unconstrained(meeting)
    bounds[("gender", "woman")] = (3, 7)
    assert quotas.save_quotas(meeting, bounds) == len(bounds)
    quotas.save_quotas(meeting, bounds)
    assert MeetingQuota.objects.filter(meeting=meeting).count() == len(bounds)
    quota = MeetingQuota.objects.get(meeting=meeting, criterion_key="gender", value="woman")
    assert (quota.min_seats, quota.max_seats) == (3, 7)


@pytest.mark.parametrize("bad", [(5, 4), (-1, 3), (0, 13)])
def test_bad_bounds_save_nothing(meeting: Meeting, bad: tuple[int, int]) -> None:
    bounds = unconstrained(meeting)
    bounds[("gender", "woman")] = bad
    with pytest.raises(ValueError):
        quotas.save_quotas(meeting, bounds)
    assert not MeetingQuota.objects.exists()


def test_missing_values_save_nothing(meeting: Meeting) -> None:
    bounds = unconstrained(meeting)
    del bounds[("gender", "woman")]
    with pytest.raises(ValueError):
        quotas.save_quotas(meeting, bounds)
    assert not MeetingQuota.objects.exists()


def test_infeasible_quotas_are_explained_and_the_nearest_adopted(
    meeting: Meeting, applicants: Applicants
) -> None:
    made = applicants(meeting, 30)
    women = sum(1 for a in made if a.answers.get("gender") == "woman")
    bounds = unconstrained(meeting)
    bounds[("gender", "woman")] = (12, 12)
    quotas.save_quotas(meeting, bounds)
    report = quotas.check(meeting)
    assert report is not None and not report.feasible
    change = next(c for c in report.changes if (c.criterion, c.value) == ("gender", "woman"))
    assert change.min_after == min(women, 12)
    quotas.adopt_suggested(meeting)
    after = quotas.check(meeting)
    assert after is not None and after.feasible


def test_no_check_when_everyone_gets_a_seat(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, meeting.seats)
    assert quotas.check(meeting) is None


# --- The seed ---


def test_the_seed_waits_for_applications_to_close(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, 20)
    with pytest.raises(seed.NotReadyToPublish):
        seed.publish_seed(meeting)
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None and meeting.published_pool == []


def test_publishing_freezes_an_anonymised_pool(meeting: Meeting, applicants: Applicants) -> None:
    made = applicants(meeting, 20)
    published = publish(meeting)
    assert 0 <= published.draw_seed < 2**63
    assert published.seed_source == ""
    rows = published.published_pool
    assert sorted(r["id"] for r in rows) == sorted(a.pseudonym for a in made)
    assert all(set(r) == {"id", "occupation", "age_bracket", "gender"} for r in rows)
    assert all(r["gender"] in ("woman", "man", "other", UNDISCLOSED) for r in rows)
    keys = [c.key for c in balance_criteria(meeting)]
    assert seed.pool_csv(published).splitlines()[0] == ",".join(["id", *keys])
    quotas = seed.quotas_csv(published).splitlines()
    assert quotas[0] == "criterion,value,min,max"
    assert f"gender,{UNDISCLOSED},0,12" in quotas
    with pytest.raises(seed.NotReadyToPublish):
        publish(meeting)


def test_a_seed_from_a_public_source(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, 20)
    published = publish(meeting, seed=20261201, source="  EuroMillions, 1 Dec 2026 ")
    assert (published.draw_seed, published.seed_source) == (20261201, "EuroMillions, 1 Dec 2026")


def test_the_seed_is_refused_when_the_quotas_cannot_be_met(
    meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 20)
    bounds = unconstrained(meeting)
    bounds[("gender", "woman")] = (12, 12)
    bounds[("gender", "man")] = (12, 12)
    quotas.save_quotas(meeting, bounds)
    with pytest.raises(seed.QuotasInfeasible):
        publish(meeting)
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None and meeting.published_pool == []


def test_quotas_are_frozen_with_the_seed(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, 20)
    publish(meeting)
    with pytest.raises(quotas.QuotasFrozen):
        quotas.save_quotas(meeting, unconstrained(meeting))
    with pytest.raises(quotas.QuotasFrozen):
        quotas.adopt_suggested(meeting)


# --- The draw ---


def test_draw_needs_a_published_seed(meeting: Meeting) -> None:
    with pytest.raises(draw.DrawNotPossible):
        draw.start_draw(meeting)


def test_the_draw_selects_a_panel_within_the_quotas(
    meeting: Meeting,
    applicants: Applicants,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    applicants(meeting, 40)
    bounds = unconstrained(meeting)
    bounds[("gender", "woman")] = (4, 6)
    quotas.save_quotas(meeting, bounds)
    publish(meeting, seed=7, source="dice")
    mail.outbox.clear()
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    assert meeting.state == MeetingState.ALLOCATED
    assert meeting.draw_job == "done"
    rows = list(Application.objects.filter(meeting=meeting))
    selected = [a for a in rows if a.status == ApplicationStatus.SELECTED]
    waiting = [a for a in rows if a.status == ApplicationStatus.WAITLISTED]
    assert len(selected) == meeting.seats == meeting.seated_count
    assert sorted(a.pseudonym for a in selected) == meeting.published_panel
    assert meeting.draw_record["panel"] == meeting.published_panel
    assert 4 <= sum(1 for a in selected if a.answers.get("gender") == "woman") <= 6
    assert sum(a.probability for a in rows) == pytest.approx(meeting.seats, abs=1e-6)
    assert meeting.min_probability == pytest.approx(min(a.probability for a in rows), abs=1e-9)
    for a in selected:  # 72 hours, rounded up to the next full hour
        assert a.confirm_by is not None and a.selected_at is not None
        late = a.confirm_by - (a.selected_at + datetime.timedelta(hours=72))
        assert datetime.timedelta(0) <= late < datetime.timedelta(hours=1)
        assert (a.confirm_by.minute, a.confirm_by.second, a.confirm_by.microsecond) == (0, 0, 0)
    order = waitlist_order(7, [a.pseudonym for a in waiting])
    assert [a.pseudonym for a in sorted(waiting, key=lambda a: a.waitlist_rank)] == order
    assert len(mail.outbox) == 40
    with_calendar = [m for m in mail.outbox if m.attachments]
    assert len(with_calendar) == meeting.seats
    assert "BEGIN:VEVENT" in with_calendar[0].attachments[0][1]


def test_everyone_is_seated_when_applications_do_not_exceed_seats(
    meeting: Meeting,
    applicants: Applicants,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    applicants(meeting, 9)
    publish(meeting)
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    assert meeting.state == MeetingState.ALLOCATED
    assert meeting.draw_record == {}
    assert meeting.min_probability == 1.0
    assert set(Application.objects.values_list("status", "probability")) == {
        (ApplicationStatus.SELECTED, 1.0)
    }
    assert meeting.seated_count == 9


def test_a_draw_without_applicants_allocates_nobody(
    meeting: Meeting, django_capture_on_commit_callbacks: Capture
) -> None:
    publish(meeting)
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    assert (meeting.state, meeting.seated_count, meeting.min_probability) == (
        MeetingState.ALLOCATED,
        0,
        None,
    )


def test_a_failed_draw_changes_nothing_and_can_be_retried(
    meeting: Meeting,
    applicants: Applicants,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    applicants(meeting, 20)
    good_pool = publish(meeting).published_pool
    Meeting.objects.filter(pk=meeting.pk).update(published_pool=[{"id": "x"}] * 20)
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    assert (meeting.state, meeting.draw_job) == (MeetingState.OPEN, "failed")
    assert meeting.draw_error
    assert not Application.objects.exclude(status=ApplicationStatus.APPLIED).exists()
    Meeting.objects.filter(pk=meeting.pk).update(published_pool=good_pool)
    meeting.refresh_from_db()
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    assert meeting.state == MeetingState.ALLOCATED


def test_a_stale_job_does_nothing(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, 20)
    publish(meeting)
    assert draw.run_draw(meeting.pk) == MeetingState.OPEN  # never queued
    assert draw.run_draw(999999) == "missing"
    meeting.refresh_from_db()
    assert meeting.drawn_at is None


def test_a_second_draw_is_refused_while_one_is_queued(
    meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 20)
    publish(meeting)
    draw.start_draw(meeting)  # on_commit not run: stays queued
    with pytest.raises(draw.DrawNotPossible):
        draw.start_draw(meeting)


def test_progress_is_written_while_running(meeting: Meeting) -> None:
    from tierslien.lottery import Progress

    Meeting.objects.filter(pk=meeting.pk).update(draw_job="running")
    writer = draw.progress_writer(meeting.pk, interval=0)
    writer(Progress(iteration=3, compositions=5, lower=0.1, upper=0.2))
    meeting.refresh_from_db()
    assert meeting.draw_progress["iteration"] == 3
    assert meeting.draw_progress["upper"] == 0.2


def test_a_meeting_without_criteria_draws_a_plain_lottery(
    cast: Cast,
    meeting: Meeting,
    applicants: Applicants,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    applicants(meeting, 20)
    meeting.criteria.clear()
    meeting = publish(meeting)
    assert seed.quotas_csv(meeting).splitlines()[1] == "everyone,yes,0,12"
    meeting = draw_now(meeting, django_capture_on_commit_callbacks)
    probabilities = set(Application.objects.values_list("probability", flat=True))
    assert max(probabilities) == pytest.approx(0.6, abs=1e-6)
    assert min(probabilities) == pytest.approx(0.6, abs=1e-6)


def test_a_stalled_draw_can_be_started_again(meeting: Meeting, applicants: Applicants) -> None:
    applicants(meeting, 20)
    publish(meeting)
    started = draw.start_draw(meeting)  # on_commit not run: stays queued
    assert not draw.stalled(started)
    with pytest.raises(draw.DrawRunning):
        draw.start_draw(meeting)
    # Silent for two heartbeats (a minute): the facilitator may start it again at once.
    later = timezone.now() + datetime.timedelta(minutes=1, seconds=1)
    assert draw.stalled(started, later)
    again = draw.start_draw(meeting, now=later)
    assert again.draw_job == "queued"
    assert again.draw_attempt == started.draw_attempt + 1
    Meeting.objects.filter(pk=meeting.pk).update(draw_job="running", draw_heartbeat_at=None)
    meeting.refresh_from_db()
    assert draw.stalled(meeting)
