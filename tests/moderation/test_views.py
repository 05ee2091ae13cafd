"""Permission ritual and happy paths of the moderation pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cast import Cast
from tests.moderation.conftest import make_circle, make_season
from tests.ritual import ClientAs, Ritual, assert_sent_to_login, password_only, send
from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Membership
from tierslien.moderation import services
from tierslien.moderation.models import Block, Removal, Report, ReportState

pytestmark = pytest.mark.django_db

MESSAGE_ID = 4242


@pytest.fixture(autouse=True)
def _a_message_on_the_board(monkeypatch: pytest.MonkeyPatch, circle: Circle, cast: Cast) -> None:
    """Message 4242 of the circle's board, written by the co-member (spaces app stand-in)."""

    def find(target: Circle, message_id: int) -> services.ReportedMessage | None:
        if target.pk == circle.pk and message_id == MESSAGE_ID:
            return services.ReportedMessage(author_id=cast.co_member.pk, text="Rude words")
        return None

    monkeypatch.setattr(services, "find_message", find)


def member_urls(circle: Circle, cast: Cast) -> dict[str, str]:
    other = cast.co_member.pk
    return {
        "moderation_circle": reverse("moderation_circle", args=[circle.pk]),
        "moderation_block": reverse("moderation_block", args=[circle.pk, other]),
        "moderation_report_member": reverse("moderation_report_member", args=[circle.pk, other]),
        "moderation_report_message": reverse(
            "moderation_report_message", args=[circle.pk, MESSAGE_ID]
        ),
    }


MEMBER_PAGES = [
    "moderation_circle",
    "moderation_block",
    "moderation_report_member",
    "moderation_report_message",
]


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_anonymous_is_sent_to_login(circle: Circle, cast: Cast, name: str) -> None:
    assert_sent_to_login(Client().get(member_urls(circle, cast)[name]))


@pytest.mark.parametrize("name", MEMBER_PAGES)
@pytest.mark.parametrize("role", ["outsider", "facilitator", "admin"])
def test_non_member_gets_404(
    circle: Circle, cast: Cast, client_as: ClientAs, name: str, role: str
) -> None:
    client = client_as(role)
    target = member_urls(circle, cast)[name]
    assert client.get(target).status_code == 404
    assert client.post(target, {"reason": "x"}).status_code in (404, 405)
    assert not Block.objects.exists()
    assert not Report.objects.exists()


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_sees_the_page(circle: Circle, cast: Cast, client_as: ClientAs, name: str) -> None:
    assert client_as("participant").get(member_urls(circle, cast)[name]).status_code == 200


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_wrong_method_gets_405(circle: Circle, cast: Cast, client_as: ClientAs, name: str) -> None:
    client = client_as("participant")
    assert client.put(member_urls(circle, cast)[name]).status_code == 405
    if name == "moderation_circle":
        assert client.post(member_urls(circle, cast)[name]).status_code == 405


def test_a_circle_not_yet_published_is_404(cast: Cast, client_as: ClientAs) -> None:
    proposed = make_circle(
        make_season(cast.territory, state="proposed", name="P"), [cast.participant]
    )
    response = client_as("participant").get(reverse("moderation_circle", args=[proposed.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("action", ["moderation_block", "moderation_report_member"])
def test_oneself_or_someone_outside_the_circle_is_404(
    circle: Circle, cast: Cast, client_as: ClientAs, action: str
) -> None:
    client = client_as("participant")
    for target in (cast.participant, cast.outsider):
        assert client.get(reverse(action, args=[circle.pk, target.pk])).status_code == 404
        response = client.post(reverse(action, args=[circle.pk, target.pk]), {"reason": "x"})
        assert response.status_code == 404
    assert not Block.objects.exists()
    assert not Report.objects.exists()


def test_unknown_message_is_404(circle: Circle, client_as: ClientAs) -> None:
    target = reverse("moderation_report_message", args=[circle.pk, 1])
    assert client_as("participant").get(target).status_code == 404


def test_circle_page_lists_fellow_members_only(
    circle: Circle, cast: Cast, client_as: ClientAs
) -> None:
    page = client_as("participant").get(reverse("moderation_circle", args=[circle.pk]))
    text = page.content.decode()
    assert "Bob" in text and "Carla" in text
    assert f"/block/{cast.participant.pk}/" not in text


def test_blocking_needs_a_confirmation_and_tells_nobody(
    circle: Circle, cast: Cast, client_as: ClientAs
) -> None:
    client = client_as("participant")
    target = reverse("moderation_block", args=[circle.pk, cast.co_member.pk])
    confirmation = client.get(target)
    assert b"Block Bob?" in confirmation.content
    assert not Block.objects.exists()
    response = client.post(target)
    assert response.status_code == 302
    assert Block.objects.filter(blocker=cast.participant, blocked=cast.co_member).count() == 1
    client.post(target)  # twice is once
    assert Block.objects.count() == 1
    assert mail.outbox == []
    mine = client.get(reverse("moderation_circle", args=[circle.pk])).content.decode()
    assert "Blocked" in mine
    theirs = password_only(cast.co_member).get(reverse("moderation_circle", args=[circle.pk]))
    assert b"Blocked" not in theirs.content


def test_reporting_a_member(circle: Circle, cast: Cast, client_as: ClientAs) -> None:
    target = reverse("moderation_report_member", args=[circle.pk, cast.co_member.pk])
    response = client_as("participant").post(target, {"reason": "  Shouted at me  "})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.circle) == (
        cast.participant,
        cast.co_member,
        circle,
    )
    assert report.reason == "Shouted at me"
    assert report.state == ReportState.OPEN


def test_a_report_needs_a_reason(circle: Circle, cast: Cast, client_as: ClientAs) -> None:
    target = reverse("moderation_report_member", args=[circle.pk, cast.co_member.pk])
    response = client_as("participant").post(target, {"reason": "   "})
    assert response.status_code == 200
    assert not Report.objects.exists()


def test_reporting_a_message_keeps_its_text_and_author(
    circle: Circle, cast: Cast, client_as: ClientAs
) -> None:
    target = reverse("moderation_report_message", args=[circle.pk, MESSAGE_ID])
    page = client_as("participant").get(target)
    assert b"Rude words" in page.content
    client_as("participant").post(target, {"reason": "Insult"})
    report = Report.objects.get()
    assert report.message_id == MESSAGE_ID
    assert report.message_text == "Rude words"
    assert report.reported == cast.co_member


# --- Facilitators ---


def _report(circle: Circle, cast: Cast, **extra: object) -> Report:
    values = {
        "reporter": cast.participant,
        "circle": circle,
        "reported": cast.co_member,
        "reason": "Shouted",
    }
    return Report.objects.create(**(values | extra))


MANAGE_GET = ["manage_report_list"]
MANAGE_POST = ["manage_report_handled", "manage_report_remove"]


def manage_url(name: str, report: Report, slug: str) -> str:
    if name in MANAGE_POST:
        return reverse(name, args=[slug, report.pk])
    return reverse(name, args=[slug])


def report_url(name: str, report: Report, *, slug: str | None = None) -> str:
    return manage_url(name, report, slug or report.circle.season.territory.slug)


@pytest.fixture
def open_report(circle: Circle, cast: Cast) -> Report:
    return _report(circle, cast)


def still_open(report: Report) -> None:
    report.refresh_from_db()
    assert report.state == ReportState.OPEN
    assert Membership.objects.filter(circle=report.circle, user=report.reported).exists()


MANAGING = Ritual("open_report", report_url, get=MANAGE_GET, post=MANAGE_POST, unchanged=still_open)

test_manage_anonymous_is_sent_to_login = MANAGING.anonymous_is_sent_to_login()
test_manage_insufficient_role_gets_403 = MANAGING.insufficient_role_gets_403(both_methods=False)
test_manage_without_totp_is_sent_to_enrol = MANAGING.without_totp_is_sent_to_enrol()


@pytest.mark.parametrize("name", MANAGE_GET + MANAGE_POST)
def test_manage_wrong_method_gets_405(
    circle: Circle, cast: Cast, client_as: ClientAs, name: str
) -> None:
    report = _report(circle, cast)
    target = manage_url(name, report, cast.territory.slug)
    response = send(client_as("facilitator"), target, post=name not in MANAGE_POST)
    assert response.status_code == 405


@pytest.mark.parametrize("name", MANAGE_POST)
def test_a_report_of_another_territory_is_404(
    cast: Cast, client_as: ClientAs, carla: User, name: str
) -> None:
    elsewhere = make_circle(make_season(cast.other_territory, name="B"), [carla, cast.co_member])
    report = Report.objects.create(reporter=carla, circle=elsewhere, reason="x")
    for role in ("facilitator", "admin"):
        response = client_as(role).post(manage_url(name, report, cast.territory.slug))
        assert response.status_code == 404
    report.refresh_from_db()
    assert report.state == ReportState.OPEN


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitator_sees_open_reports_of_the_territory_only(
    circle: Circle, cast: Cast, client_as: ClientAs, carla: User, role: str
) -> None:
    _report(circle, cast, reason="Shouted at the venue")
    _report(circle, cast, reason="Old story", state=ReportState.HANDLED)
    elsewhere = make_circle(make_season(cast.other_territory, name="B"), [carla])
    Report.objects.create(reporter=carla, circle=elsewhere, reason="Elsewhere")
    page = client_as(role).get(reverse("manage_report_list", args=[cast.territory.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Shouted at the venue" in text
    assert "Old story" not in text
    assert "Elsewhere" not in text


def test_report_list_costs_constant_queries(
    circle: Circle, cast: Cast, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    target = reverse("manage_report_list", args=[cast.territory.slug])
    _report(circle, cast)
    with CaptureQueriesContext(connection) as one:
        client.get(target)
    for _ in range(5):
        _report(circle, cast)
    with CaptureQueriesContext(connection) as six:
        client.get(target)
    assert len(six) == len(one)


def test_marking_a_report_handled(circle: Circle, cast: Cast, client_as: ClientAs) -> None:
    report = _report(circle, cast)
    client = client_as("facilitator")
    response = client.post(reverse("manage_report_handled", args=[cast.territory.slug, report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.HANDLED
    assert report.handled_by == cast.facilitator
    assert report.handled_at is not None
    again = client.post(
        reverse("manage_report_handled", args=[cast.territory.slug, report.pk]), follow=True
    )
    assert b"already handled" in again.content


def test_removing_the_reported_member(
    circle: Circle, cast: Cast, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    report = _report(circle, cast)
    User.objects.filter(pk=cast.co_member.pk).update(language="fr")
    client = client_as("facilitator")
    target = reverse("manage_report_remove", args=[cast.territory.slug, report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(target, {"note": "Talked with both"})
    assert response.status_code == 302
    assert not Membership.objects.filter(circle=circle, user=cast.co_member).exists()
    removal = Removal.objects.get()
    assert (removal.circle, removal.user, removal.removed_by) == (
        circle,
        cast.co_member,
        cast.facilitator,
    )
    assert removal.note == "Talked with both"
    report.refresh_from_db()
    assert report.state == ReportState.HANDLED
    assert [m.to for m in mail.outbox] == [[cast.co_member.email]]
    assert mail.outbox[0].subject == "Votre cercle"  # in the removed person's language
    body = mail.outbox[0].body
    assert "Alice" not in body and "Shouted" not in body  # neutral: no reporter, no reason
    # The removed person no longer reaches the circle.
    gone = password_only(cast.co_member).get(reverse("moderation_circle", args=[circle.pk]))
    assert gone.status_code == 404


def test_removing_twice_or_nobody_changes_nothing(
    circle: Circle, cast: Cast, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    about_nobody = Report.objects.create(reporter=cast.participant, circle=circle, reason="x")
    response = client.post(
        reverse("manage_report_remove", args=[cast.territory.slug, about_nobody.pk]), follow=True
    )
    assert b"Nobody to remove" in response.content
    report = _report(circle, cast)
    target = reverse("manage_report_remove", args=[cast.territory.slug, report.pk])
    client.post(target)
    again = client.post(target, follow=True)
    assert b"already handled" in again.content
    assert Removal.objects.count() == 1


def test_a_too_long_note_removes_nobody(circle: Circle, cast: Cast, client_as: ClientAs) -> None:
    report = _report(circle, cast)
    target = reverse("manage_report_remove", args=[cast.territory.slug, report.pk])
    response = client_as("facilitator").post(target, {"note": "x" * 1001}, follow=True)
    assert b"too long" in response.content
    assert Membership.objects.filter(circle=circle, user=cast.co_member).exists()
