"""Arbitrary data to every form of the day: never a 500, and invalid data changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import field_value, field_values, fuzz_settings
from tests.gatherings.meetings.conftest import Applicants
from tests.gatherings.meetings.day.test_services import day_meeting
from tierslien.gatherings.meetings.day.forms import DoorSearchForm, MarkForm
from tierslien.gatherings.models import Application, Contributor, Meeting, MeetingState, TableSeat

pytestmark = pytest.mark.django_db

FUZZ = fuzz_settings()

MARK_FIELDS = ["application", "contributor", "arrived", "q"]

value = field_value(
    ["", " ", "on", "0", "1", "-1", "2", "true", "1e309", "nan", "999999", "x" * 81, "\x00", "é"],
    text_size=30,
)
values = field_values(value)


def as_query(data: dict[str, Any]) -> QueryDict:
    """What a view sees of `data` once posted."""
    query = QueryDict(mutable=True)
    for key, item in data.items():
        query.setlist(key, item if isinstance(item, list) else [item])
    return query


@pytest.fixture(autouse=True)
def _short_plan(settings: Any) -> None:
    settings.MEETING_PLAN_SECONDS = 0.2
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30  # the door is open: it is the day


@pytest.fixture
def day(cast: Cast, applicants: Applicants) -> Meeting:
    return day_meeting(cast, applicants, citizens=6, contributors=2)


def ids(meeting: Meeting) -> st.SearchStrategy[str]:
    """Plausible person ids: this meeting's, others', nonsense."""
    known = [str(pk) for pk in Application.objects.values_list("pk", flat=True)]
    known += [str(pk) for pk in Contributor.objects.values_list("pk", flat=True)]
    return st.sampled_from(known or ["1"])


def _arrivals() -> tuple[list[Any], list[Any]]:
    return (
        list(Application.objects.order_by("pk").values_list("pk", "checked_in_at")),
        list(Contributor.objects.order_by("pk").values_list("pk", "checked_in_at")),
    )


def _args(meeting: Meeting) -> list[Any]:
    return [meeting.territory.slug, meeting.pk]


@FUZZ
@given(q=st.one_of(values, st.text(max_size=120)))
def test_search_fuzz(day: Meeting, client_as: Any, q: Any) -> None:
    before = _arrivals()
    response = client_as("facilitator").get(
        reverse("meeting_day_checkin", args=_args(day)), {"q": q}
    )
    assert response.status_code == 200
    form = DoorSearchForm(as_query({"q": q}))
    if not form.is_valid():
        assert response.content.decode().count("data-application=") == 6
    assert _arrivals() == before


@FUZZ
@given(data=st.data())
def test_mark_fuzz(day: Meeting, client_as: Any, data: st.DataObject) -> None:
    person = st.one_of(ids(day), values)
    post = data.draw(
        st.dictionaries(
            st.sampled_from(MARK_FIELDS + ["other"]),
            st.one_of(person, st.sampled_from(["0", "1"]), values),
            max_size=5,
        )
    )
    form = MarkForm(as_query(post), meeting=day)
    valid = form.is_valid()
    before = _arrivals()
    response = client_as("facilitator").post(
        reverse("meeting_day_checkin_mark", args=_args(day)), post
    )
    assert response.status_code == 302
    if not valid:
        assert _arrivals() == before
    else:
        person = form.cleaned_data["application"] or form.cleaned_data["contributor"]
        person.refresh_from_db()
        assert (person.checked_in_at is not None) == form.cleaned_data["arrived"]
        assert person.meeting_id == day.pk


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["fresh", "seed", "other"]), values, max_size=3))
def test_compose_fuzz(day: Meeting, client_as: Any, data: dict[str, Any]) -> None:
    response = client_as("facilitator").post(reverse("meeting_day_compose", args=_args(day)), data)
    assert response.status_code == 302
    assert TableSeat.objects.filter(meeting=day).count() == 2 * (6 + 2)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["number", "fresh", "other"]), values, max_size=3))
def test_timer_and_end_buttons_fuzz(
    cast: Cast, applicants: Applicants, client_as: Any, data: dict[str, Any]
) -> None:
    """On a meeting still open, the compose, timer and "over" buttons change nothing."""
    meeting = Meeting.objects.filter(state=MeetingState.OPEN).first()
    if meeting is None:
        meeting = day_meeting(cast, applicants, citizens=4, contributors=1)
        Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.OPEN)
    client = client_as("facilitator")
    for name, extra in (
        ("meeting_day_compose", []),
        ("meeting_day_rotation_start", [1]),
        ("meeting_day_over", []),
    ):
        response = client.post(reverse(name, args=[*_args(meeting), *extra]), data)
        assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.current_rotation, meeting.attended_count) == ("open", 0, 0)
    assert not TableSeat.objects.filter(meeting=meeting).exists()
