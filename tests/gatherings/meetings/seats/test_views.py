"""Permission ritual and happy paths of every page of the seats area."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import Applicants, make_meeting
from tests.ritual import ClientAs, Ritual, password_only, send
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.seats import applications, disclosure, draw, quotas, seed
from tierslien.gatherings.meetings.seats.applications import balance_criteria
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Meeting,
    MeetingQuota,
    MeetingState,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus

APPLICANT_GET = ["meeting_apply", "meeting_my_seat"]
APPLICANT_POST = ["meeting_seat_answer", "meeting_withdraw"]
APPLICANT = APPLICANT_GET + APPLICANT_POST
PUBLIC = [
    "meeting_draw",
    "meeting_draw_pool",
    "meeting_draw_quotas",
    "meeting_draw_seed",
    "meeting_draw_panel",
    "meeting_draw_counts",
]
MANAGE_GET = ["meeting_seats_manage", "meeting_quotas", "meeting_draw_progress"]
MANAGE_POST = [
    "meeting_quotas_adopt",
    "meeting_seed_publish",
    "meeting_draw_start",
    "meeting_messages_resend",
]
MANAGEMENT = MANAGE_GET + MANAGE_POST
POST_ONLY = APPLICANT_POST + MANAGE_POST


def url(name: str, meeting: Meeting, *, slug: str | None = None, pk: int | None = None) -> str:
    return reverse(name, args=[slug or meeting.territory.slug, pk or meeting.pk])


def request(client: Client, name: str, target: str) -> Any:
    return send(client, target, post=name in POST_ONLY)


def closed(meeting: Meeting) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=timezone.now() - datetime.timedelta(minutes=1),
        registration_opens=timezone.now() - datetime.timedelta(days=2),
    )
    meeting.refresh_from_db()
    return meeting


def allocation_public_pool(meeting: Meeting) -> str:
    return disclosure.public_pool_csv(meeting)


def publish(meeting: Meeting, **kwargs: Any) -> Meeting:
    return seed.publish_seed(
        meeting, now=meeting.registration_closes + datetime.timedelta(minutes=1), **kwargs
    )


@pytest.fixture
def drawn(
    meeting: Meeting, applicants: Applicants, django_capture_on_commit_callbacks: Callable
) -> Meeting:
    applicants(meeting, 20)
    publish(meeting, seed=5, source="dice")
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    return meeting


# --- The ritual: applicants' pages ---


def no_application(meeting: Meeting) -> None:
    assert not Application.objects.exists()


def untouched(meeting: Meeting) -> None:
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None and meeting.draw_job == ""
    assert not MeetingQuota.objects.exists()


APPLYING = Ritual("meeting", url, get=APPLICANT_GET, post=APPLICANT_POST, unchanged=no_application)
MANAGING = Ritual("meeting", url, get=MANAGE_GET, post=MANAGE_POST, unchanged=untouched)

test_anonymous_applicant_pages_send_to_login = APPLYING.anonymous_is_sent_to_login()


@pytest.mark.parametrize("name", APPLICANT + PUBLIC)
def test_unknown_territory_or_meeting_gets_404(
    meeting: Meeting, client_as: ClientAs, name: str
) -> None:
    publish(closed(meeting))
    client = client_as("participant")
    assert request(client, name, url(name, meeting, slug="nowhere")).status_code == 404
    assert request(client, name, url(name, meeting, pk=999999)).status_code == 404


@pytest.mark.parametrize("name", APPLICANT + PUBLIC)
def test_drafts_and_other_territories_meetings_get_404(
    cast: Cast, draft_meeting: Meeting, other_meeting: Meeting, client_as: ClientAs, name: str
) -> None:
    client = client_as("participant")
    assert request(client, name, url(name, draft_meeting)).status_code == 404
    target = url(name, other_meeting, slug=cast.territory.slug)
    assert request(client, name, target).status_code == 404
    assert not Application.objects.exists()


@pytest.mark.parametrize("name", ["meeting_my_seat", *APPLICANT_POST])
@pytest.mark.parametrize("role", ["outsider", "facilitator", "admin"])
def test_someone_elses_application_is_404(
    cast: Cast, meeting: Meeting, client_as: ClientAs, name: str, role: str
) -> None:
    application = applications.apply(meeting, cast.participant)
    response = request(client_as(role), name, url(name, meeting))
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == S.APPLIED


@pytest.mark.parametrize(
    "name", ["meeting_my_seat", *PUBLIC, "meeting_seats_manage", "meeting_draw_progress"]
)
def test_read_only_pages_refuse_post(meeting: Meeting, client_as: ClientAs, name: str) -> None:
    applications.apply(meeting, User.objects.get(email="alice@example.org"))
    client = client_as(
        "facilitator" if name.startswith("meeting_seats") or "progress" in name else "participant"
    )
    assert client.post(url(name, meeting)).status_code == 405


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_pages_refuse_get(meeting: Meeting, client_as: ClientAs, name: str) -> None:
    applications.apply(meeting, User.objects.get(email="alice@example.org"))
    client = client_as("facilitator" if name in MANAGE_POST else "participant")
    assert client.get(url(name, meeting)).status_code == 405


def test_apply_refuses_other_methods(meeting: Meeting, client_as: ClientAs) -> None:
    assert client_as("participant").put(url("meeting_apply", meeting)).status_code == 405


# --- The ritual: facilitators' pages ---


test_anonymous_management_pages_send_to_login = MANAGING.anonymous_is_sent_to_login()
test_insufficient_role_gets_403 = MANAGING.insufficient_role_gets_403(both_methods=False)
test_facilitator_without_totp_is_sent_to_enrol = MANAGING.without_totp_is_sent_to_enrol()


@pytest.mark.parametrize("name", MANAGEMENT)
def test_unknown_or_foreign_meeting_gets_404_for_facilitators(
    cast: Cast, meeting: Meeting, other_meeting: Meeting, client_as: ClientAs, name: str
) -> None:
    for role in ("facilitator", "admin"):
        client = client_as(role)
        assert request(client, name, url(name, meeting, pk=999999)).status_code == 404
        target = url(name, other_meeting, slug=cast.territory.slug)
        assert request(client, name, target).status_code == 404
    other_meeting.refresh_from_db()
    assert other_meeting.seed_published_at is None


test_facilitator_and_admin_see_the_pages = MANAGING.managers_see_the_page()


# --- Applying ---


def test_one_step_application_with_a_portrait(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    client = client_as("participant")
    page = client.get(url("meeting_apply", meeting))
    assert b'data-apply="portrait"' in page.content
    response = client.post(url("meeting_apply", meeting))
    assert response.status_code == 302
    assert response.url == url("meeting_my_seat", meeting)
    application = Application.objects.get(user=cast.participant)
    assert application.answered_on_the_spot is False
    again = client.get(url("meeting_apply", meeting))
    assert again.status_code == 302 and again.url == url("meeting_my_seat", meeting)


def test_applying_without_a_portrait_asks_the_meetings_criteria(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    client = client_as("outsider")
    page = client.get(url("meeting_apply", meeting))
    assert b'data-apply="on-the-spot"' in page.content
    for criterion in balance_criteria(meeting):
        assert f'name="q_{criterion.key}"'.encode() in page.content
    assert b'name="q_education"' not in page.content
    response = client.post(url("meeting_apply", meeting), {"q_gender": "man", "q_age_bracket": ""})
    assert response.status_code == 302
    application = Application.objects.get(user=cast.outsider)
    assert (application.answers, application.answered_on_the_spot) == ({"gender": "man"}, True)


def test_an_invalid_answer_is_refused_and_saves_nothing(
    meeting: Meeting, client_as: ClientAs
) -> None:
    response = client_as("outsider").post(url("meeting_apply", meeting), {"q_gender": "robot"})
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_a_closed_meeting_takes_no_application(meeting: Meeting, client_as: ClientAs) -> None:
    closed(meeting)
    client = client_as("participant")
    assert b'data-apply="closed"' in client.get(url("meeting_apply", meeting)).content
    response = client.post(url("meeting_apply", meeting))
    assert response.status_code == 302 and response.url == url("meeting_apply", meeting)
    assert not Application.objects.exists()


def test_an_unverified_address_is_asked_to_confirm(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    cast.outsider.emailaddress_set.update(verified=False)
    client = client_as("outsider")
    assert b'data-apply="unverified"' in client.get(url("meeting_apply", meeting)).content
    response = client.post(url("meeting_apply", meeting), {"q_gender": "man"})
    assert response.status_code == 302
    assert not Application.objects.exists()


def test_withdraw_then_the_private_page_says_so(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    applications.apply(meeting, cast.participant)
    client = client_as("participant")
    response = client.post(url("meeting_withdraw", meeting))
    assert response.status_code == 302
    assert Application.objects.get().status == S.WITHDRAWN
    page = client.get(url("meeting_my_seat", meeting))
    assert b'data-status="withdrawn"' in page.content
    response = client.post(url("meeting_withdraw", meeting))  # nothing left to withdraw
    assert response.status_code == 302
    assert Application.objects.get().status == S.WITHDRAWN


# --- The private page and answers ---


def test_the_private_page_shows_the_chance_and_only_ones_own_pseudonym(
    drawn: Meeting, client_as: ClientAs
) -> None:
    mine = Application.objects.filter(meeting=drawn).select_related("user").first()
    client = password_only(mine.user)
    page = client.get(url("meeting_my_seat", drawn)).content.decode()
    assert f'data-status="{mine.status}"' in page
    assert mine.pseudonym in page
    assert f'data-probability="{mine.probability}"' in page
    entry = disclosure.own_entry(mine)
    assert entry is not None and entry.digest in page and mine.entry_salt in page
    assert f"{entry.digest}" in allocation_public_pool(drawn)
    others = Application.objects.filter(meeting=drawn).exclude(pk=mine.pk)
    assert not any(other.pseudonym in page for other in others)


def test_confirm_then_give_back(drawn: Meeting) -> None:
    mine = Application.objects.filter(meeting=drawn, status=S.SELECTED).select_related("user")[0]
    client = password_only(mine.user)
    target = url("meeting_seat_answer", drawn)
    assert client.post(target, {"answer": "maybe"}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == S.SELECTED
    client.post(target, {"answer": "confirm"})
    mine.refresh_from_db()
    assert mine.status == S.CONFIRMED
    client.post(target, {"answer": "decline"})
    mine.refresh_from_db()
    assert mine.status == S.DECLINED
    assert Application.objects.holding_seats().filter(meeting=drawn).count() == drawn.seats
    client.post(target, {"answer": "confirm"})  # too late: nothing changes
    mine.refresh_from_db()
    assert mine.status == S.DECLINED


def test_the_waitlisted_can_leave(drawn: Meeting) -> None:
    mine = Application.objects.filter(meeting=drawn, status=S.WAITLISTED).select_related("user")[0]
    client = password_only(mine.user)
    page = client.get(url("meeting_my_seat", drawn))
    assert b"data-place=" in page.content
    client.post(url("meeting_withdraw", drawn))
    mine.refresh_from_db()
    assert mine.status == S.WITHDRAWN


# --- The public draw ---


def test_files_are_404_before_the_seed(meeting: Meeting, client_as: ClientAs) -> None:
    client = client_as("anonymous")
    assert b'data-draw="pending"' in client.get(url("meeting_draw", meeting)).content
    for name in PUBLIC[1:]:
        assert client.get(url(name, meeting)).status_code == 404
    assert client_as("admin").get(url("meeting_draw_audit", meeting)).status_code == 404


def test_published_files_before_and_after_the_draw(
    meeting: Meeting,
    applicants: Applicants,
    client_as: ClientAs,
    django_capture_on_commit_callbacks,
) -> None:
    made = applicants(meeting, 20)
    published = publish(meeting, seed=99, source="dice")
    client = client_as("anonymous")
    page = client.get(url("meeting_draw", meeting))
    assert b'data-draw="seeded"' in page.content
    pool = client.get(url("meeting_draw_pool", meeting))
    assert pool["Content-Type"].startswith("text/csv")
    assert pool.content.decode() == disclosure.public_pool_csv(published)
    text = pool.content.decode()
    assert text.splitlines()[0] == "id,entry_sha256"
    assert not any(a.user.email in text or a.user.display_name in text for a in made)
    assert "woman" not in text and "undisclosed" not in text
    counts = client.get(url("meeting_draw_counts", meeting))
    assert counts.content.decode().startswith("criterion,value,applicants,drawn\n")
    quotas = client.get(url("meeting_draw_quotas", meeting))
    assert quotas.content.decode() == seed.quotas_csv(published)
    assert client.get(url("meeting_draw_seed", meeting)).content == b"99\n"
    assert client.get(url("meeting_draw_panel", meeting)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    page = client.get(url("meeting_draw", meeting))
    assert b'data-draw="drawn"' in page.content
    assert b"data-verify-command" in page.content
    panel = client.get(url("meeting_draw_panel", meeting))
    assert panel["Content-Type"] == "application/json"
    assert panel.json()["seed"] == 99
    assert panel.json()["format"] == "tierslien-draw-public/1"
    assert not {"types", "compositions", "probabilities"} & set(panel.json())


# --- Facilitators ---


def test_the_manage_page_shows_counts_never_names_answers_or_pseudonyms(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    made = applicants(meeting, 12)
    page = client_as("facilitator").get(url("meeting_seats_manage", meeting)).content.decode()
    assert not any(a.user.display_name in page for a in made)
    assert not any(a.pseudonym in page for a in made)
    assert 'data-count="applied"' in page and 'data-names="hidden"' in page


def test_on_the_day_the_manage_page_names_only_people_holding_a_seat(
    drawn: Meeting, client_as: ClientAs, settings: Any
) -> None:
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30
    page = client_as("facilitator").get(url("meeting_seats_manage", drawn)).content.decode()
    assert 'data-names="visible"' in page
    for application in Application.objects.filter(meeting=drawn).select_related("user"):
        shown = f">{application.user.display_name}<" in page
        assert shown == (application.status in ("selected", "confirmed"))
        assert application.pseudonym not in page


def test_quota_page_hides_small_counts(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    made = applicants(meeting, 40)
    response = client_as("facilitator").get(url("meeting_quotas", meeting))
    lines = {(line.key, line.value): line for line in response.context["form"].lines}
    content = response.content.decode()
    for (key, value), line in lines.items():
        start = content.index(f'data-quota="{key}={value}"')
        cell = content[start : content.index("</tr>", start)]
        if line.applicants < 11:
            assert f"<td data-applicants>{line.applicants}</td>" not in cell
        else:
            assert f"<td data-applicants>{line.applicants}</td>" in cell
    assert any(line.applicants >= 11 for line in lines.values())
    assert len(made) == 40


def test_save_quotas_through_the_page(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    applicants(meeting, 20)
    client = client_as("facilitator")
    form = client.get(url("meeting_quotas", meeting)).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["min-gender-woman"], data["max-gender-woman"] = 2, 5
    response = client.post(url("meeting_quotas", meeting), data)
    assert response.status_code == 302
    quota = MeetingQuota.objects.get(meeting=meeting, criterion_key="gender", value="woman")
    assert (quota.min_seats, quota.max_seats) == (2, 5)
    data["min-gender-woman"], data["max-gender-woman"] = 6, 5
    assert client.post(url("meeting_quotas", meeting), data).status_code == 200
    quota.refresh_from_db()
    assert (quota.min_seats, quota.max_seats) == (2, 5)


def test_suggested_bounds_with_another_tolerance(meeting: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    response = client.get(url("meeting_quotas", meeting), {"tolerance": "20", "defaults": "1"})
    assert response.status_code == 200
    # alice and bob have no answers: "prefer not to say" is the whole population.
    line = next(line for line in response.context["form"].lines if line.value == "undisclosed")
    assert (line.min, line.max) == (9, 12)
    bad = client.get(url("meeting_quotas", meeting), {"tolerance": "x", "defaults": "1"})
    assert bad.status_code == 200


def test_infeasible_quotas_offer_the_nearest_and_adopt_them(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    applicants(meeting, 20)
    keys = quotas.quota_keys(meeting, balance_criteria(meeting))
    bounds = {key: (0, meeting.seats) for key in keys}
    bounds[("gender", "woman")] = (12, 12)
    quotas.save_quotas(meeting, bounds)
    client = client_as("facilitator")
    page = client.get(url("meeting_quotas", meeting))
    assert b'data-feasible="no"' in page.content and b"data-change" in page.content
    assert client.post(url("meeting_quotas_adopt", meeting)).status_code == 302
    assert b'data-feasible="yes"' in client.get(url("meeting_quotas", meeting)).content
    client.post(url("meeting_quotas_adopt", meeting))  # already feasible: nothing changes
    assert quotas.check(meeting).feasible


def test_quotas_that_shut_out_those_who_declined_are_flagged_and_widened(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    """The issue's case: suggested bounds with no room for "prefer not to say" (nobody in
    the population declined, tolerance 0) give whoever declined a chance of 0 %."""
    made = applicants(meeting, 20)
    assert any("gender" not in a.answers for a in made)  # someone declined
    keys = quotas.quota_keys(meeting, balance_criteria(meeting))
    bounds = {key: (0, meeting.seats) for key in keys}
    bounds[("gender", "undisclosed")] = (0, 0)
    quotas.save_quotas(meeting, bounds)
    report = quotas.check(meeting)
    assert report is not None and report.feasible and not report.everyone_drawable
    client = client_as("facilitator")
    page = client.get(url("meeting_quotas", meeting))
    assert b'data-feasible="undrawable"' in page.content
    assert b"could not be drawn at all" in page.content and b"data-change" in page.content
    assert "monter « au plus 0 » à 1" in page.content.decode()  # the facilitator reads French
    closed(meeting)
    assert b"data-undrawable" in client.get(url("meeting_seats_manage", meeting)).content
    assert client.post(url("meeting_quotas_adopt", meeting)).status_code == 302
    assert b'data-feasible="yes"' in client.get(url("meeting_quotas", meeting)).content
    quota = MeetingQuota.objects.get(meeting=meeting, criterion_key="gender", value="undisclosed")
    assert quota.max_seats >= 1
    assert b"data-undrawable" not in client.get(url("meeting_seats_manage", meeting)).content


def test_quotas_are_read_only_once_the_seed_is_published(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    applicants(meeting, 20)
    publish(closed(meeting))
    client = client_as("facilitator")
    page = client.get(url("meeting_quotas", meeting))
    assert b'data-quotas="frozen"' in page.content
    assert client.post(url("meeting_quotas", meeting), {}).status_code == 302
    assert client.post(url("meeting_quotas_adopt", meeting)).status_code == 302
    assert not MeetingQuota.objects.exists()


def test_publish_the_seed_and_draw_through_the_pages(
    meeting: Meeting,
    applicants: Applicants,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    applicants(meeting, 20)
    client = client_as("facilitator")
    seed_url = url("meeting_seed_publish", meeting)
    assert client.post(seed_url, {"source": "random"}).status_code == 302  # still open
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None
    closed(meeting)
    bad = client.post(seed_url, {"source": "public", "seed": "-3", "description": ""})
    assert bad.status_code == 200
    assert client.post(url("meeting_draw_start", meeting)).status_code == 302  # no seed yet
    response = client.post(
        seed_url, {"source": "public", "seed": "123456", "description": "Dice, town hall"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.draw_seed, meeting.seed_source) == (123456, "Dice, town hall")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("meeting_draw_start", meeting))
    assert response.url == url("meeting_draw_progress", meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    page = client.get(response.url)
    assert b'data-draw-job="done"' in page.content
    manage = client.get(url("meeting_seats_manage", meeting))
    assert manage.status_code == 200


def test_an_infeasible_seed_publication_goes_back_to_the_quotas(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    applicants(meeting, 20)
    keys = quotas.quota_keys(meeting, balance_criteria(meeting))
    bounds = {key: (0, meeting.seats) for key in keys}
    bounds[("gender", "woman")] = (12, 12)
    bounds[("gender", "man")] = (12, 12)
    quotas.save_quotas(meeting, bounds)
    closed(meeting)
    response = client_as("facilitator").post(
        url("meeting_seed_publish", meeting), {"source": "random"}
    )
    assert response.url == url("meeting_quotas", meeting)
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None


def test_the_progress_page_refreshes_while_the_draw_runs(
    meeting: Meeting, client_as: ClientAs
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        draw_job="running",
        draw_progress={"iteration": 4, "lower": 0.1, "upper": 0.3, "seconds": 2},
        draw_heartbeat_at=timezone.now(),
    )
    page = client_as("facilitator").get(url("meeting_draw_progress", meeting))
    assert b'http-equiv="refresh"' in page.content
    assert b'data-draw-job="running"' in page.content
    Meeting.objects.filter(pk=meeting.pk).update(draw_job="failed", draw_error="boom")
    page = client_as("facilitator").get(url("meeting_draw_progress", meeting))
    assert b'http-equiv="refresh"' not in page.content and b"boom" in page.content


def test_the_progress_page_waits_for_the_first_report_before_showing_a_step(
    meeting: Meeting, client_as: ClientAs
) -> None:
    """Started but not reported yet ({"at": ...} only): no "Step , s." with empty blanks."""
    Meeting.objects.filter(pk=meeting.pk).update(
        draw_job="running",
        draw_progress={"at": timezone.now().isoformat()},
        draw_heartbeat_at=timezone.now(),
    )
    page = client_as("facilitator").get(url("meeting_draw_progress", meeting)).content.decode()
    assert "Step ," not in page and "Étape ," not in page
    assert "Waiting for the worker" in page or "En attente" in page


# --- Constant number of queries ---


def crowd(meeting: Meeting, count: int, prefix: str) -> None:
    """`count` applicants with distinct accounts, answers on the spot."""
    for k in range(count):
        user = make_user(f"{prefix}{k}@example.org", f"{prefix} {k}")
        applications.apply(meeting, user, answers={"gender": ["woman", "man"][k % 2]})


@pytest.mark.parametrize("name", ["meeting_quotas", "meeting_seats_manage"])
def test_lists_cost_the_same_whatever_their_length(
    cast: Cast, client_as: ClientAs, name: str
) -> None:
    small, large = make_meeting(cast), make_meeting(cast, theme="Bigger")
    crowd(small, 3, "small")
    crowd(large, 30, "large")
    client = client_as("facilitator")
    client.get(url(name, small))  # warm the session
    counts = []
    for meeting in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, meeting)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The boxes included by the meeting pages ---


def render_box(tag: str, meeting: Meeting, user: Any) -> str:
    from django.contrib.auth.models import AnonymousUser

    req = RequestFactory().get("/")
    req.user = user or AnonymousUser()
    template = Template("{% load meeting_seats %}{% " + tag + " meeting %}")
    return template.render(Context({"meeting": meeting, "request": req, "csrf_token": "t"}))


def test_the_public_box_for_each_visitor(cast: Cast, meeting: Meeting) -> None:
    anonymous = render_box("seats_public_box", meeting, None)
    assert 'data-apply="sign-in"' in anonymous
    assert f"next=/t/{cast.territory.slug}/meetings/{meeting.pk}/apply/" in anonymous.replace(
        "%2F", "/"
    )
    assert 'data-apply="one-step"' in render_box("seats_public_box", meeting, cast.participant)
    assert 'data-apply="form"' in render_box("seats_public_box", meeting, cast.outsider)
    applications.apply(meeting, cast.participant)
    box = render_box("seats_public_box", meeting, cast.participant)
    assert 'data-status="applied"' in box and url("meeting_my_seat", meeting) in box
    assert "data-verify-command" not in box and "data-draw-command" not in box
    publish(closed(meeting), seed=31)
    meeting.refresh_from_db()
    box = render_box("seats_public_box", meeting, None)
    assert "31" in box and "data-draw-command" in box and "data-verify-command" not in box


def test_the_public_box_shows_the_verification_command_after_the_draw(
    cast: Cast, drawn: Meeting
) -> None:
    box = render_box("seats_public_box", drawn, None)
    assert "data-verify-command" in box and url("meeting_draw", drawn) in box


def test_the_manage_box_counts_applications(
    cast: Cast, meeting: Meeting, applicants: Applicants
) -> None:
    applicants(meeting, 4)
    box = render_box("seats_manage_box", meeting, cast.facilitator)
    assert "data-seats-manage-box" in box
    assert url("meeting_seats_manage", meeting) in box and url("meeting_quotas", meeting) in box


def test_the_facilitator_is_told_she_cannot_apply_to_her_meeting(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    page = client.get(url("meeting_apply", meeting)).content.decode()
    assert 'data-apply="facilitator"' in page and "<form" not in page.split("<main")[-1]
    response = client.post(url("meeting_apply", meeting), follow=True)
    assert "ne peut pas candidater" in response.content.decode()
    assert not meeting.applications.exists()
    box = render_box("seats_public_box", meeting, cast.facilitator)
    assert 'data-apply="facilitator"' in box and 'data-apply="one-step"' not in box


def test_the_manage_box_says_no_application_rather_than_zero(
    cast: Cast, meeting: Meeting, applicants: Applicants
) -> None:
    with translation.override("fr"):
        box = render_box("seats_manage_box", meeting, cast.facilitator)
        assert "Aucune candidature pour l'instant" in unescape(box) and "0 candidature" not in box
        applicants(meeting, 2)
        assert "2 candidatures" in render_box("seats_manage_box", meeting, cast.facilitator)


def test_a_running_draw_is_followed_and_a_stalled_one_restarted(
    meeting: Meeting, applicants: Applicants, client_as: ClientAs
) -> None:
    applicants(meeting, 20)
    publish(closed(meeting))
    draw.start_draw(meeting)  # queued, the worker has not taken it yet
    client = client_as("facilitator")
    page = client.get(url("meeting_seats_manage", meeting)).content.decode()
    assert url("meeting_draw_progress", meeting) in page
    assert 'class="draw-form"' not in page
    # Running, but silent for two heartbeats (its worker died): the button comes back at
    # once, before the automatic recovery would run it again.
    silent = timezone.now() - datetime.timedelta(seconds=90)
    Meeting.objects.filter(pk=meeting.pk).update(draw_job="running", draw_heartbeat_at=silent)
    page = client.get(url("meeting_seats_manage", meeting)).content.decode()
    assert 'class="draw-form"' in page
