"""Permission ritual and happy paths of every page of the day; constant query counts."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants
from tests.gatherings.meetings.day.test_services import (
    add_contributors,
    check_in,
    confirm,
    day_meeting,
    more_applicants,
)
from tests.ritual import ClientAs, Ritual
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.day import services
from tierslien.gatherings.models import Application, Meeting, MeetingState, TableSeat

pytestmark = pytest.mark.django_db

GET_PAGES = ["meeting_day", "meeting_day_rotation", "meeting_day_projection", "meeting_day_checkin"]
POST_ONLY = [
    "meeting_day_compose",
    "meeting_day_rotation_start",
    "meeting_day_checkin_mark",
    "meeting_day_over",
]
ALL = GET_PAGES + POST_ONLY
WITH_ROTATION = {"meeting_day_rotation", "meeting_day_projection", "meeting_day_rotation_start"}
SECRET_ANSWER = "SECRET-ANSWER-42"


@pytest.fixture(autouse=True)
def _short_plan(settings: object) -> None:
    settings.MEETING_PLAN_SECONDS = 0.3  # type: ignore[attr-defined]
    # These meetings start in ten days: the day's pages show names from 30 days before.
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30  # type: ignore[attr-defined]


@pytest.fixture
def day(cast: Cast, applicants: Applicants) -> Meeting:
    return day_meeting(cast, applicants, citizens=10, contributors=2)


def url(name: str, meeting: Meeting, *, slug: str | None = None, number: int = 1) -> str:
    args: list[Any] = [slug or meeting.territory.slug, meeting.pk]
    if name in WITH_ROTATION:
        args.append(number)
    return reverse(name, args=args)


def unchanged(meeting: Meeting) -> None:
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    assert meeting.current_rotation == 0
    assert not TableSeat.objects.filter(meeting=meeting).exists()
    assert not Application.objects.filter(checked_in_at__isnull=False).exists()


# --- The ritual ----------------------------------------------------------------------------


@pytest.fixture
def other_day(cast: Cast, applicants: Applicants) -> Meeting:
    return day_meeting(cast, applicants, citizens=4, contributors=1, other=True)


RITUAL = Ritual("day", url, get=GET_PAGES, post=POST_ONLY, unchanged=unchanged)

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404()
test_unknown_meeting_gets_404 = RITUAL.unknown_object_gets_404()
test_meeting_of_another_territory_gets_404 = RITUAL.of_another_territory_gets_404("other_day")
test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403(
    data={"fresh": "1", "arrived": "1"}
)
test_facilitator_and_admin_see_the_page = RITUAL.managers_see_the_page()
test_facilitator_without_totp_is_sent_to_enrol = RITUAL.without_totp_is_sent_to_enrol()
test_post_only_pages_refuse_get = RITUAL.refuses_methods(POST_ONLY, methods=["get"])
test_read_only_pages_refuse_post = RITUAL.refuses_methods(GET_PAGES, methods=["post"])


@pytest.mark.parametrize(
    "name", ["meeting_day_rotation", "meeting_day_projection", "meeting_day_rotation_start"]
)
@pytest.mark.parametrize("number", [0, 3, 99])
def test_unknown_rotation_gets_404(
    day: Meeting, client_as: ClientAs, name: str, number: int
) -> None:
    target = url(name, day, number=number)
    assert RITUAL.send(client_as("facilitator"), name, target).status_code == 404
    unchanged(day)


# --- Happy paths ---------------------------------------------------------------------------


def test_compose_then_see_the_plan_and_its_figures(day: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    page = client.get(url("meeting_day", day)).content.decode()
    assert 'data-action="compose"' in page and 'data-planned="0"' in page
    response = client.post(url("meeting_day_compose", day))
    assert response.status_code == 302 and response.url == url("meeting_day", day)
    assert TableSeat.objects.filter(meeting=day).count() == 2 * (10 + 2)
    page = client.get(url("meeting_day", day)).content.decode()
    assert 'data-planned="1"' in page
    assert page.count('data-revisits="0"') == 2
    assert 'data-action="update"' in page and 'data-action="recompose"' in page


def test_compose_fresh_and_update(day: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    client.post(url("meeting_day_compose", day))
    first = set(TableSeat.objects.filter(meeting=day).values_list("pk", flat=True))
    client.post(url("meeting_day_compose", day))  # nothing new: same seats again
    assert TableSeat.objects.filter(meeting=day).count() == len(first)
    client.post(url("meeting_day_compose", day), {"fresh": "1"})
    assert TableSeat.objects.filter(meeting=day).count() == len(first)


def test_compose_refusals_change_nothing(
    cast: Cast, applicants: Applicants, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    meeting = day_meeting(cast, applicants, citizens=6, contributors=0)
    response = client.post(url("meeting_day_compose", meeting), follow=True)
    assert response.status_code == 200
    assert "No contributor has accepted yet" in response.content.decode()
    assert 'data-refusal="no_contributor"' in response.content.decode()
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.OPEN)
    add_contributors(meeting, 2)
    response = client.post(url("meeting_day_compose", meeting), follow=True)
    assert "open once the seats are allocated" in response.content.decode()
    assert not TableSeat.objects.exists()


def test_more_rotations_than_tables_is_said(
    cast: Cast, applicants: Applicants, client_as: ClientAs
) -> None:
    meeting = day_meeting(cast, applicants, citizens=6, contributors=1, rotations=2)
    client = client_as("facilitator")
    page = client.post(url("meeting_day_compose", meeting), follow=True).content.decode()
    assert 'data-warning="rotations"' in page
    assert TableSeat.objects.filter(meeting=meeting).count() == 2 * 7


def test_rotation_and_projection_show_first_names_and_hosts_never_answers(
    day: Meeting, client_as: ClientAs
) -> None:
    Application.objects.filter(meeting=day).update(answers={"occupation": SECRET_ANSWER})
    services.compose_table_plan(day)
    client = client_as("facilitator")
    for name in ("meeting_day_rotation", "meeting_day_projection"):
        for number in (1, 2):
            page = client.get(url(name, day, number=number)).content.decode()
            assert page.count('class="table-card"') == 2
            assert "Association 0" in page and "Association 1" in page
            assert page.count("Applicant") == 10  # first names only, each once
            assert "Applicant 3" not in page
            assert SECRET_ANSWER not in page
            assert "applicant3@example.org" not in page
    printed = client.get(url("meeting_day_rotation", day)).content.decode()
    assert "Host 0" in printed and "Contribution 0" in printed
    assert SECRET_ANSWER not in client.get(url("meeting_day", day)).content.decode()
    assert SECRET_ANSWER not in client.get(url("meeting_day_checkin", day)).content.decode()


def test_rotation_pages_before_the_plan(day: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    for name in ("meeting_day_rotation", "meeting_day_projection"):
        page = client.get(url(name, day)).content.decode()
        assert "data-empty" in page and 'class="table-card"' not in page


def test_start_the_rotation_timer(day: Meeting, client_as: ClientAs) -> None:
    services.compose_table_plan(day)
    client = client_as("facilitator")
    response = client.post(url("meeting_day_rotation_start", day, number=2))
    assert response.status_code == 302
    assert response.url == url("meeting_day_projection", day, number=2)
    day.refresh_from_db()
    assert day.current_rotation == 2 and day.rotation_ends_at is not None
    page = client.get(url("meeting_day_projection", day, number=2)).content.decode()
    assert "data-countdown" in page and "gatherings-timer.js" in page
    assert "data-countdown" not in client.get(url("meeting_day_projection", day)).content.decode()


def _start_form_tag(page: str) -> str:
    match = re.search(r"<form[^>]*data-after-timer[^>]*>", page)
    assert match, "no start form"
    return match.group(0)


def test_the_start_button_goes_while_the_timer_runs(day: Meeting, client_as: ClientAs) -> None:
    services.compose_table_plan(day)
    client = client_as("facilitator")
    projection = url("meeting_day_projection", day, number=1)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert " hidden" not in _start_form_tag(client.get(projection).content.decode())
        page = client.post(url("meeting_day_rotation_start", day), follow=True).content.decode()
        assert 'data-timer="running"' in page
        assert _start_form_tag(page).endswith(" hidden>")
    day.refresh_from_db()
    assert day.rotation_ends_at is not None
    with time_machine.travel(day.rotation_ends_at + datetime.timedelta(seconds=1), tick=False):
        page = client.get(projection).content.decode()
        assert 'data-timer="over"' in page
        assert " hidden" not in _start_form_tag(page)


def test_timer_refused_outside_the_day(day: Meeting, client_as: ClientAs) -> None:
    Meeting.objects.filter(pk=day.pk).update(state=MeetingState.HELD)
    response = client_as("facilitator").post(url("meeting_day_rotation_start", day))
    assert response.status_code == 302 and response.url == url("meeting_day", day)
    day.refresh_from_db()
    assert day.current_rotation == 0


def test_the_meeting_is_over(day: Meeting, client_as: ClientAs) -> None:
    check_in(list(Application.objects.filter(meeting=day)[:7]))
    client = client_as("facilitator")
    response = client.post(url("meeting_day_over", day))
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.state, day.attended_count) == (MeetingState.HELD, 7)
    page = client.get(url("meeting_day", day)).content.decode()
    assert 'data-attended="7"' in page and 'data-action="compose"' not in page
    client.post(url("meeting_day_over", day))  # twice: refused, nothing changes
    day.refresh_from_db()
    assert (day.state, day.attended_count) == (MeetingState.HELD, 7)


# --- The boxes on the meeting pages --------------------------------------------------------


def _box(tag: str, meeting: Meeting, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load meeting_day %}{% " + tag + " meeting %}")
    return template.render(Context({"meeting": meeting, "request": request}))


def test_manage_box_links_and_counts(day: Meeting, cast: Cast) -> None:
    html = _box("day_manage_box", day, cast.facilitator)
    assert url("meeting_day", day) in html and url("meeting_day_checkin", day) in html
    assert 'data-planned="0"' in html
    services.compose_table_plan(day)
    html = _box("day_manage_box", day, cast.facilitator)
    assert 'data-planned="1"' in html
    assert url("meeting_day_projection", day, number=2) in html


def test_public_box_tells_an_applicant_their_tables_only(
    day: Meeting, cast: Cast, client_as: ClientAs
) -> None:
    mine = confirm(more_applicants(day, 1, prefix="alice"))[0]
    Application.objects.filter(pk=mine.pk).update(user=cast.participant)
    assert _box("day_public_box", day, cast.participant).strip() == ""  # no plan yet
    services.compose_table_plan(day)
    html = _box("day_public_box", day, cast.participant)
    assert html.count("data-rotation=") == 2
    assert "Association" in html
    assert "Applicant" not in html  # nobody else's name
    assert _box("day_public_box", day, cast.co_member).strip() == ""
    from django.contrib.auth.models import AnonymousUser

    assert _box("day_public_box", day, AnonymousUser()).strip() == ""


# --- Query counts --------------------------------------------------------------------------


def _queries(client: Client, target: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(target)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", GET_PAGES)
def test_page_query_count_is_constant(
    cast: Cast,
    applicants: Applicants,
    client_as: ClientAs,
    django_assert_num_queries: Any,
    name: str,
) -> None:
    client = client_as("facilitator")
    small = day_meeting(cast, applicants, citizens=6, contributors=2)
    services.compose_table_plan(small)
    check_in(list(Application.objects.filter(meeting=small)[:2]))
    large = day_meeting(cast, applicants, citizens=0, contributors=5)
    people = confirm(more_applicants(large, 30, prefix="crowd"))
    services.compose_table_plan(large)
    check_in(people[:20])
    count = _queries(client, url(name, small))
    with django_assert_num_queries(count):
        assert client.get(url(name, large)).status_code == 200


def test_the_meeting_pages_include_the_boxes(day: Meeting, cast: Cast, client_as: ClientAs) -> None:
    """Through the real public and facilitator pages (built by the core area)."""
    mine = confirm(more_applicants(day, 1, prefix="alice"))[0]
    Application.objects.filter(pk=mine.pk).update(user=cast.participant)
    services.compose_table_plan(day)
    public = reverse("meeting_public", args=[day.territory.slug, day.pk])
    page = client_as("participant").get(public).content.decode()
    assert "data-my-tables" in page and "Applicant" not in page
    assert "data-my-tables" not in client_as("outsider").get(public).content.decode()
    assert "data-my-tables" not in client_as("anonymous").get(public).content.decode()
    manage = reverse("meeting_manage", args=[day.territory.slug, day.pk])
    page = client_as("facilitator").get(manage).content.decode()
    assert "data-day-box" in page and url("meeting_day_checkin", day) in page


# --- Names only on the day ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["meeting_day_rotation", "meeting_day_projection", "meeting_day_checkin"]
)
def test_before_the_day_the_pages_with_names_send_back_to_the_day_page(
    day: Meeting, client_as: ClientAs, settings: Any, name: str
) -> None:
    settings.MEETING_NAMES_HOURS_BEFORE = 24
    services.compose_table_plan(day)
    client = client_as("facilitator")
    response = client.get(url(name, day))
    assert response.status_code == 302
    assert response.url == reverse("meeting_day", args=[day.territory.slug, day.pk])
    page = client.get(response.url).content.decode()
    names = Application.objects.filter(meeting=day).values_list("user__display_name", flat=True)
    assert not any(f">{n}<" in page or f" {n}," in page for n in names)
