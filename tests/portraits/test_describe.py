from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from tierslien.portraits.describe import describe_answer, describe_portrait, slot_label
from tierslien.portraits.models import Criterion, Portrait
from tierslien.territories.models import Sector


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def make_criterion(
    pk: int, kind: str, *, enabled: bool = True, sensitive: bool = False
) -> Criterion:
    return Criterion(
        pk=pk,
        key=f"c{pk}",
        label=f"Criterion {pk}",
        kind=kind,
        enabled=enabled,
        sensitive=sensitive,
        options=[{"value": "a", "label": "Apple"}, {"value": "b", "label": "Bean"}],
    )


def test_answers_in_words() -> None:
    assert describe_answer(make_criterion(1, "categorical"), "b") == "Bean"
    assert describe_answer(make_criterion(1, "multi"), ["a", "b"]) == "Apple, Bean"
    assert describe_answer(make_criterion(1, "numeric"), 4.0) == "4"
    assert describe_answer(make_criterion(1, "numeric"), 2.5) == "2.5"
    assert describe_answer(make_criterion(1, "ordinal"), "gone") == "gone"


def test_catalogue_options_are_translated() -> None:
    gender = Criterion(
        pk=1,
        key="gender",
        catalogue_key="gender",
        kind="categorical",
        options=[{"value": "woman", "label": "Une femme"}],
    )
    assert describe_answer(gender, "woman") == "A woman"
    assert str(gender.display_label) == "Gender"


def test_slot_labels() -> None:
    assert slot_label("tue-evening") == "Tuesday evening"


def test_a_portrait_in_plain_words() -> None:
    portrait = Portrait(
        sector=Sector(name="Centre"),
        max_km=7.0,
        availability=["sat-morning", "mon-evening"],
        meeting_mode="online",
        accessibility_needs=["quiet"],
        hopes=[],
    )
    criteria = [
        make_criterion(1, "categorical"),
        make_criterion(2, "ordinal", sensitive=True),
        make_criterion(3, "multi", enabled=False),
        make_criterion(4, "numeric", enabled=False),
    ]
    description = describe_portrait(
        portrait, criteria, {1: "a", 2: "b", 3: ["a"]}, consented_keys={"c2"}
    )
    practical = {line.label: line.text for line in description.practical}
    assert practical == {
        "Where I live": "Centre",
        "How far I can travel": "Up to 7 km",
        "When I am available": "Monday evening, Saturday morning",
        "How I can meet": "Online",
        "Accessibility needs": "Quiet room",
        "What I hope for": "Not said",
    }
    assert [(line.key, line.text) for line in description.answers] == [
        ("c1", "Apple"),
        ("c2", "Bean"),
    ]
    assert description.answers[1].sensitive and description.answers[1].consented
    # A paused question shows only if answered.
    assert [line.key for line in description.unused] == ["c3"]
    assert [line.key for line in description.sensitive] == ["c2"]


def test_nothing_said_is_said_explicitly() -> None:
    portrait = Portrait(max_km=5, availability=[], meeting_mode="either")
    description = describe_portrait(portrait, [make_criterion(1, "categorical")], {})
    assert description.answers[0].text == "Prefer not to say"
    assert not description.answers[0].said
    texts = {line.label: line.text for line in description.practical}
    assert texts["Where I live"] == "Not said"
    assert texts["When I am available"] == "No time ticked"
    assert texts["Accessibility needs"] == "None"
