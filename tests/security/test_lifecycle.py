"""Attack replays for the "Trust" issue: what a season, an evening and a report leave behind.

Each test replays what the attacker did and shows that it no longer works.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.cast import Cast, make_user
from tests.moderation.conftest import make_circle, make_season
from tierslien.moderation import services as moderation
from tierslien.moderation.models import Removal, Report, ReportState
from tierslien.privacy.services import delete_account

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)


# --- 9. Reports outlive the accounts of the reported person and of the facilitator ---


def test_a_report_outlives_the_reported_persons_account(cast: Cast, client_as) -> None:  # type: ignore[no-untyped-def]
    carla = make_user("carla@example.org", "Carla", language="en")
    circle = make_circle(make_season(cast.territory), [cast.participant, carla])
    report = Report.objects.create(
        reporter=cast.participant,
        circle=circle,
        reported=carla,
        message_id=7,
        message_text="Carla's insulting words",
        reason="She insulted me",
    )

    delete_account(carla)

    report.refresh_from_db()
    assert report.reported is None
    assert report.reported_deleted
    assert (report.message_id, report.message_text) == (None, "")
    assert report.reason == "She insulted me"  # the reporter's words stay
    page = client_as("facilitator").get(reverse("manage_report_list", args=[cast.territory.slug]))
    text = page.content.decode()
    assert "She insulted me" in text
    assert "a deleted account" in text
    assert "insulting words" not in text
    assert "Carla" not in text


def test_a_report_outlives_the_account_of_the_facilitator_who_handled_it(cast: Cast) -> None:
    circle = make_circle(make_season(cast.territory), [cast.participant, cast.co_member])
    report = Report.objects.create(
        reporter=cast.participant, circle=circle, reported=cast.co_member, reason="Rude"
    )
    moderation.mark_handled(report, acting_user=cast.facilitator)

    delete_account(cast.facilitator)

    report.refresh_from_db()
    assert report.state == ReportState.HANDLED
    assert report.handled_by is None
    assert report.handled_at is not None
    assert report.reported == cast.co_member  # nothing else changed


def test_a_removal_outlives_the_account_of_the_facilitator_who_removed(cast: Cast) -> None:
    circle = make_circle(make_season(cast.territory), [cast.participant, cast.co_member])
    removal = Removal.objects.create(
        circle=circle, user=cast.co_member, removed_by=cast.facilitator, removed_at=MOMENT
    )

    delete_account(cast.facilitator)

    removal.refresh_from_db()
    assert removal.removed_by is None
    assert removal.user == cast.co_member
