"""The way in on one's own phone (a short address with a check digit, its QR code), the round
timer's button, and what a composition says about its repeated encounters."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.gatherings.conftest import Crowd, make_evening
from tierslien.accounts.models import User
from tierslien.gatherings.evenings import services
from tierslien.gatherings.evenings.door import evening_id_of, qr_svg, short_code
from tierslien.gatherings.evenings.services import Composition
from tierslien.gatherings.evenings.views import composed_message
from tierslien.gatherings.models import Evening, EveningState

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _in_english(request: pytest.FixtureRequest) -> None:
    """The facilitator reads English here (the pages say what these tests look for)."""
    if "cast" in request.fixturenames or "evening" in request.fixturenames:
        cast: Cast = request.getfixturevalue("cast")
        User.objects.filter(pk=cast.facilitator.pk).update(language="en")


# --- The short code ---------------------------------------------------------------------


@given(st.integers(1, 10**9))
def test_a_short_code_names_its_evening(evening_id: int) -> None:
    code = short_code(evening_id)
    assert code.isdigit() and len(code) == len(str(evening_id)) + 1
    assert evening_id_of(code) == evening_id


@given(st.integers(1, 10**9), st.data())
def test_one_mistyped_digit_names_no_evening(evening_id: int, data: st.DataObject) -> None:
    code = short_code(evening_id)
    position = data.draw(st.integers(0, len(code) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    typo = code[:position] + digit + code[position + 1 :]
    assert evening_id_of(typo) is None


@pytest.mark.parametrize("code", ["", "7", "abc", "12a", "٣٤٥", "0" * 40, "00", "-18"])
def test_what_is_not_a_code_names_no_evening(code: str) -> None:
    assert evening_id_of(code) is None


def test_the_qr_code_is_inline_svg_named_for_screen_readers() -> None:
    svg = qr_svg("https://example.org/e/422/", label="QR <code>")
    assert svg.startswith('<svg role="img" ')
    assert "<title>QR &lt;code&gt;</title>" in svg
    assert "style=" not in svg and "<script" not in svg  # the CSP allows neither


# --- The short address --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_short_address_leads_to_the_evenings_check_in(
    evening: Evening, client_as: ClientAs
) -> None:
    response = client_as("anonymous").get(f"/e/{short_code(evening.pk)}/")
    assert response.status_code == 302
    assert response.url == reverse("evening_join", args=[evening.territory.slug, evening.pk])


@pytest.mark.django_db
def test_a_typo_or_an_evening_that_ended_leads_nowhere(
    evening: Evening, client_as: ClientAs
) -> None:
    client = client_as("participant")
    wrong = str(int(short_code(evening.pk)) + 1)
    assert client.get(f"/e/{wrong}/").status_code == 404
    assert client.get(f"/e/{short_code(evening.pk + 1000)}/").status_code == 404
    Evening.objects.filter(pk=evening.pk).update(state=EveningState.HELD)
    assert client.get(f"/e/{short_code(evening.pk)}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["evening_checkin", "evening_round"])
def test_the_room_shows_a_qr_code_and_a_short_address(
    evening: Evening, crowd: Crowd, client_as: ClientAs, name: str
) -> None:
    crowd(evening, 8)
    services.compose_tables(evening)
    args: list[object] = [evening.territory.slug, evening.pk] + (
        [1] if name == "evening_round" else []
    )
    page = client_as("facilitator").get(reverse(name, args=args)).content.decode()
    short = f"http://testserver/e/{short_code(evening.pk)}/"
    assert f'<a class="door-url" href="{short}" translate="no">{short}</a>' in page
    assert '<svg role="img" ' in page and f"<title>QR code of the address {short}</title>" in page
    assert evening.door_code in page
    assert "<code>" not in page


@pytest.mark.django_db
def test_the_evening_page_shows_the_short_address(evening: Evening, client_as: ClientAs) -> None:
    url = reverse("evening_detail", args=[evening.territory.slug, evening.pk])
    page = client_as("facilitator").get(url).content.decode()
    assert f'href="http://testserver/e/{short_code(evening.pk)}/"' in page
    assert "<code>" not in page


# --- The round timer ----------------------------------------------------------------------


def _start_form(page: str) -> str:
    match = re.search(r"<form[^>]*data-after-timer[^>]*>.*?</form>", page, re.S)
    assert match, "no start form"
    return match.group(0)


@pytest.mark.django_db
def test_the_start_button_goes_once_the_timer_runs_and_comes_back_when_it_rang(
    evening: Evening, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(evening, 8)
    services.compose_tables(evening)
    client = client_as("facilitator")
    round_url = reverse("evening_round", args=[evening.territory.slug, evening.pk, 1])
    start_url = reverse("evening_round_start", args=[evening.territory.slug, evening.pk, 1])
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        before = client.get(round_url).content.decode()
        assert " hidden" not in _start_form(before).split(">")[0]
        assert "Start the 30-minute timer<" in before
        response = client.post(start_url, follow=True)
        during = response.content.decode()
        assert response.redirect_chain[-1][0] == round_url
        assert 'data-timer="running"' in during
        assert _start_form(during).split(">")[0].endswith(" hidden")  # not shown while it runs
    with time_machine.travel(now + datetime.timedelta(minutes=31), tick=False):
        after = client.get(round_url).content.decode()
        assert 'data-timer="over"' in after and "Time is up" in after
        assert " hidden" not in _start_form(after).split(">")[0]
        assert "Start the 30-minute timer again" in after
    # another round's page: its own timer has not started
    other = client.get(reverse("evening_round", args=[evening.territory.slug, evening.pk, 2]))
    assert "data-timer" not in other.content.decode()


# --- What a composition says about repeated encounters -------------------------------------


def _said(repeats: int, unavoidable: int) -> str:
    evening = Evening(rounds=3, min_size=4, max_size=4)
    outcome = Composition(
        fresh=True,
        placed=8,
        moved=0,
        repeats=repeats,
        elapsed=0.1,
        people=8,
        unavoidable=unavoidable,
    )
    with translation.override("en"):
        return composed_message(outcome, evening)


def test_no_repeat_is_said_plainly() -> None:
    assert "nobody sits twice with the same person" in _said(0, 0)


def test_unavoidable_repeats_are_said_to_be_so() -> None:
    said = _said(8, 8)
    assert "8 repeated encounters, which no plan could avoid" in said
    assert "with 8 people at tables of 4 to 4 over 3 rounds" in said


def test_repeats_beyond_the_unavoidable_are_owned_up_to() -> None:
    said = _said(10, 8)
    assert "At least 8 are unavoidable" in said
    assert "could not be avoided in the time given" in said
    assert "may exist but was not found in the time given" in _said(2, 0)


@pytest.mark.django_db
def test_composing_a_crowded_small_evening_says_its_repeats_are_unavoidable(
    cast: Cast, client_as: ClientAs, crowd: Crowd
) -> None:
    evening = make_evening(cast, rounds=3, min_size=4, max_size=4)
    crowd(evening, 8)
    url = reverse("evening_compose", args=[evening.territory.slug, evening.pk])
    page = client_as("facilitator").post(url, follow=True).content.decode()
    # 2 tables of 4 over 3 rounds: 36 pairs met, only 28 different ones, at least 8 again
    assert "which no plan could avoid" in page or "At least 8 are unavoidable" in page
