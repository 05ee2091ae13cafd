"""Permission ritual and happy paths of the facilitators' meeting pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.ritual import ClientAs, Ritual
from tierslien.gatherings.meetings.core import contributors
from tierslien.gatherings.models import (
    Application,
    Contributor,
    ContributorStatus,
    Meeting,
    MeetingState,
)
from tierslien.portraits.models import Criterion

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "meeting_manage_list",
    "meeting_create",
    "meeting_manage",
    "meeting_edit",
    "contributor_invite",
]
POST_ONLY = [
    "meeting_open",
    "meeting_draft",
    "meeting_archive",
    "contributor_reinvite",
    "contributor_withdraw",
]
MANAGEMENT = GET_PAGES + POST_ONLY
WITHOUT_MEETING = ("meeting_manage_list", "meeting_create")
WITH_CONTRIBUTOR = ("contributor_reinvite", "contributor_withdraw")


def invite(meeting: Meeting, email: str = "lea@asso.example", **extra: Any) -> Contributor:
    values = {"name": "Léa Martin", "organisation": "Eau Vive", "kind": "association"} | extra
    return contributors.invite_contributor(meeting, email=email, **values)


def url(name: str, meeting: Meeting, *, slug: str | None = None, contributor: int = 0) -> str:
    args: list[Any] = [slug or meeting.territory.slug]
    if name not in WITHOUT_MEETING:
        args.append(meeting.pk)
    if name in WITH_CONTRIBUTOR:
        args.append(contributor)
    return reverse(name, args=args)


@pytest.fixture
def guest(draft_meeting: Meeting) -> Contributor:
    return invite(draft_meeting)


def state_of(meeting: Meeting) -> tuple[str, int, int]:
    meeting.refresh_from_db()
    return meeting.state, meeting.contributors.count(), len(mail.outbox)


def with_guest(name: str, guest: Contributor, *, slug: str | None = None) -> str:
    return url(name, guest.meeting, slug=slug, contributor=guest.pk)


@pytest.fixture
def other_guest(other_meeting: Meeting) -> Contributor:
    return invite(other_meeting)


RITUAL = Ritual(
    "guest", with_guest, get=GET_PAGES, post=POST_ONLY, unchanged=lambda g: state_of(g.meeting)
)
PAGES = Ritual("draft_meeting", url, get=GET_PAGES, post=POST_ONLY)
WITH_MEETING = [n for n in MANAGEMENT if n not in WITHOUT_MEETING]

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404()
test_unknown_meeting_gets_404 = RITUAL.unknown_object_gets_404(
    WITH_MEETING, pk=lambda guest: guest.meeting.pk
)
test_meeting_of_another_territory_gets_404 = RITUAL.of_another_territory_gets_404(
    "other_guest", WITH_MEETING
)


@pytest.mark.parametrize("name", WITH_CONTRIBUTOR)
def test_contributor_of_another_meeting_gets_404(
    draft_meeting: Meeting, other_meeting: Meeting, client_as: ClientAs, name: str
) -> None:
    other_guest = invite(other_meeting)
    target = url(name, draft_meeting, contributor=other_guest.pk)
    assert client_as("admin").post(target).status_code == 404
    assert Contributor.objects.filter(pk=other_guest.pk).exists()


test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403()
test_facilitator_and_admin_see_the_page = PAGES.managers_see_the_page()
test_facilitator_without_totp_is_sent_to_enrol = RITUAL.without_totp_is_sent_to_enrol()
test_post_only_pages_refuse_get = RITUAL.refuses_methods(POST_ONLY, methods=["get"])
test_read_only_pages_refuse_post = PAGES.refuses_methods(
    ["meeting_manage_list", "meeting_manage"], methods=["post"]
)


# --- Happy paths ---------------------------------------------------------------------------


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def meeting_data(cast: Cast, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    keys = ("age_bracket", "occupation")
    criteria = Criterion.objects.filter(territory=cast.territory, key__in=keys)
    return {
        "theme": "Nos rivières",
        "description": "D'où vient l'eau du robinet ?",
        "starts_at": _local(now + datetime.timedelta(days=20)),
        "duration_minutes": 150,
        "venue": cast.venue.pk,
        "seats": 30,
        "registration_opens": _local(now),
        "registration_closes": _local(now + datetime.timedelta(days=10)),
        "criteria": [c.pk for c in criteria],
        "rotations": 3,
        "rotation_minutes": 40,
        "confirmation_hours": 48,
    } | overrides


def test_create_a_meeting(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(
        reverse("meeting_create", args=[cast.territory.slug]), meeting_data(cast)
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("meeting_manage", args=[cast.territory.slug, meeting.pk])
    assert meeting.state == MeetingState.DRAFT
    assert (meeting.theme, meeting.seats, meeting.rotations, meeting.rotation_minutes) == (
        "Nos rivières",
        30,
        3,
        40,
    )
    assert (meeting.duration_minutes, meeting.confirmation_hours) == (150, 48)
    assert sorted(meeting.criteria.values_list("key", flat=True)) == ["age_bracket", "occupation"]


def test_create_form_offers_only_non_sensitive_one_choice_criteria(
    cast: Cast, client_as: ClientAs
) -> None:
    page = client_as("facilitator").get(reverse("meeting_create", args=[cast.territory.slug]))
    offered = {c.pk for c in page.context["form"].eligible}
    keys = set(Criterion.objects.filter(pk__in=offered).values_list("key", flat=True))
    assert "engagement" not in keys and "belief_worlds" not in keys
    assert "languages" not in keys  # several choices: no quota per answer
    assert {"age_bracket", "gender", "occupation"} <= keys
    content = page.content.decode()
    engagement = Criterion.objects.get(territory=cast.territory, key="engagement")
    assert f'value="{engagement.pk}"' not in content


@pytest.mark.parametrize("key", ["engagement", "belief_worlds", "languages"])
def test_ineligible_criteria_are_refused_by_name(cast: Cast, client_as: ClientAs, key: str) -> None:
    criterion = Criterion.objects.get(territory=cast.territory, key=key)
    response = client_as("facilitator").post(
        reverse("meeting_create", args=[cast.territory.slug]),
        meeting_data(cast, criteria=[criterion.pk]),
    )
    assert response.status_code == 200
    assert "criteria" in response.context["form"].errors
    assert str(criterion.display_label) in response.context["form"].errors["criteria"][0]
    assert not Meeting.objects.exists()


def test_disabled_and_foreign_criteria_are_refused(cast: Cast, client_as: ClientAs) -> None:
    gender = Criterion.objects.get(territory=cast.territory, key="gender")
    gender.enabled = False
    gender.save(update_fields=["enabled"])
    foreign = Criterion.objects.get(territory=cast.other_territory, key="occupation")
    client = client_as("facilitator")
    target = reverse("meeting_create", args=[cast.territory.slug])
    for pk in (gender.pk, foreign.pk):
        response = client.post(target, meeting_data(cast, criteria=[pk]))
        assert response.status_code == 200
        assert "criteria" in response.context["form"].errors
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("registration_closes", {"registration_closes": "past the start"}),
        ("registration_closes", {"window": "closes before it opens"}),
        ("starts_at", {"starts_at": "in the past"}),
        ("seats", {"seats": 1}),
        ("rotation_minutes", {"rotations": 6, "rotation_minutes": 60}),
        ("venue", {"venue": "other"}),
    ],
)
def test_invalid_meetings_are_refused(
    cast: Cast, other_meeting: Meeting, client_as: ClientAs, field: str, change: dict[str, Any]
) -> None:
    now = timezone.now()
    data = meeting_data(cast)
    if change.get("registration_closes"):
        data["registration_closes"] = _local(now + datetime.timedelta(days=25))
    elif change.get("window"):
        data["registration_opens"] = _local(now + datetime.timedelta(days=11))
    elif change.get("starts_at"):
        data["starts_at"] = _local(now - datetime.timedelta(days=1))
        data["registration_opens"] = _local(now - datetime.timedelta(days=5))
        data["registration_closes"] = _local(now - datetime.timedelta(days=2))
    elif change.get("venue"):
        data["venue"] = other_meeting.venue_id
    else:
        data |= change
    before = Meeting.objects.count()
    response = client_as("facilitator").post(
        reverse("meeting_create", args=[cast.territory.slug]), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Meeting.objects.count() == before


def test_edit_a_meeting(cast: Cast, draft_meeting: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    form = client.get(url("meeting_edit", draft_meeting)).context["form"]
    assert form.initial["theme"] == draft_meeting.theme
    response = client.post(
        url("meeting_edit", draft_meeting), meeting_data(cast, theme="L'eau, encore", seats=50)
    )
    assert response.status_code == 302
    draft_meeting.refresh_from_db()
    assert (draft_meeting.theme, draft_meeting.seats) == ("L'eau, encore", 50)
    assert sorted(draft_meeting.criteria.values_list("key", flat=True)) == [
        "age_bracket",
        "occupation",
    ]


def test_seats_and_criteria_are_frozen_once_people_applied(
    cast: Cast, meeting: Meeting, applicants: Any, client_as: ClientAs
) -> None:
    applicants(meeting, 3)
    client = client_as("facilitator")
    form = client.get(url("meeting_edit", meeting)).context["form"]
    assert form.fields["seats"].disabled and form.fields["criteria"].disabled
    response = client.post(
        url("meeting_edit", meeting), meeting_data(cast, theme="Autre thème", seats=99)
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.theme, meeting.seats) == ("Autre thème", 12)
    assert meeting.criteria.count() == 3


def test_a_meeting_after_allocation_is_not_editable(
    cast: Cast, meeting: Meeting, client_as: ClientAs
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.ALLOCATED)
    client = client_as("facilitator")
    assert client.get(url("meeting_edit", meeting)).status_code == 302
    response = client.post(url("meeting_edit", meeting), meeting_data(cast, theme="Non"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.theme != "Non"


def test_open_a_draft_then_back_to_draft(draft_meeting: Meeting, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    response = client.post(url("meeting_open", draft_meeting))
    assert response.status_code == 302
    draft_meeting.refresh_from_db()
    assert draft_meeting.state == MeetingState.OPEN
    assert draft_meeting.opened_at is not None
    # warned (no contributor accepted): allowed anyway
    assert client.post(url("meeting_open", draft_meeting)).status_code == 302  # refused
    assert client.post(url("meeting_draft", draft_meeting)).status_code == 302
    draft_meeting.refresh_from_db()
    assert draft_meeting.state == MeetingState.DRAFT
    assert client.post(url("meeting_draft", draft_meeting)).status_code == 302  # refused
    draft_meeting.refresh_from_db()
    assert draft_meeting.state == MeetingState.DRAFT


def test_open_warns_when_no_contributor_accepted(
    draft_meeting: Meeting, client_as: ClientAs
) -> None:
    response = client_as("facilitator").post(url("meeting_open", draft_meeting), follow=True)
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["success", "warning"]


def test_a_meeting_that_started_cannot_open(draft_meeting: Meeting, client_as: ClientAs) -> None:
    Meeting.objects.filter(pk=draft_meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client_as("facilitator").post(url("meeting_open", draft_meeting))
    draft_meeting.refresh_from_db()
    assert draft_meeting.state == MeetingState.DRAFT


def test_back_to_draft_is_refused_once_people_applied(
    meeting: Meeting, applicants: Any, client_as: ClientAs
) -> None:
    applicants(meeting, 1)
    client_as("facilitator").post(url("meeting_draft", meeting))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN


def test_archive_from_the_management_page(
    meeting: Meeting, applicants: Any, client_as: ClientAs
) -> None:
    applicants(meeting, 2)
    client = client_as("facilitator")
    assert client.post(url("meeting_archive", meeting)).status_code == 302  # not confirmed
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN
    assert Application.objects.filter(meeting=meeting).count() == 2
    response = client.post(url("meeting_archive", meeting), {"confirm": "1"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ARCHIVED
    assert not Application.objects.filter(meeting=meeting).exists()
    assert client.post(url("meeting_archive", meeting), {"confirm": "1"}).status_code == 302
    page = client.get(url("meeting_manage", meeting))
    assert page.status_code == 200
    assert 'data-action="archive"' not in page.content.decode()


def test_manage_page_shows_contributors_and_the_boxes(
    draft_meeting: Meeting, guest: Contributor, client_as: ClientAs
) -> None:
    page = client_as("facilitator").get(url("meeting_manage", draft_meeting)).content.decode()
    assert f'data-contributor="{guest.pk}"' in page
    assert 'data-status="invited"' in page
    assert guest.email in page  # the facilitator sees the address they typed
    assert 'data-action="open"' in page


def test_invite_a_contributor(
    draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("facilitator")
    data = {
        "name": "  Dr  Sam Weil ",
        "organisation": "Université",
        "kind": "scientist",
        "email": "Sam@Univ.example",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("contributor_invite", draft_meeting), data)
    assert response.status_code == 302
    contributor = Contributor.objects.get()
    assert (contributor.name, contributor.kind, contributor.email) == (
        "Dr Sam Weil",
        "scientist",
        "sam@univ.example",
    )
    assert contributor.status == ContributorStatus.INVITED
    assert [m.to for m in mail.outbox] == [["sam@univ.example"]]
    # the same address twice is refused, nothing sent
    response = client.post(url("contributor_invite", draft_meeting), data)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Contributor.objects.count() == 1
    assert len(mail.outbox) == 1


def test_invalid_invitation_changes_nothing(draft_meeting: Meeting, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(
        url("contributor_invite", draft_meeting),
        {"name": " ", "kind": "wizard", "email": "not an email"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "kind", "email"}
    assert not Contributor.objects.exists()
    assert not mail.outbox


def test_no_invitation_once_held(meeting: Meeting, client_as: ClientAs) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    client = client_as("facilitator")
    assert client.get(url("contributor_invite", meeting)).status_code == 302
    response = client.post(
        url("contributor_invite", meeting),
        {"name": "Léa", "kind": "other", "email": "lea@example.org"},
    )
    assert response.status_code == 302
    assert not Contributor.objects.exists()


def test_reinvite_sends_a_new_link(
    draft_meeting: Meeting,
    guest: Contributor,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old_hash = guest.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("facilitator").post(
            url("contributor_reinvite", draft_meeting, contributor=guest.pk)
        )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.token_hash != old_hash
    assert len(mail.outbox) == 1


def test_withdraw_an_invitation(
    draft_meeting: Meeting, guest: Contributor, client_as: ClientAs
) -> None:
    response = client_as("facilitator").post(
        url("contributor_withdraw", draft_meeting, contributor=guest.pk)
    )
    assert response.status_code == 302
    assert not Contributor.objects.exists()


def test_withdraw_refused_once_held(
    draft_meeting: Meeting, guest: Contributor, client_as: ClientAs
) -> None:
    Meeting.objects.filter(pk=draft_meeting.pk).update(state=MeetingState.HELD)
    for name in WITH_CONTRIBUTOR:
        response = client_as("facilitator").post(url(name, draft_meeting, contributor=guest.pk))
        assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.email


def test_manage_list_shows_every_state(
    cast: Cast, meeting: Meeting, draft_meeting: Meeting, client_as: ClientAs
) -> None:
    page = client_as("facilitator").get(url("meeting_manage_list", meeting)).content.decode()
    assert f'data-meeting="{meeting.pk}"' in page
    assert f'data-meeting="{draft_meeting.pk}"' in page
