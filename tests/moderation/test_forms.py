"""Arbitrary input posted to the moderation forms: never a 500, and only valid input acts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import printable_text
from tierslien.circles.models import Circle, Membership
from tierslien.moderation.forms import RemovalForm, ReportForm
from tierslien.moderation.models import Report

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = printable_text(max_size=1200)


def test_report_form_needs_a_short_reason() -> None:
    assert not ReportForm({"reason": ""}).is_valid()
    assert not ReportForm({"reason": "x" * 1001}).is_valid()
    assert ReportForm({"reason": "x" * 1000}).is_valid()


def test_removal_note_is_optional() -> None:
    assert RemovalForm({}).is_valid()
    assert not RemovalForm({"note": "x" * 1001}).is_valid()


@HYPOTHESIS
@given(data=st.dictionaries(st.sampled_from(["reason", "other"]), text, max_size=2))
def test_any_report_post_is_handled(
    cast: Cast, circle: Circle, client_as: Any, data: dict[str, Any]
) -> None:
    client: Client = client_as("participant")
    before = Report.objects.count()
    target = reverse("moderation_report_member", args=[circle.pk, cast.co_member.pk])
    response = client.post(target, data)
    assert response.status_code in (200, 302)
    valid = ReportForm(data).is_valid()
    assert (response.status_code == 302) == valid
    assert Report.objects.count() == before + (1 if valid else 0)


@HYPOTHESIS
@given(note=text)
def test_any_removal_note_is_handled(cast: Cast, circle: Circle, client_as: Any, note: str) -> None:
    Membership.objects.get_or_create(circle=circle, user=cast.co_member)
    report = Report.objects.create(
        reporter=cast.participant, circle=circle, reported=cast.co_member, reason="x"
    )
    target = reverse("manage_report_remove", args=[cast.territory.slug, report.pk])
    response = client_as("facilitator").post(target, {"note": note})
    assert response.status_code == 302
    removed = not Membership.objects.filter(circle=circle, user=cast.co_member).exists()
    assert removed == RemovalForm({"note": note}).is_valid()
