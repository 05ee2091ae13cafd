"""Arbitrary POST data never causes a 500, and invalid data changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import field_value, field_values, fuzz_settings, printable_text
from tests.portraits.helpers import criterion, edit_url, withdraw_url
from tierslien.accounts.models import Consent
from tierslien.portraits.models import Answer, Criterion, Portrait

pytestmark = pytest.mark.django_db

FUZZ = fuzz_settings()

text = printable_text(max_size=30)
value = field_value(
    [
        "",
        "on",
        "0",
        "1",
        "-1",
        "10",
        "200",
        "201",
        "1e309",
        "nan",
        "inf",
        "3.5",
        "activist",
        "curious",
        "fr",
        "4",
        "tue-evening",
        "step-free",
        "theme",
        "either",
        "numeric",
        "multi",
        "ordinal",
        "categorical",
        "diverse",
        "shared",
        "A\nB",
        "A\nA",
    ],
    text_size=30,
)
values = field_values(value)


def post_data(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.one_of(st.sampled_from(names), text), values, max_size=len(names))


def portrait_state(cast: Cast) -> Any:
    portraits = list(
        Portrait.objects.order_by("pk").values_list(
            "user",
            "territory",
            "sector",
            "max_km",
            "availability",
            "meeting_mode",
            "accessibility_needs",
            "hopes",
        )
    )
    answers = list(Answer.objects.order_by("pk").values_list("portrait", "criterion", "value"))
    consents = list(Consent.objects.order_by("pk").values_list("subject", "withdrawn_at"))
    return portraits, answers, consents


def criteria_state() -> Any:
    return list(
        Criterion.objects.order_by("pk").values_list(
            "key",
            "label",
            "question",
            "kind",
            "goal",
            "weight",
            "enabled",
            "sensitive",
            "options",
            "numeric_min",
            "numeric_max",
        )
    )


def assert_no_500_and_no_change_when_invalid(response: Any, before: Any, after: Any) -> None:
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert after == before


def questionnaire_fields(cast: Cast) -> list[str]:
    names = ["sector", "max_km", "availability", "meeting_mode", "accessibility_needs", "hopes"]
    for item in Criterion.objects.filter(territory=cast.territory):
        names += [f"answer_{item.key}", f"consent_{item.key}"]
    return names


@FUZZ
@given(data=st.data())
def test_the_questionnaire_survives_any_post(cast: Cast, client_as, data: st.DataObject) -> None:
    posted = data.draw(post_data(questionnaire_fields(cast)))
    for role in ("participant", "outsider"):
        before = portrait_state(cast)
        response = client_as(role).post(edit_url(cast.territory), posted)
        assert_no_500_and_no_change_when_invalid(response, before, portrait_state(cast))
    # Whatever happened, no sensitive answer exists without an active consent.
    for answer in Answer.objects.filter(criterion__sensitive=True).select_related(
        "criterion", "portrait"
    ):
        assert Consent.objects.filter(
            user=answer.portrait.user_id,
            subject=f"question:{answer.criterion.key}",
            withdrawn_at=None,
        ).exists()


@FUZZ
@given(data=st.data())
def test_the_criteria_list_survives_any_post(cast: Cast, client_as, data: st.DataObject) -> None:
    names = []
    for item in Criterion.objects.filter(territory=cast.territory):
        names += [f"enabled_{item.pk}", f"weight_{item.pk}"]
    posted = data.draw(post_data(names))
    before = criteria_state()
    response = client_as("facilitator").post(
        reverse("manage_criteria", args=[cast.territory.slug]), posted
    )
    assert_no_500_and_no_change_when_invalid(response, before, criteria_state())
    for item in Criterion.objects.all():
        assert 0 <= item.weight <= 10


CRITERION_FIELDS = [
    "label",
    "question",
    "kind",
    "goal",
    "weight",
    "enabled",
    "sensitive",
    "options",
    "numeric_min",
    "numeric_max",
]


@FUZZ
@given(posted=post_data(CRITERION_FIELDS))
def test_a_new_criterion_survives_any_post(cast: Cast, client_as, posted: dict[str, Any]) -> None:
    before = criteria_state()
    response = client_as("facilitator").post(
        reverse("manage_criterion_new", args=[cast.territory.slug]), posted
    )
    assert_no_500_and_no_change_when_invalid(response, before, criteria_state())


@FUZZ
@given(posted=post_data(CRITERION_FIELDS), key=st.sampled_from(["gender", "engagement", "custom"]))
def test_editing_a_criterion_survives_any_post(
    cast: Cast, client_as, posted: dict[str, Any], key: str
) -> None:
    if key == "custom":
        target = Criterion.objects.filter(territory=cast.territory, catalogue_key="").first()
        if target is None:
            from tierslien.portraits.services import create_criterion

            target = create_criterion(
                cast.territory,
                label="Pets",
                question="?",
                kind="multi",
                goal="diverse",
                weight=1.0,
                enabled=True,
                sensitive=False,
                options=[{"value": "cat", "label": "Cat"}, {"value": "dog", "label": "Dog"}],
                numeric_min=None,
                numeric_max=None,
            )
    else:
        target = criterion(cast.territory, key)
    before = criteria_state()
    response = client_as("facilitator").post(
        reverse("manage_criterion_edit", args=[cast.territory.slug, target.pk]), posted
    )
    assert_no_500_and_no_change_when_invalid(response, before, criteria_state())
    assert criterion(cast.territory, "engagement").sensitive


@FUZZ
@given(key=st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True))
def test_withdrawing_any_key_never_fails(cast: Cast, client_as, key: str) -> None:
    response = client_as("participant").post(withdraw_url(cast.territory, key))
    assert response.status_code in (302, 404)
