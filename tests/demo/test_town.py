"""Lienville in motion: after `load_demo`, every state a newcomer or a facilitator wants
to see exists, works from the web, and loading again changes nothing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import sign_in
from tierslien.accounts.models import User
from tierslien.circles.actions import registration_is_open, start_composition
from tierslien.circles.actions.compose import run_composition
from tierslien.circles.models import (
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
)
from tierslien.demo import seasons as demo_seasons
from tierslien.demo import territory as demo
from tierslien.demo.evening import next_evening_start
from tierslien.demo.relays import REGISTRANT_COUNT, RELAY_TOTP_SECRETS, relay_email
from tierslien.feedback.report import build_report
from tierslien.feedback.services import THRESHOLD, feedback_published
from tierslien.gatherings.meetings.seats.applications import accepts_applications
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Evening,
    EveningState,
    Meeting,
    MeetingState,
)
from tierslien.outbox.models import Channel, MessageState
from tierslien.outbox.models import Message as Email
from tierslien.portraits.models import Portrait
from tierslien.spaces.models import Attendance, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def season(name: str) -> Season:
    return Season.objects.get(territory__slug=demo.TERRITORY_SLUG, name=name)


def signed_in(email: str) -> Client:
    client = Client()
    user = User.objects.get(email=email)
    sign_in(client, user, mfa=email in (demo.FACILITATOR_EMAIL, demo.ADMIN_EMAIL))
    return client


def test_a_season_is_open_and_composes_at_once(settings: object) -> None:
    load()
    spring = season(demo_seasons.OPEN_SEASON)
    assert registration_is_open(spring)
    assert spring.first_week > spring.registration_closes
    assert Registration.objects.filter(season=spring).count() > 100
    assert Registration.objects.filter(season=spring, user__email=demo.PARTICIPANT_EMAIL).exists()
    # What "Close registration and compose" does, with a short search.
    settings.COMPOSE_TIME_LIMIT = 1  # type: ignore[attr-defined]
    start_composition(spring)
    assert run_composition(spring.pk) == SeasonState.PROPOSED
    placed = Membership.objects.filter(circle__season=spring).count()
    assert placed > 90
    assert all(
        spring.min_size <= circle.memberships.count() <= spring.max_size
        for circle in Circle.objects.filter(season=spring)
    )


def test_a_season_is_running_with_a_lively_space() -> None:
    load()
    winter = season(demo_seasons.RUNNING_SEASON)
    assert winter.state == SeasonState.RUNNING
    today = timezone.localdate()
    assert winter.first_week < today < winter.first_week + datetime.timedelta(weeks=6)
    circles = list(Circle.objects.filter(season=winter).select_related("venue"))
    assert len(circles) >= 5
    for circle in circles:
        members = list(circle.memberships.all())
        assert winter.min_size <= len(members) <= winter.max_size
        assert {m.status for m in members} == {MembershipStatus.CONFIRMED}
        assert circle.venue is not None and circle.slot in circle.venue.opening_slots
        # Everyone is free at the circle's time (their confirmed registration).
        for registration in Registration.objects.filter(
            season=winter, user__in=[m.user_id for m in members]
        ):
            assert circle.slot in registration.availability
        assert circle.diversity > 0 and circle.counts["sectors"] >= 1
        assert Message.objects.filter(circle=circle).count() >= 3
        assert Attendance.objects.filter(circle=circle, session=1).count() == len(members)
    assert winter.report["placed"] == sum(c.memberships.count() for c in circles)

    mine = Membership.objects.get(circle__season=winter, user__email=demo.PARTICIPANT_EMAIL)
    client = signed_in(demo.PARTICIPANT_EMAIL)
    board = client.get(reverse("circle_board", args=[mine.circle_id]))
    assert board.status_code == 200
    first_post = Message.objects.filter(circle_id=mine.circle_id).order_by("created_at").first()
    assert first_post is not None
    assert first_post.text.replace("'", "&#x27;") in board.content.decode()


def test_a_finished_season_has_its_report() -> None:
    load()
    autumn = season(demo_seasons.FINISHED_SEASON)
    assert autumn.state == SeasonState.CLOSED
    assert feedback_published(autumn)
    report = build_report(autumn)
    assert report.feedback_shown
    assert report.feedback_answers is not None and report.feedback_answers >= THRESHOLD
    placed = report.sections[0].figures[1].value
    assert placed is not None and placed >= THRESHOLD
    # Every figure shown is either suppressed or at least the threshold... or zero.
    for section in report.feedback:
        for figure in section.figures:
            assert figure.value is None or figure.value == 0 or figure.value >= THRESHOLD
    client = signed_in(demo.FACILITATOR_EMAIL)
    page = client.get(reverse("manage_season_report", args=[demo.TERRITORY_SLUG, autumn.pk]))
    assert page.status_code == 200
    assert report.comments and report.comments[0].replace("'", "&#x27;") in page.content.decode()
    # Its turnout: who came to the first and the last sessions, fewer at the end.
    funnel = report.funnel
    assert funnel is not None
    first, last = (cell.count for cell in funnel.overall.cells[3:])
    assert first is not None and last is not None and first > last


def test_one_meeting_takes_applications_and_one_was_drawn() -> None:
    load()
    meetings = Meeting.objects.filter(territory__slug=demo.TERRITORY_SLUG)
    water = meetings.get(state=MeetingState.OPEN)
    assert accepts_applications(water)
    assert Application.objects.filter(meeting=water, user__email=demo.PARTICIPANT_EMAIL).exists()
    assert water.applications.count() > 20

    drawn = meetings.get(state=MeetingState.ALLOCATED)
    assert drawn.registration_closes < timezone.now() < drawn.starts_at
    assert drawn.seed_published_at is not None and drawn.drawn_at is not None
    assert drawn.draw_record["panel"] == drawn.published_panel
    selected = drawn.applications.filter(status=ApplicationStatus.SELECTED).count()
    assert selected == drawn.seats == drawn.seated_count
    assert drawn.applications.filter(status=ApplicationStatus.WAITLISTED).count() > 0
    # The outcomes were "sent" in the story: nothing floods the console on first run; only
    # letters wait, for a facilitator to print them.
    assert not (
        Email.objects.filter(state=MessageState.QUEUED).exclude(channel=Channel.LETTER).exists()
    )
    for meeting in (water, drawn):
        page = Client().get(reverse("meeting_public", args=[demo.TERRITORY_SLUG, meeting.pk]))
        assert page.status_code == 200


def test_an_evening_is_about_to_start() -> None:
    load()
    evening = Evening.objects.get(territory__slug=demo.TERRITORY_SLUG)
    now = timezone.now()
    assert evening.state == EveningState.OPEN
    assert now + datetime.timedelta(hours=1) <= evening.starts_at
    assert evening.starts_at <= now + datetime.timedelta(hours=25)
    client = signed_in(demo.FACILITATOR_EMAIL)
    page = client.get(reverse("evening_detail", args=[demo.TERRITORY_SLUG, evening.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-03T09:00:00+00:00", "2026-12-03T19:00:00+01:00"),
        ("2026-12-03T17:30:00+00:00", "2026-12-04T19:00:00+01:00"),
        ("2026-12-03T22:00:00+00:00", "2026-12-04T19:00:00+01:00"),
    ],
)
def test_the_evening_is_the_next_seven_pm_at_least_an_hour_away(now: str, expected: str) -> None:
    start = next_evening_start(datetime.datetime.fromisoformat(now))
    assert start == datetime.datetime.fromisoformat(expected)


def test_the_named_logins_are_printed_and_work() -> None:
    out = load()
    for email in (
        demo.PARTICIPANT_EMAIL,
        demo.NEWCOMER_EMAIL,
        demo.FACILITATOR_EMAIL,
        demo.ADMIN_EMAIL,
    ):
        assert email in out
        assert Client().login(username=email, password=demo.DEMO_PASSWORD)
    assert not Portrait.objects.filter(user__email=demo.NEWCOMER_EMAIL).exists()
    registered = 121 + REGISTRANT_COUNT  # the synthetic people's and the relays' people
    assert f"Cercles du printemps (Open for registration, {registered} registered)" in out.replace(
        "“", ""
    ).replace("”", "")
    # Nobody else can log in.
    relays = [relay_email(key) for key in RELAY_TOTP_SECRETS]
    for email in relays:
        assert email in out
        assert Client().login(username=email, password=demo.DEMO_PASSWORD)
    named = [login.email for login in load_logins()] + relays
    others = User.objects.exclude(email__in=named)
    assert not any(user.has_usable_password() for user in others)


def load_logins() -> list[demo.DemoLogin]:
    territory = demo.ensure_territory()
    sectors, _ = demo.ensure_sectors(territory)
    return demo.ensure_logins(territory, sectors, 0)


def snapshot() -> dict[str, object]:
    return {
        "seasons": sorted(Season.objects.values_list("name", "state")),
        "circles": sorted(
            Membership.objects.values_list("circle__season__name", "circle__number", "user__email")
        ),
        "registrations": Registration.objects.count(),
        "applications": sorted(Application.objects.values_list("meeting__theme", "user__email")),
        "selected": Application.objects.filter(status=ApplicationStatus.SELECTED).count(),
        "messages": Message.objects.count(),
        "attendance": Attendance.objects.count(),
        "evenings": Evening.objects.count(),
    }


def test_loading_again_changes_nothing_and_the_seed_decides() -> None:
    load()
    first = snapshot()
    load()
    assert snapshot() == first
    Season.objects.all().delete()
    Meeting.objects.all().delete()
    load()
    again = snapshot()
    assert again["circles"] == first["circles"]
    # The same people apply; who is drawn depends on the pseudonyms, drawn afresh.
    assert again["applications"] == first["applications"]
    assert again["selected"] == first["selected"]


def test_every_page_of_the_town_in_motion_answers() -> None:
    """The pages a newcomer, Camille and Fatou open first, on every demo object: no error."""
    load()
    slug = demo.TERRITORY_SLUG
    seasons = {s.name: s.pk for s in Season.objects.filter(territory__slug=slug)}
    meetings = list(Meeting.objects.filter(territory__slug=slug).values_list("pk", flat=True))
    evening = Evening.objects.get(territory__slug=slug).pk
    circle = Membership.objects.get(
        circle__season__name=demo_seasons.RUNNING_SEASON, user__email=demo.PARTICIPANT_EMAIL
    ).circle_id
    pages: dict[str, list[str]] = {
        "": [reverse("home"), reverse("meeting_public_list", args=[slug])]
        + [reverse("meeting_public", args=[slug, pk]) for pk in meetings],
        demo.PARTICIPANT_EMAIL: [
            reverse("season_list", args=[slug]),
            reverse("my_circles"),
            reverse("circle_home", args=[circle]),
            reverse("circle_sessions", args=[circle]),
            reverse("circle_board", args=[circle]),
        ]
        + [reverse("season_detail", args=[slug, pk]) for pk in seasons.values()]
        + [reverse("meeting_public", args=[slug, pk]) for pk in meetings],
        demo.NEWCOMER_EMAIL: [reverse("season_list", args=[slug])]
        + [reverse("season_detail", args=[slug, pk]) for pk in seasons.values()],
        demo.FACILITATOR_EMAIL: [
            reverse("manage_territory", args=[slug]),
            reverse("manage_season_list", args=[slug]),
            reverse("meeting_manage_list", args=[slug]),
            reverse("evening_list", args=[slug]),
            reverse("evening_detail", args=[slug, evening]),
        ]
        + [
            reverse(name, args=[slug, seasons[season_name]])
            for season_name in (demo_seasons.RUNNING_SEASON, demo_seasons.FINISHED_SEASON)
            for name in ("manage_season_circles", "manage_season_report")
        ]
        + [
            reverse(name, args=[slug, pk])
            for pk in meetings
            for name in ("meeting_manage", "meeting_seats_manage", "meeting_draw")
        ],
    }
    for email, urls in pages.items():
        client = signed_in(email) if email else Client()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (email, url, response.status_code)
