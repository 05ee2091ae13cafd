"""Publishing: atomic invitations with calendars, answers, freed seats, the season's clock."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.circles.conftest import Proposed
from tests.ritual import assert_sent_to_login, password_only
from tierslien.accounts.models import User
from tierslien.circles.actions import invitations, publish
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.schedule import session_times
from tierslien.lib.ical import unfold, utc_stamp

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _publish(proposed: Proposed, capture: Any) -> Season:
    with capture(execute=True):
        publish.publish_season(proposed.season)
    proposed.season.refresh_from_db()
    return proposed.season


def _mail_to(user: User) -> Any:
    found = [m for m in mail.outbox if m.to == [user.email]]
    assert len(found) == 1
    return found[0]


@time_machine.travel(NOW, tick=False)
def test_publishing_invites_every_member_with_a_deadline(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _publish(proposed, django_capture_on_commit_callbacks)
    assert season.state == SeasonState.PUBLISHED
    seats = Membership.objects.filter(circle__season=season)
    assert seats.count() == 11
    for seat in seats:
        assert seat.status == MembershipStatus.INVITED
        assert seat.invited_at == NOW
        assert seat.respond_by == NOW + datetime.timedelta(days=7)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.user.email for s in seats)


@time_machine.travel(NOW + datetime.timedelta(minutes=9, seconds=30), tick=False)
def test_the_deadline_is_on_a_full_hour_not_the_odd_minute_of_publication(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    """Published at 09:09:30 UTC: answers are due seven days later at 10:00 UTC, not 09:09."""
    _publish(proposed, django_capture_on_commit_callbacks)
    seat = Membership.objects.filter(circle__season=proposed.season).first()
    assert seat is not None
    assert seat.respond_by == NOW + datetime.timedelta(days=7, hours=1)


@time_machine.travel(NOW, tick=False)
def test_the_deadline_follows_the_season(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(confirmation_days=3)
    _publish(proposed, django_capture_on_commit_callbacks)
    seat = Membership.objects.filter(circle__season=proposed.season).first()
    assert seat is not None and seat.respond_by == NOW + datetime.timedelta(days=3)


def test_a_failure_midway_publishes_nothing_and_sends_nothing(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    real = invitations.render_invitation
    calls = {"n": 0}

    def flaky(membership: Membership, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("template broke")
        return real(membership, *args)

    with (
        mock.patch.object(invitations, "render_invitation", flaky),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        publish.publish_season(proposed.season)
    proposed.season.refresh_from_db()
    assert proposed.season.state == SeasonState.PROPOSED
    assert not Membership.objects.filter(circle__season=proposed.season).exclude(
        status=MembershipStatus.PROPOSED
    )
    assert mail.outbox == []


def test_publishing_twice_is_refused(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _publish(proposed, django_capture_on_commit_callbacks)
    with pytest.raises(publish.CannotPublish):
        publish.publish_season(proposed.season)
    assert len(mail.outbox) == 11


@time_machine.travel(NOW, tick=False)
def test_email_in_english_has_everything_and_a_parsable_calendar(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    user = proposed.registrations[0].user
    User.objects.filter(pk=user.pk).update(language="en")
    _publish(proposed, django_capture_on_commit_callbacks)
    message = _mail_to(user)
    body = message.body
    assert "circle 1" in message.subject.lower()
    assert f"Hello {user.display_name}" in body
    assert cast.venue.name in body and cast.venue.address in body
    assert "every week on Tuesday evening" in body
    sessions = session_times(proposed.season, "tue-evening")
    assert len(sessions) == proposed.season.sessions
    for session in sessions:
        day = session.starts_at
        assert f"{day.day} {day:%B} {day.year}, {day:%H:%M}" in body
    url = reverse("circle_invitation", args=[cast.territory.slug, proposed.first.pk])
    assert url in body
    assert "Please tell us before" in body
    name, content, mimetype = message.attachments[0]
    assert name == "circle-1.ics" and mimetype == "text/calendar"
    lines = unfold(content)
    assert lines.count("BEGIN:VEVENT") == len(sessions)
    starts = [line.split(":", 1)[1] for line in lines if line.startswith("DTSTART:")]
    assert starts == [utc_stamp(s.starts_at) for s in sessions]
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(sessions)
    assert f"DTSTAMP:{utc_stamp(NOW)}" in lines
    assert any(line.startswith("LOCATION:Médiathèque\\, 1 place de la Mairie") for line in lines)


def test_email_in_french_for_a_french_speaker(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    user = proposed.registrations[6].user
    User.objects.filter(pk=user.pk).update(language="fr")
    _publish(proposed, django_capture_on_commit_callbacks)
    message = _mail_to(user)
    assert "Bonjour" in message.body
    assert "Hello" not in message.body
    assert cast.venue.address in message.body
    assert message.attachments[0][0] == "circle-2.ics"
    assert "BEGIN:VCALENDAR" in message.attachments[0][1]


# --- Answers and freed seats ---


def _published(proposed: Proposed, capture: Any) -> Season:
    season = _publish(proposed, capture)
    mail.outbox.clear()
    return season


def test_confirming_keeps_the_seat(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    seat = Membership.objects.get(user=proposed.registrations[0].user)
    kept = publish.answer_invitation(seat, "confirm")
    assert kept is not None and kept.status == MembershipStatus.CONFIRMED
    with pytest.raises(publish.NotInvited):
        publish.answer_invitation(seat, "confirm")


def test_declining_frees_the_seat_and_invites_someone_waiting(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    leaving = proposed.registrations[6].user  # circle two: five people, four after this
    seat = Membership.objects.get(user=leaving)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish.answer_invitation(seat, "decline") is None
    assert not Membership.objects.filter(user=leaving).exists()
    assert Unplaced.objects.get(user=leaving).code == publish.DECLINED
    proposed.second.refresh_from_db()
    assert proposed.second.declined == 1
    newcomer = Membership.objects.get(user=proposed.waiting.user)
    assert newcomer.status == MembershipStatus.INVITED
    assert not Unplaced.objects.filter(user=proposed.waiting.user).exists()
    assert [m.to for m in mail.outbox] == [[proposed.waiting.user.email]]
    # The person who declined is never offered a seat again.
    assert publish.refill(proposed.season.pk) == 0


def test_a_circle_left_below_the_minimum_stays_flagged_when_nobody_waits(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    Unplaced.objects.filter(user=proposed.waiting.user).update(code=publish.DECLINED)
    seat = Membership.objects.get(user=proposed.registrations[6].user)
    with django_capture_on_commit_callbacks(execute=True):
        publish.answer_invitation(seat, "decline")
    assert Membership.objects.filter(circle=proposed.second).count() == 4
    assert mail.outbox == []


def test_expired_invitations_free_their_seats(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        _published(proposed, django_capture_on_commit_callbacks)
        seat = Membership.objects.get(user=proposed.registrations[0].user)
        publish.answer_invitation(seat, "confirm")
    with time_machine.travel(NOW + datetime.timedelta(days=6, hours=23), tick=False):
        assert publish.expire_invitations() == 0
    with (
        time_machine.travel(NOW + datetime.timedelta(days=7, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("expire_invitations", stdout=open("/dev/null", "w"))  # noqa: SIM115
    left = Membership.objects.filter(circle__season=proposed.season)
    assert set(left.values_list("user_id", flat=True)) >= {proposed.registrations[0].user_id}
    assert Unplaced.objects.filter(season=proposed.season, code=publish.EXPIRED).count() == 10
    proposed.first.refresh_from_db()
    assert proposed.first.expired == 5


def test_answers_are_refused_once_the_season_is_over(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.CLOSED)
    seat = Membership.objects.get(user=proposed.registrations[0].user)
    with pytest.raises(publish.NotInvited):
        publish.answer_invitation(seat, "decline")


# --- The season's clock ---


def test_seasons_start_and_close_on_time(proposed: Proposed) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    first, last = publish.season_bounds(proposed.season)
    assert first is not None and last is not None
    with time_machine.travel(first - datetime.timedelta(minutes=1), tick=False):
        assert publish.advance_seasons() == []
    with time_machine.travel(first, tick=False):
        call_command("advance_seasons", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Season.objects.get(pk=proposed.season.pk).state == SeasonState.RUNNING
    with time_machine.travel(last - datetime.timedelta(minutes=1), tick=False):
        assert publish.advance_seasons() == []
    with time_machine.travel(last, tick=False):
        assert publish.advance_seasons() == [(proposed.season.pk, SeasonState.CLOSED)]
    assert Season.objects.get(pk=proposed.season.pk).state == SeasonState.CLOSED


def test_a_season_long_past_starts_and_closes_at_once(proposed: Proposed) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    later = timezone.now() + datetime.timedelta(days=400)
    moved = publish.advance_seasons(later)
    assert [state for _pk, state in moved] == [SeasonState.RUNNING, SeasonState.CLOSED]


# --- The member's page ---


def _invitation_url(cast: Cast, circle: Circle, slug: str | None = None) -> str:
    return reverse("circle_invitation", args=[slug or cast.territory.slug, circle.pk])


def test_invitation_page_ritual(
    cast: Cast, proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    target = _invitation_url(cast, proposed.first)
    # Before publication nobody reaches it.
    member = password_only(proposed.registrations[0].user)
    assert member.get(target).status_code == 404
    _published(proposed, django_capture_on_commit_callbacks)
    response = client_as("anonymous").get(target)
    assert_sent_to_login(response)
    for role in ("outsider", "participant", "facilitator", "admin"):
        assert client_as(role).get(target).status_code == 404
    other_member = password_only(proposed.registrations[6].user)
    assert other_member.get(target).status_code == 404
    assert member.get(_invitation_url(cast, proposed.first, "autreville")).status_code == 404
    assert member.get(_invitation_url(cast, proposed.first, "nowhere")).status_code == 404
    assert member.get(target.replace(f"/{proposed.first.pk}/", "/999999/")).status_code == 404
    assert member.put(target).status_code == 405
    User.objects.filter(pk=proposed.registrations[0].user_id).update(language="en")
    page = member.get(target).content.decode()
    assert cast.venue.address in page, page
    assert "I will come" in page


def test_member_confirms_then_gives_the_seat_back(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    user = proposed.registrations[0].user
    User.objects.filter(pk=user.pk).update(language="en")
    client = password_only(user)
    target = _invitation_url(cast, proposed.first)
    response = client.post(target, {"answer": "maybe"})
    assert (
        response.status_code == 200
        and "Choose one of the two answers." in response.content.decode()
    )
    response = client.post(target, {"answer": "confirm"})
    assert response.url == target
    page = client.get(target).content.decode()
    assert "your seat is confirmed" in page and "Give my seat back" in page
    response = client.post(target, {"answer": "confirm"})
    assert "already recorded" in client.get(response.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(target, {"answer": "decline"})
    assert response.url == reverse("season_detail", args=[cast.territory.slug, proposed.season.pk])
    assert not Membership.objects.filter(user=user).exists()
    assert client.get(target).status_code == 404


def test_season_page_links_a_member_to_their_invitation(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    _published(proposed, django_capture_on_commit_callbacks)
    client = password_only(proposed.registrations[0].user)
    page = client.get(reverse("season_detail", args=[cast.territory.slug, proposed.season.pk]))
    assert _invitation_url(cast, proposed.first) in page.content.decode()
