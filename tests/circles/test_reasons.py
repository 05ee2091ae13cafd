"""The engine's reasons in plain words."""

from __future__ import annotations

import pytest
from django.utils import translation

from tierslien.circles.pages import REASONS, UNKNOWN, failure_text, reason_text


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_known_code_has_its_sentence(code: str) -> None:
    assert reason_text(code) == REASONS[code]


def test_distance_is_named_when_the_engine_gives_it() -> None:
    with translation.override("en"):
        text = str(reason_text("no_venue_in_range", {"max_km": 2.5, "slots": []}))
    assert text == "No venue lies within 2.5 km of their sector."
    with translation.override("en"):
        assert "within 3 km" in str(reason_text("no_venue_open", {"max_km": 3}))


@pytest.mark.parametrize("params", [None, {}, {"max_km": "far"}, {"max_km": True}, []])
def test_odd_parameters_fall_back_to_the_plain_sentence(params: object) -> None:
    assert reason_text("no_venue_in_range", params) == REASONS["no_venue_in_range"]


def test_unknown_codes_still_read_as_a_sentence() -> None:
    assert reason_text("something_new") == UNKNOWN
    assert failure_text("something_new") == failure_text("internal")


def test_seats_given_back_have_words() -> None:
    from django.utils import translation

    from tierslien.circles.pages import UNKNOWN, reason_text

    with translation.override("en"):
        assert reason_text("declined") != UNKNOWN
        assert str(reason_text("expired")) == "They did not answer their invitation in time."
