"""Arbitrary POST (and GET) data on every form of the seats area: never a 500, and invalid
data changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import field_value, field_values, fuzz_settings
from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.meetings.seats import quotas
from tierslien.gatherings.meetings.seats.applications import balance_criteria
from tierslien.gatherings.meetings.seats.forms import ApplyForm, QuotaForm, SeatAnswerForm, SeedForm
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingQuota

pytestmark = pytest.mark.django_db

FUZZ = fuzz_settings()

value = field_value(
    [
        "",
        " ",
        "0",
        "1",
        "-1",
        "3",
        "12",
        "13",
        "1e309",
        "nan",
        "woman",
        "man",
        "25-34",
        "undisclosed",
        "random",
        "public",
        "confirm",
        "decline",
        "9223372036854775807",
        "9223372036854775808",
        "٣",
        "99999999999999999999999",
    ],
    text_size=30,
)
values = field_values(value, max_items=3)


def as_query(data: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, item in data.items():
        query.setlist(key, item if isinstance(item, list) else [item])
    return query


def post_data(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from([*fields, "other"]), values, max_size=12)


def url(name: str, meeting: Meeting) -> str:
    return reverse(name, args=[meeting.territory.slug, meeting.pk])


def close(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=timezone.now() - datetime.timedelta(minutes=1)
    )
    meeting.refresh_from_db()


@FUZZ
@given(data=post_data(["q_gender", "q_age_bracket", "q_occupation", "q_education"]))
def test_apply_form_fuzz(cast: Cast, client_as: Any, meeting: Meeting, data: dict) -> None:
    Application.objects.filter(user=cast.outsider).delete()
    form = ApplyForm(as_query(data), criteria=balance_criteria(meeting))
    valid = form.is_valid()
    response = client_as("outsider").post(url("meeting_apply", meeting), data)
    assert response.status_code == (302 if valid else 200)
    assert Application.objects.filter(user=cast.outsider).count() == (1 if valid else 0)


@FUZZ
@given(data=st.data())
def test_quota_form_fuzz(
    client_as: Any, meeting: Meeting, applicants: Applicants, data: st.DataObject
) -> None:
    if not Application.objects.exists():
        applicants(meeting, 14)
    client = client_as("facilitator")
    lines = client.get(url("meeting_quotas", meeting)).context["form"].lines
    names = [n for line in lines for n in QuotaForm.names(line)]
    posted = data.draw(
        st.dictionaries(
            st.sampled_from(names),
            st.one_of(value, st.integers(-2, 14).map(str)),
            max_size=len(names),
        )
    )
    complete = data.draw(st.booleans())
    if complete:  # most of the time, start from a full valid form
        posted = {n: str(k % 3) if n.startswith("min") else "12" for k, n in enumerate(names)} | (
            posted
        )
    before = list(
        MeetingQuota.objects.values_list("criterion_key", "value", "min_seats", "max_seats")
    )
    form = QuotaForm(as_query(posted), lines=lines, seats=meeting.seats)
    valid = form.is_valid()
    response = client.post(url("meeting_quotas", meeting), posted)
    assert response.status_code == (302 if valid else 200)
    after = list(
        MeetingQuota.objects.values_list("criterion_key", "value", "min_seats", "max_seats")
    )
    if valid:
        assert len(after) == len(lines)
        assert all(0 <= low <= high <= meeting.seats for _, _, low, high in after)
    else:
        assert after == before


@FUZZ
@given(data=post_data(["tolerance", "defaults"]))
def test_tolerance_form_fuzz(client_as: Any, meeting: Meeting, data: dict) -> None:
    response = client_as("facilitator").get(url("meeting_quotas", meeting), data)
    assert response.status_code == 200
    assert not MeetingQuota.objects.exists()


@FUZZ
@given(data=post_data(["source", "seed", "description"]))
def test_seed_form_fuzz(
    client_as: Any, meeting: Meeting, applicants: Applicants, data: dict
) -> None:
    if not Application.objects.exists():
        applicants(meeting, 14)
        close(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        seed_published_at=None, draw_seed=None, published_pool=[], published_quotas=[]
    )
    form = SeedForm(as_query(data))
    valid = form.is_valid()
    response = client_as("facilitator").post(url("meeting_seed_publish", meeting), data)
    assert response.status_code == (302 if valid else 200)
    meeting.refresh_from_db()
    assert (meeting.seed_published_at is not None) == valid
    if valid and form.cleaned_data["seed"] is not None:
        assert meeting.draw_seed == form.cleaned_data["seed"]


@FUZZ
@given(data=post_data(["answer"]))
def test_seat_answer_form_fuzz(
    cast: Cast, client_as: Any, meeting: Meeting, applicants: Applicants, data: dict
) -> None:
    """A selected person answers with anything: confirm, decline or nothing changes."""
    if not Application.objects.filter(user=cast.participant).exists():
        applicants(meeting, 3)
        Application.objects.create(
            meeting=meeting, user=cast.participant, pseudonym="mine", applied_at=timezone.now()
        )
        Meeting.objects.filter(pk=meeting.pk).update(state="allocated")
    mine = Application.objects.get(user=cast.participant)
    Application.objects.filter(pk=mine.pk).update(
        status=ApplicationStatus.SELECTED,
        confirm_by=timezone.now() + datetime.timedelta(days=1),
    )
    Application.objects.exclude(pk=mine.pk).update(status=ApplicationStatus.SELECTED)
    form = SeatAnswerForm(as_query(data))
    valid = form.is_valid()
    response = client_as("participant").post(url("meeting_seat_answer", meeting), data)
    assert response.status_code == 302
    mine.refresh_from_db()
    expected = {"confirm": "confirmed", "decline": "declined"}
    assert mine.status == (expected[form.cleaned_data["answer"]] if valid else "selected")


@FUZZ
@given(data=post_data(["answer", "source", "seed"]))
def test_buttons_without_fields_fuzz(
    cast: Cast, client_as: Any, meeting: Meeting, data: dict
) -> None:
    """One-step applying (with a portrait), withdraw, adopt and draw take no input: anything
    posted is ignored, never a 500."""
    Application.objects.filter(user=cast.participant).delete()
    participant = client_as("participant")
    assert participant.post(url("meeting_apply", meeting), data).status_code == 302
    mine = Application.objects.get(user=cast.participant)
    assert (mine.status, mine.answered_on_the_spot) == ("applied", False)
    assert participant.post(url("meeting_withdraw", meeting), data).status_code == 302
    assert Application.objects.get(user=cast.participant).status == "withdrawn"
    facilitator = client_as("facilitator")
    assert facilitator.post(url("meeting_quotas_adopt", meeting), data).status_code == 302
    assert facilitator.post(url("meeting_draw_start", meeting), data).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.draw_job) == ("open", "")
    assert quotas.check(meeting) is None
