"""Arbitrary input never breaks a form of the space, and what passes stays within bounds."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import fuzz_settings, printable_text
from tests.ritual import password_only
from tests.spaces.conftest import Space
from tierslien.spaces.forms import (
    AidOfferForm,
    AidPostForm,
    AttendanceForm,
    GuideForm,
    IntroForm,
    LeaveForm,
    MessageForm,
    PactForm,
)
from tierslien.spaces.models import Message

FUZZ = fuzz_settings(max_examples=40)

text = printable_text(max_size=60)
plausible = st.sampled_from(
    [
        "",
        " ",
        "on",
        "0",
        "1",
        "4",
        "-1",
        "21",
        "30",
        "31",
        "1e9",
        "nan",
        "coming",
        "not_coming",
        "maybe",
        "project",
        "need",
        "round",
        "one",
        "x" * 2001,
        "\x00",
        "\n\n",
    ]
)
value = st.one_of(text, plausible)


def _data(fields: list[str]) -> Any:
    return st.fixed_dictionaries({}, optional={name: value for name in fields})


@FUZZ
@given(data=_data(["text"]))
def test_text_forms_keep_plain_text_within_limits(data: dict[str, str]) -> None:
    for form_class, limit in ((IntroForm, 500), (MessageForm, 2000), (AidOfferForm, 1000)):
        form = form_class(data)
        if form.is_valid():
            cleaned = form.cleaned_data["text"]
            assert len(cleaned) <= limit
            assert cleaned == cleaned.strip()
            assert not any(ch < " " and ch not in "\n\t" for ch in cleaned)


@FUZZ
@given(data=_data(["kind", "title", "text"]))
def test_aid_post_form(data: dict[str, str]) -> None:
    form = AidPostForm(data)
    if form.is_valid():
        assert form.cleaned_data["kind"] in {"project", "need"}
        assert 0 < len(form.cleaned_data["title"]) <= 120


@FUZZ
@given(data=_data(["session", "answer"]))
def test_attendance_form(data: dict[str, str]) -> None:
    form = AttendanceForm(data)
    if form.is_valid():
        assert 1 <= form.cleaned_data["session"] <= 20
        assert form.cleaned_data["answer"] in {"coming", "not_coming"}


@FUZZ
@given(data=_data(["protocol", "minutes", "names"]))
def test_guide_form(data: dict[str, str]) -> None:
    form = GuideForm(data)
    if form.is_valid():
        minutes = form.cleaned_data["minutes"]
        assert minutes is None or 1 <= minutes <= 30
        speakers = form.speakers()
        assert len(speakers) <= 20 and all(0 < len(name) <= 80 for name in speakers)


@FUZZ
@given(data=_data(["accept", "confirm"]))
def test_confirmation_forms(data: dict[str, str]) -> None:
    PactForm(data).is_valid()
    LeaveForm(data).is_valid()


@pytest.mark.django_db
@FUZZ
@given(data=_data(["text"]))
def test_posting_anything_on_the_board_never_fails(
    space: Space, cast: Cast, data: dict[str, str]
) -> None:
    client = password_only(cast.participant)
    before = Message.objects.count()
    response = client.post(reverse("circle_board", args=[space.circle.pk]), data)
    assert response.status_code in {200, 302}
    assert Message.objects.count() == before + (1 if response.status_code == 302 else 0)
