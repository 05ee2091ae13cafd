"""Arbitrary POST data to every meeting form: never a 500, and invalid data changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.http import QueryDict
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import Cast
from tests.fuzz import field_value, field_values, fuzz_settings
from tierslien.gatherings.meetings.core import contributors
from tierslien.gatherings.meetings.core.forms import ContributionForm, InviteForm, MeetingForm
from tierslien.gatherings.models import Contributor, Meeting, MeetingState
from tierslien.portraits.models import Criterion

pytestmark = pytest.mark.django_db

FUZZ = fuzz_settings()

value = field_value(
    [
        "",
        " ",
        "\x00",
        "on",
        "0",
        "1",
        "2",
        "-1",
        "5",
        "30",
        "40",
        "120",
        "601",
        "2001",
        "1e309",
        "nan",
        "accept",
        "decline",
        "talk",
        "table",
        "association",
        "scientist",
        "2027-03-04T19:00",
        "2027-02-20T09:00",
        "2027-03-01T18:00",
        "2020-01-01T10:00",
        "2027-02-30T19:00",
        "not-a-date",
        "lea@example.org",
        "not an email",
        "999999",
    ],
    text_size=40,
)
values = field_values(value)

MEETING_FIELDS = [
    "theme",
    "description",
    "starts_at",
    "duration_minutes",
    "venue",
    "seats",
    "registration_opens",
    "registration_closes",
    "criteria",
    "rotations",
    "rotation_minutes",
    "confirmation_hours",
]
INVITE_FIELDS = ["name", "organisation", "kind", "email"]
CONTRIBUTION_FIELDS = ["answer", "title", "summary", "format"]


def as_query(data: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, item in data.items():
        query.setlist(key, item if isinstance(item, list) else [item])
    return query


def _post_data(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from([*fields, "other"]), values, max_size=12)


def _with_ids(cast: Cast) -> st.SearchStrategy[dict[str, Any]]:
    """Meeting data where venue and criteria are often real ids (eligible or not)."""
    ids = [
        str(pk)
        for pk in Criterion.objects.filter(territory=cast.territory).values_list("pk", flat=True)
    ]
    return _post_data(MEETING_FIELDS).flatmap(
        lambda data: st.fixed_dictionaries(
            {
                "venue": st.sampled_from([str(cast.venue.pk), "0", ""]),
                "criteria": st.lists(st.sampled_from(ids), max_size=5),
            }
        ).map(lambda extra: data | extra)
    )


def _snapshot() -> tuple[Any, ...]:
    return tuple(
        Meeting.objects.order_by("pk").values_list("pk", "theme", "seats", "state", "starts_at")
    )


@FUZZ
@given(data=st.data())
def test_meeting_create_fuzz(cast: Cast, client_as: Any, data: st.DataObject) -> None:
    posted = data.draw(st.one_of(_post_data(MEETING_FIELDS), _with_ids(cast)))
    before = Meeting.objects.count()
    valid = MeetingForm(as_query(posted), territory=cast.territory).is_valid()
    response = client_as("facilitator").post(
        reverse("meeting_create", args=[cast.territory.slug]), posted
    )
    assert response.status_code == (302 if valid else 200)
    assert Meeting.objects.count() == before + (1 if valid else 0)


@FUZZ
@given(data=st.data())
def test_meeting_edit_fuzz(
    cast: Cast, client_as: Any, draft_meeting: Meeting, data: st.DataObject
) -> None:
    posted = data.draw(st.one_of(_post_data(MEETING_FIELDS), _with_ids(cast)))
    draft_meeting.refresh_from_db()
    form = MeetingForm(as_query(posted), territory=cast.territory, instance=draft_meeting)
    valid = form.is_valid()
    before = _snapshot()
    criteria_before = list(draft_meeting.criteria.values_list("pk", flat=True))
    response = client_as("facilitator").post(
        reverse("meeting_edit", args=[cast.territory.slug, draft_meeting.pk]), posted
    )
    assert response.status_code == (302 if valid else 200)
    if not valid:
        assert _snapshot() == before
        assert list(draft_meeting.criteria.values_list("pk", flat=True)) == criteria_before


@FUZZ
@given(data=_post_data(INVITE_FIELDS))
def test_invite_fuzz(
    cast: Cast, client_as: Any, draft_meeting: Meeting, data: dict[str, Any]
) -> None:
    valid = InviteForm(as_query(data)).is_valid()
    before = Contributor.objects.count()
    emails = set(Contributor.objects.values_list("email", flat=True))
    response = client_as("facilitator").post(
        reverse("contributor_invite", args=[cast.territory.slug, draft_meeting.pk]), data
    )
    assert response.status_code in ((302, 200) if valid else (200,))
    if not valid:
        assert Contributor.objects.count() == before
    elif response.status_code == 200:  # an address invited already
        assert Contributor.objects.count() == before
        assert str(data.get("email", "")).strip().lower() in emails


@pytest.fixture
def token(draft_meeting: Meeting) -> str:
    original = contributors.new_token
    issued: list[str] = []

    def remember() -> str:
        issued.append(original())
        return issued[-1]

    contributors.new_token = remember  # type: ignore[assignment]
    try:
        contributors.invite_contributor(draft_meeting, name="Léa", email="lea@example.org")
    finally:
        contributors.new_token = original  # type: ignore[assignment]
    return issued[0]


@FUZZ
@given(data=_post_data(CONTRIBUTION_FIELDS))
def test_contribution_fuzz(
    cast: Cast, client_as: Any, draft_meeting: Meeting, token: str, data: dict[str, Any]
) -> None:
    Contributor.objects.update(status="invited", title="", summary="", format="")
    valid = ContributionForm(as_query(data)).is_valid()
    response = client_as("anonymous").post(
        reverse("meeting_contribute", args=[cast.territory.slug, token]), data
    )
    assert response.status_code == (302 if valid else 200)
    guest = Contributor.objects.get()
    if not valid:
        assert (guest.status, guest.title, guest.summary, guest.format) == ("invited", "", "", "")
    else:
        assert guest.status == ("accepted" if data["answer"] == "accept" else "declined")


@FUZZ
@given(data=_post_data(["confirm", "state", "fresh"]))
def test_action_buttons_fuzz(
    cast: Cast, client_as: Any, meeting: Meeting, applicants: Any, data: dict[str, Any]
) -> None:
    """Open (already open), back to draft (people applied): refused whatever is posted."""
    if not meeting.applications.exists():
        applicants(meeting, 1)
    client = client_as("facilitator")
    for name in ("meeting_open", "meeting_draft"):
        response = client.post(reverse(name, args=[cast.territory.slug, meeting.pk]), data)
        assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN
    assert not mail.outbox


@FUZZ
@given(data=_post_data(["confirm", "state"]))
def test_archive_button_fuzz(
    cast: Cast, client_as: Any, meeting: Meeting, data: dict[str, Any]
) -> None:
    """Archiving happens only when confirmed with exactly confirm=1."""
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.OPEN, archived_at=None)
    response = client_as("facilitator").post(
        reverse("meeting_archive", args=[cast.territory.slug, meeting.pk]), data
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    posted = data.get("confirm")
    confirmed = (posted[-1] if isinstance(posted, list) and posted else posted) == "1"
    assert meeting.state == (MeetingState.ARCHIVED if confirmed else MeetingState.OPEN)


def test_a_criterion_id_too_large_for_the_database_is_refused(
    cast: Cast, draft_meeting: Meeting
) -> None:
    from tierslien.gatherings.meetings.core.forms import MeetingForm

    form = MeetingForm(data={"criteria": ["9223372036854775808"]}, territory=cast.territory)
    assert not form.is_valid()
    assert "criteria" in form.errors
