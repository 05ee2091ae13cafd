"""Arbitrary POST data never causes a 500, and invalid data changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import field_value, field_values, fuzz_settings
from tierslien.gatherings.evenings.forms import CheckInForm, EveningForm
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import Attendee, Companion, Evening

pytestmark = pytest.mark.django_db

FUZZ = fuzz_settings()

value = field_value(
    [
        "",
        " ",
        "on",
        "0",
        "1",
        "-1",
        "3",
        "4",
        "5",
        "9",
        "200",
        "1e309",
        "nan",
        "25-34",
        "75+",
        "woman",
        "2026-12-04T19:00",
        "2026-02-30T19:00",
        "not-a-date",
        "ana@example.org",
        "not an email",
        "999999",
    ],
    text_size=30,
)
values = field_values(value)

EVENING_FIELDS = ["starts_at", "venue", "min_size", "max_size", "rounds", "round_minutes"]
CHECKIN_FIELDS = [
    "first_name",
    "q_age_bracket",
    "q_gender",
    "q_occupation",
    "q_education",
    "email",
    "came_with",
    "stay_together",
]


def as_query(data: dict[str, Any]) -> QueryDict:
    """What a view sees of `data` once posted."""
    query = QueryDict(mutable=True)
    for key, item in data.items():
        query.setlist(key, item if isinstance(item, list) else [item])
    return query


def _post_data(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from([*fields, "fresh", "other"]), values, max_size=10)


@FUZZ
@given(data=_post_data(EVENING_FIELDS))
def test_evening_form_fuzz(cast: Cast, client_as: Any, data: dict[str, Any]) -> None:
    before = Evening.objects.count()
    form = EveningForm(as_query(data), territory=cast.territory)
    valid = form.is_valid()
    response = client_as("facilitator").post(
        reverse("evening_create", args=[cast.territory.slug]), data
    )
    assert response.status_code == (302 if valid else 200)
    assert Evening.objects.count() == before + (1 if valid else 0)


@FUZZ
@given(data=_post_data(CHECKIN_FIELDS))
def test_checkin_form_fuzz(
    cast: Cast, client_as: Any, evening: Evening, data: dict[str, Any]
) -> None:
    others = list(Attendee.objects.filter(evening=evening))
    form = CheckInForm(as_query(data), questions=evening_questions(cast.territory), others=others)
    valid = form.is_valid()
    before = (Attendee.objects.count(), Companion.objects.count())
    response = client_as("facilitator").post(
        reverse("evening_checkin", args=[cast.territory.slug, evening.pk]), data
    )
    assert response.status_code == (302 if valid else 200)
    if not valid:
        assert (Attendee.objects.count(), Companion.objects.count()) == before
    else:
        assert Attendee.objects.count() == before[0] + 1


@FUZZ
@given(data=_post_data(["fresh"]))
def test_compose_and_join_fuzz(
    cast: Cast, client_as: Any, evening: Evening, data: dict[str, Any]
) -> None:
    slug = cast.territory.slug
    response = client_as("facilitator").post(
        reverse("evening_compose", args=[slug, evening.pk]), data
    )
    assert response.status_code == 302
    # Days before the evening, whatever is posted (a code or not), nobody is checked in.
    response = client_as("participant").post(reverse("evening_join", args=[slug, evening.pk]), data)
    assert response.status_code in (200, 302)
    assert not Attendee.objects.filter(user=cast.participant).exists()


@FUZZ
@given(data=_post_data(["fresh", "number", "email"]))
def test_action_buttons_fuzz(
    cast: Cast, client_as: Any, evening: Evening, data: dict[str, Any]
) -> None:
    """The timer, "over" and invitation buttons of an evening still open change nothing."""
    client = client_as("facilitator")
    slug = cast.territory.slug
    for name, extra in (
        ("evening_round_start", [1]),
        ("evening_held", []),
        ("evening_invite", []),
    ):
        response = client.post(reverse(name, args=[slug, evening.pk, *extra]), data)
        assert response.status_code == 302
    evening.refresh_from_db()
    assert (evening.state, evening.current_round, evening.invited_at) == ("open", 0, None)
