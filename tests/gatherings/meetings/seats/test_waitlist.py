"""Confirming, declining, expiring; the waiting list's order and quota-keeping promotions."""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Callable
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import Applicants
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.seats import draw, quotas, seed, waitlist
from tierslien.gatherings.meetings.seats.applications import balance_criteria
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lottery import Quota
from tierslien.territories.models import Facilitator

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def drawn(
    meeting: Meeting, applicants: Applicants, django_capture_on_commit_callbacks: Callable
) -> Meeting:
    """30 applicants, 12 seats, exactly `k` women (k = 4), drawn with seed 11."""
    made = applicants(meeting, 30)
    women = sum(1 for a in made if a.answers.get("gender") == "woman")
    assert women >= 6
    keys = quotas.quota_keys(meeting, balance_criteria(meeting))
    bounds = {key: (0, meeting.seats) for key in keys}
    bounds[("gender", "woman")] = (4, 4)
    quotas.save_quotas(meeting, bounds)
    seed.publish_seed(
        meeting, seed=11, source="dice", now=meeting.registration_closes + datetime.timedelta(1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    mail.outbox.clear()
    return meeting


def women_holding(meeting: Meeting) -> int:
    return sum(
        1
        for a in Application.objects.holding_seats().filter(meeting=meeting)
        if a.answers.get("gender") == "woman"
    )


def test_the_waitlist_order_is_the_published_rule() -> None:
    ids = ["b", "a", "c", "d"]
    digest = {i: hashlib.sha256(f"42:{i}".encode()).hexdigest() for i in ids}
    assert waitlist.waitlist_order(42, ids) == sorted(ids, key=digest.__getitem__)
    assert waitlist.waitlist_order(42, ids) == waitlist.waitlist_order(42, reversed(ids))
    assert sorted(waitlist.waitlist_order(43, ids)) == sorted(ids)


def test_promotion_skips_people_who_would_break_a_quota() -> None:
    quotas = [
        Quota("g", "w", 2, 3),
        Quota("g", "m", 0, 3),
    ]
    holders = [{"g": "w"}, {"g": "m"}, {"g": "m"}]
    waiting = [("x1", {"g": "m"}), ("x2", {"g": "m"}), ("x3", {"g": "w"})]
    chosen, kept = waitlist.choose_promotions(quotas, holders, waiting, 1)
    assert (chosen, kept) == (["x3"], True)


def test_promotion_looks_ahead_over_several_free_seats() -> None:
    quotas = [Quota("g", "w", 1, 2), Quota("g", "m", 1, 2)]
    waiting = [("a", {"g": "m"}), ("b", {"g": "m"}), ("c", {"g": "w"})]
    chosen, kept = waitlist.choose_promotions(quotas, [], waiting, 2)
    assert (chosen, kept) == (["a", "c"], True)


def test_when_nobody_keeps_the_quotas_the_first_in_order_is_promoted() -> None:
    quotas = [Quota("g", "w", 2, 3), Quota("g", "m", 0, 3)]
    holders = [{"g": "w"}, {"g": "m"}, {"g": "m"}]
    waiting = [("x1", {"g": "m"}), ("x2", {"g": "m"})]
    assert waitlist.choose_promotions(quotas, holders, waiting, 1) == (["x1"], False)


def test_an_empty_waitlist_promotes_nobody() -> None:
    assert waitlist.choose_promotions([Quota("g", "w", 0, 3)], [], [], 2) == ([], True)


def test_confirm_a_seat(drawn: Meeting) -> None:
    application = Application.objects.filter(meeting=drawn, status=S.SELECTED).first()
    confirmed = waitlist.confirm_seat(application)
    assert confirmed.status == S.CONFIRMED and confirmed.confirmed_at is not None
    with pytest.raises(waitlist.NoSeatToAnswer):
        waitlist.confirm_seat(application)


def test_no_confirmation_after_the_deadline(drawn: Meeting) -> None:
    application = Application.objects.filter(meeting=drawn, status=S.SELECTED).first()
    with pytest.raises(waitlist.NoSeatToAnswer):
        waitlist.confirm_seat(application, now=application.confirm_by + datetime.timedelta(1))
    application.refresh_from_db()
    assert application.status == S.SELECTED


def test_the_waitlisted_cannot_confirm_or_decline(drawn: Meeting) -> None:
    application = Application.objects.filter(meeting=drawn, status=S.WAITLISTED).first()
    for action in (waitlist.confirm_seat, waitlist.decline_seat):
        with pytest.raises(waitlist.NoSeatToAnswer):
            action(application)


def test_a_decline_promotes_someone_who_keeps_the_quotas(
    drawn: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    assert women_holding(drawn) == 4
    woman = next(
        a
        for a in Application.objects.filter(meeting=drawn, status=S.SELECTED)
        if a.answers.get("gender") == "woman"
    )
    with django_capture_on_commit_callbacks(execute=True):
        promoted = waitlist.decline_seat(woman)
    woman.refresh_from_db()
    assert woman.status == S.DECLINED and woman.declined_at is not None
    assert len(promoted) == 1
    assert promoted[0].answers.get("gender") == "woman"
    assert women_holding(drawn) == 4
    drawn.refresh_from_db()
    assert drawn.seated_count == drawn.seats
    assert [m.to for m in mail.outbox] == [[promoted[0].user.email]]
    assert mail.outbox[0].attachments  # the .ics
    assert all(q.met for q in waitlist.quota_states(drawn))


def test_a_confirmed_person_can_give_the_seat_back(drawn: Meeting) -> None:
    application = Application.objects.filter(meeting=drawn, status=S.SELECTED).first()
    waitlist.confirm_seat(application)
    promoted = waitlist.decline_seat(application)
    application.refresh_from_db()
    assert application.status == S.DECLINED
    assert len(promoted) == 1


def test_expired_seats_are_declined_and_offered(
    drawn: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    late = list(Application.objects.filter(meeting=drawn, status=S.SELECTED)[:2])
    Application.objects.filter(pk__in=[a.pk for a in late]).update(
        confirm_by=timezone.now() - datetime.timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist.expire_seats() == 2
    assert set(
        Application.objects.filter(pk__in=[a.pk for a in late]).values_list("status", flat=True)
    ) == {S.DECLINED}
    assert Application.objects.holding_seats().filter(meeting=drawn).count() == drawn.seats
    assert len(mail.outbox) == 2
    assert waitlist.expire_seats() == 0


def test_no_promotion_once_the_meeting_has_started(drawn: Meeting) -> None:
    application = Application.objects.filter(meeting=drawn, status=S.SELECTED).first()
    after_start = drawn.starts_at + datetime.timedelta(minutes=5)
    with pytest.raises(waitlist.NoSeatToAnswer):
        waitlist.decline_seat(application, now=after_start)
    assert waitlist.promote(drawn, now=after_start) == []


def test_leaving_the_waitlist(drawn: Meeting) -> None:
    first, second = Application.objects.filter(meeting=drawn, status=S.WAITLISTED).order_by(
        "waitlist_rank"
    )[:2]
    assert waitlist.waiting_place(second) == 2
    waitlist.leave_waitlist(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.WITHDRAWN
    assert waitlist.waiting_place(second) == 1
    assert waitlist.waiting_place(first) is None
    with pytest.raises(waitlist.NoSeatToAnswer):
        waitlist.leave_waitlist(first)


def test_facilitators_hear_when_quotas_break(
    cast: Cast,
    drawn: Meeting,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Callable,
) -> None:
    User.objects.filter(pk=cast.facilitator.pk).update(language="fr")
    second = make_user("gael@example.org", "Gaël", language="en")
    Facilitator.objects.create(territory=cast.territory, user=second)
    # Every waiting woman leaves: a woman's seat can only go to a man.
    for application in Application.objects.filter(meeting=drawn, status=S.WAITLISTED):
        if application.answers.get("gender") == "woman":
            waitlist.leave_waitlist(application)
    woman = next(
        a
        for a in Application.objects.filter(meeting=drawn, status=S.SELECTED)
        if a.answers.get("gender") == "woman"
    )
    with django_capture_on_commit_callbacks(execute=True):
        promoted = waitlist.decline_seat(woman)
    assert len(promoted) == 1
    broken = [q for q in waitlist.quota_states(drawn) if not q.met]
    assert [(q.criterion, q.value, q.short) for q in broken] == [("gender", "woman", 1)]
    recipients = Counter(tuple(m.to) for m in mail.outbox)
    assert recipients[(cast.facilitator.email,)] == 1
    assert recipients[(promoted[0].user.email,)] == 1
    # The quota is named by the question's and the answer's labels, in each one's language.
    (french,) = [m for m in mail.outbox if m.to == [cast.facilitator.email]]
    assert "- Genre : Une femme — au moins" in french.body
    (english,) = [m for m in mail.outbox if m.to == [second.email]]
    assert "- Gender: A woman — at least" in english.body
    for message in (french, english):
        assert "gender" not in message.body and "woman" not in message.body.replace("A woman", "")
    # The seats page names it the same way (in her language: French).
    page = client_as("facilitator").get(
        reverse("meeting_seats_manage", args=[drawn.territory.slug, drawn.pk])
    )
    assert "Genre : Une femme — au moins" in unescape(page.content.decode())


def test_emails_after_the_draw_speak_the_recipients_language(
    meeting: Meeting, applicants: Applicants, django_capture_on_commit_callbacks: Callable
) -> None:
    made = applicants(meeting, 14)  # their language is English
    seed.publish_seed(meeting, now=meeting.registration_closes + datetime.timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert len(by_address) == 14
    english = by_address[made[1].user.email]
    assert english.body.startswith("Hello Applicant 1,")
    assert meeting.theme in english.subject
    assert f"/meetings/{meeting.pk}/my-seat/" in english.body
