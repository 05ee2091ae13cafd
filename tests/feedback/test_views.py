"""Permission ritual and happy paths of the feedback, keep-in-touch and season report pages."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.feedback.conftest import answers_stored
from tests.moderation.conftest import LAST_END, make_season
from tests.ritual import ClientAs, Ritual, assert_sent_to_login, password_only
from tierslien.circles.models import Circle, Season
from tierslien.feedback.models import FeedbackGiven, KeepInTouch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_the_last_session() -> Iterator[None]:
    with time_machine.travel(LAST_END + datetime.timedelta(days=1), tick=False):
        yield


MEMBER_PAGES = ["feedback_circle", "feedback_keep_in_touch"]
MANAGE_PAGES = ["manage_season_report", "manage_season_report_csv"]
ANSWERS = {"met_different": "yes", "felt_safe": "mostly", "come_again": "maybe", "comment": ""}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_anonymous_is_sent_to_login(circle: Circle, name: str) -> None:
    assert_sent_to_login(Client().get(reverse(name, args=[circle.pk])))


@pytest.mark.parametrize("name", MEMBER_PAGES)
@pytest.mark.parametrize("role", ["outsider", "facilitator", "admin"])
def test_non_member_gets_404(circle: Circle, client_as: ClientAs, name: str, role: str) -> None:
    client = client_as(role)
    assert client.get(reverse(name, args=[circle.pk])).status_code == 404
    assert client.post(reverse(name, args=[circle.pk]), ANSWERS).status_code == 404
    assert answers_stored() == 0


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_sees_the_page(circle: Circle, client_as: ClientAs, name: str) -> None:
    assert client_as("participant").get(reverse(name, args=[circle.pk])).status_code == 200


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_wrong_method_gets_405(circle: Circle, client_as: ClientAs, name: str) -> None:
    assert client_as("participant").put(reverse(name, args=[circle.pk])).status_code == 405


def test_answering_once_then_a_thank_you(cast: Cast, circle: Circle, client_as: ClientAs) -> None:
    client = client_as("participant")
    target = reverse("feedback_circle", args=[circle.pk])
    response = client.post(target, ANSWERS)
    assert response.status_code == 302
    assert response.url == reverse("feedback_keep_in_touch", args=[circle.pk])
    assert answers_stored() == 1
    assert client.post(target, ANSWERS | {"met_different": "no"}).status_code == 200
    assert answers_stored() == 1
    assert b"You have answered" in client.get(target).content


def test_an_incomplete_answer_is_refused(circle: Circle, client_as: ClientAs) -> None:
    response = client_as("participant").post(
        reverse("feedback_circle", args=[circle.pk]), {"met_different": "yes"}
    )
    assert response.status_code == 200
    assert answers_stored() == 0
    assert not FeedbackGiven.objects.exists()


def test_before_the_end_the_pages_only_explain(cast: Cast, client_as: ClientAs) -> None:
    from tests.moderation.conftest import make_circle

    later = make_season(cast.territory, name="Later")
    Season.objects.filter(pk=later.pk).update(first_week=datetime.date(2027, 1, 4))
    circle = make_circle(Season.objects.get(pk=later.pk), [cast.participant, cast.co_member])
    client = client_as("participant")
    page = client.get(reverse("feedback_circle", args=[circle.pk]))
    assert b"opens after your circle" in page.content
    client.post(reverse("feedback_circle", args=[circle.pk]), ANSWERS)
    client.post(
        reverse("feedback_keep_in_touch", args=[circle.pk]), {"wanted": [cast.co_member.pk]}
    )
    assert answers_stored() == 0
    assert not KeepInTouch.objects.exists()


def test_keep_in_touch_reveals_the_email_only_when_mutual(
    cast: Cast, circle: Circle, client_as: ClientAs
) -> None:
    alice, bob = client_as("participant"), password_only(cast.co_member)
    target = reverse("feedback_keep_in_touch", args=[circle.pk])
    assert alice.post(target, {"wanted": [cast.co_member.pk]}).status_code == 302
    assert cast.co_member.email.encode() not in alice.get(target).content
    assert cast.participant.email.encode() not in bob.get(target).content
    bob.post(target, {"wanted": [cast.participant.pk]})
    assert cast.co_member.email.encode() in alice.get(target).content
    assert cast.participant.email.encode() in bob.get(target).content
    carla = circle.memberships.exclude(user__in=[cast.participant, cast.co_member]).get().user
    page = password_only(carla).get(target).content
    assert cast.participant.email.encode() not in page
    assert cast.co_member.email.encode() not in page


# --- The season report ---


def _manage_url(name: str, season: Season, slug: str | None = None) -> str:
    return reverse(name, args=[slug or season.territory.slug, season.pk])


@pytest.fixture
def elsewhere(cast: Cast) -> Season:
    return make_season(cast.other_territory, name="B")


REPORT = Ritual("season", _manage_url, get=MANAGE_PAGES)

test_report_anonymous_is_sent_to_login = REPORT.anonymous_is_sent_to_login()
test_report_insufficient_role_gets_403 = REPORT.insufficient_role_gets_403(both_methods=False)
test_report_of_another_territory_is_404 = REPORT.of_another_territory_gets_404("elsewhere")
test_facilitator_and_admin_see_the_report = REPORT.managers_see_the_page()
test_report_without_totp_is_sent_to_enrol = REPORT.without_totp_is_sent_to_enrol()
test_report_wrong_method_gets_405 = REPORT.refuses_methods(MANAGE_PAGES, methods=["post"])


def test_member_pages_cost_constant_queries(
    cast: Cast, circle: Circle, client_as: ClientAs
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.cast import make_user
    from tierslien.circles.models import Membership
    from tierslien.feedback import services

    client = client_as("participant")
    targets = [
        reverse("feedback_keep_in_touch", args=[circle.pk]),
        reverse("moderation_circle", args=[circle.pk]),
    ]

    def counts() -> list[int]:
        out = []
        for target in targets:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(target).status_code == 200
            out.append(len(queries))
        return out

    services.set_wishes(cast.participant, circle, [cast.co_member.pk])
    before = counts()
    for k in range(5):
        other = make_user(f"m{k}@example.org", f"M{k}")
        Membership.objects.create(circle=circle, user=other)
        services.set_wishes(other, circle, [cast.participant.pk])
    services.set_wishes(
        cast.participant, circle, list(circle.memberships.values_list("user_id", flat=True))
    )
    assert counts() == before
