"""Contributors: the invitation email, the secret link, accepting, editing, declining."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, make_user
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.core import contributors
from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.meetings.seats.notifications import topic
from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting, MeetingState
from tierslien.lib.ical import unfold
from tierslien.outbox.models import Message
from tierslien.territories.models import Facilitator

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
ROLES = ["anonymous", "outsider", "participant", "facilitator", "other_facilitator", "admin"]


def invite_and_read_link(
    meeting: Meeting, capture: Any, email: str = "lea@asso.example"
) -> tuple[Contributor, str]:
    """Invite someone and return them with the token of the link in their email."""
    with capture(execute=True):
        contributor = contributors.invite_contributor(
            meeting, name="Léa Martin", organisation="Eau Vive", kind="association", email=email
        )
    return contributor, token_from(mail.outbox[-1].body)


def token_from(body: str) -> str:
    match = re.search(r"/contribute/([A-Za-z0-9_-]+)/", body)
    assert match is not None, body
    return match.group(1)


def page_url(meeting: Meeting, token: str, slug: str | None = None) -> str:
    return reverse("meeting_contribute", args=[slug or meeting.territory.slug, token])


ACCEPT = {
    "answer": "accept",
    "title": "Ce que disent les nappes",
    "summary": "Vingt ans de mesures.",
    "format": "table",
}


# --- Services ------------------------------------------------------------------------------


def test_the_invitation_email_has_the_link_and_a_calendar(
    draft_meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    contributor, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert message.to == ["lea@asso.example"]
    assert contributor.token_hash == hash_token(token)
    assert token not in contributor.token_hash
    assert message.body.count(token) == 2  # French and English parts
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"meeting-{draft_meeting.pk}.ics", "text/calendar")
    lines = unfold(content)
    assert f"SUMMARY:{draft_meeting.theme}" in lines


def test_nothing_is_sent_when_the_transaction_fails(draft_meeting: Meeting) -> None:
    contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    assert not mail.outbox  # sent on commit only


def test_same_address_twice_is_refused(draft_meeting: Meeting) -> None:
    contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    with pytest.raises(contributors.AlreadyInvited):
        contributors.invite_contributor(draft_meeting, name="B", email="A@Example.org ")
    assert Contributor.objects.count() == 1


@pytest.mark.parametrize("state", [MeetingState.HELD, MeetingState.ARCHIVED])
def test_no_invitation_after_the_day(draft_meeting: Meeting, state: str) -> None:
    guest = contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    Meeting.objects.filter(pk=draft_meeting.pk).update(state=state)
    draft_meeting.refresh_from_db()
    with pytest.raises(contributors.InvitationClosed):
        contributors.invite_contributor(draft_meeting, name="B", email="b@example.org")
    for action in (contributors.reinvite_contributor, contributors.withdraw_contributor):
        with pytest.raises(contributors.InvitationClosed):
            action(guest)
    with pytest.raises(contributors.InvitationClosed):
        contributors.accept(guest, title="t", summary="s", format="talk")
    with pytest.raises(contributors.InvitationClosed):
        contributors.decline(guest)
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.INVITED


def test_reinvite_makes_the_old_link_useless_and_invites_again_who_declined(
    draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    guest, old = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    contributors.decline(guest)
    with django_capture_on_commit_callbacks(execute=True):
        contributors.reinvite_contributor(guest)
    new = token_from(mail.outbox[-1].body)
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.INVITED and guest.responded_at is None
    client = client_as("anonymous")
    assert client.get(page_url(draft_meeting, old)).status_code == 404
    assert client.get(page_url(draft_meeting, new)).status_code == 200


def test_a_declined_contributor_cannot_accept_without_a_new_link(draft_meeting: Meeting) -> None:
    guest = contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    contributors.decline(guest)
    with pytest.raises(contributors.InvitationClosed):
        contributors.accept(guest, title="t", summary="s", format="talk")


def test_withdraw_deletes_the_contributor(draft_meeting: Meeting) -> None:
    guest = contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    contributors.withdraw_contributor(guest)
    assert not Contributor.objects.exists()


# --- The invitation page (no account) -------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_anyone_with_the_link_sees_the_invitation(
    draft_meeting: Meeting,
    client_as: ClientAs,
    role: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _guest, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    response = client_as(role).get(page_url(draft_meeting, token))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert 'name="answer"' in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_token_is_404(draft_meeting: Meeting, client_as: ClientAs, role: str) -> None:
    contributors.invite_contributor(draft_meeting, name="A", email="a@example.org")
    client = client_as(role)
    assert client.get(page_url(draft_meeting, "nope")).status_code == 404
    assert client.post(page_url(draft_meeting, "nope"), ACCEPT).status_code == 404
    assert Contributor.objects.get().status == ContributorStatus.INVITED


def test_the_link_under_another_territory_is_404(
    cast: Cast, draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    _guest, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    client = client_as("anonymous")
    other = page_url(draft_meeting, token, slug=cast.other_territory.slug)
    assert client.get(other).status_code == 404
    assert client.post(other, ACCEPT).status_code == 404
    assert client.get(page_url(draft_meeting, token, slug="nowhere")).status_code == 404
    assert Contributor.objects.get().status == ContributorStatus.INVITED


def test_the_page_refuses_other_methods(
    draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    _guest, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    assert client_as("anonymous").put(page_url(draft_meeting, token)).status_code == 405


def test_accept_then_edit_then_decline(
    meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    guest, token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)
    client = client_as("anonymous")
    target = page_url(meeting, token)
    response = client.post(target, ACCEPT)
    assert response.status_code == 302 and response.url == target
    guest.refresh_from_db()
    assert (guest.status, guest.title, guest.format) == ("accepted", ACCEPT["title"], "table")
    accepted_at = guest.responded_at
    assert accepted_at is not None
    page = client.get(target).content.decode()
    assert "data-accepted" in page and ACCEPT["title"] in page
    client.post(target, ACCEPT | {"title": "Nouveau titre", "format": "talk"})
    guest.refresh_from_db()
    assert (guest.title, guest.format, guest.responded_at) == ("Nouveau titre", "talk", accepted_at)
    client.post(target, {"answer": "decline"})
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.DECLINED
    page = client.get(target).content.decode()
    assert "data-declined" in page and 'name="answer"' not in page
    client.post(target, ACCEPT)  # no form any more: nothing changes
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.DECLINED


def test_accepting_needs_title_summary_and_format(
    draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    guest, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    response = client_as("anonymous").post(page_url(draft_meeting, token), {"answer": "accept"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "summary", "format"}
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.INVITED and guest.title == ""


def test_declining_needs_nothing_else(
    draft_meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    guest, token = invite_and_read_link(draft_meeting, django_capture_on_commit_callbacks)
    client_as("anonymous").post(page_url(draft_meeting, token), {"answer": "decline"})
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.DECLINED


def test_after_the_day_the_page_is_read_only(
    meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    guest, token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    client = client_as("anonymous")
    page = client.get(page_url(meeting, token)).content.decode()
    assert "data-closed" in page and 'name="answer"' not in page
    client.post(page_url(meeting, token), ACCEPT)
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.INVITED


def test_archived_meeting_link_is_404(
    meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    _guest, token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.ARCHIVED)
    assert client_as("anonymous").get(page_url(meeting, token)).status_code == 404


def test_the_meeting_closing_while_answering_is_a_clear_message(
    meeting: Meeting,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guest, token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)

    def closed(*args: Any, **kwargs: Any) -> None:
        raise contributors.AnswersClosed

    monkeypatch.setattr(contributors, "accept", closed)
    response = client_as("anonymous").post(page_url(meeting, token), ACCEPT, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    guest.refresh_from_db()
    assert guest.status == ContributorStatus.INVITED


def _answers_told(meeting: Meeting) -> list[Any]:
    return [m for m in mail.outbox if "Léa Martin" in m.subject]


def test_facilitators_are_told_when_a_contributor_answers(
    cast: Cast, meeting: Meeting, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    second = make_user("gael@example.org", "Gaël", language="en")
    User.objects.filter(pk=cast.facilitator.pk).update(language="fr")
    Facilitator.objects.create(territory=cast.territory, user=second)
    guest, token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)
    client = client_as("anonymous")
    target = page_url(meeting, token)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, ACCEPT)
    told = _answers_told(meeting)
    # Each facilitator of the territory (not another territory's), in their own language.
    assert sorted(m.to[0] for m in told) == sorted([cast.facilitator.email, second.email])
    by_address = {m.to[0]: m for m in told}
    english = by_address[second.email]
    assert english.subject == f"Léa Martin accepted: {meeting.theme}"
    assert "Léa Martin (Eau Vive) accepted your invitation" in english.body
    assert ACCEPT["title"] in english.body
    manage = reverse("meeting_manage", args=[meeting.territory.slug, meeting.pk])
    assert manage in english.body
    french = by_address[cast.facilitator.email]
    expected = (
        "Léa Martin a accepté" if cast.facilitator.language == "fr" else "Léa Martin accepted"
    )
    assert french.subject.startswith(expected)
    assert Message.objects.filter(topic=topic(meeting.pk), recipient=second.email).count() == 1
    # Editing the contribution is not an answer: nobody is told again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, ACCEPT | {"title": "Nouveau titre"})
    assert len(_answers_told(meeting)) == 2
    # Declining (can no longer come) is told, once.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, {"answer": "decline"})
        contributors.decline(guest)
    declined = [
        m for m in _answers_told(meeting) if "declined" in m.subject or "décliné" in m.subject
    ]
    assert len(declined) == 2
    assert "Léa Martin declined" in {m.to[0]: m for m in declined}[second.email].subject


def test_an_answer_that_fails_tells_nobody(
    meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    guest, _token = invite_and_read_link(meeting, django_capture_on_commit_callbacks)
    contributors.decline(guest)
    before = Message.objects.count()
    with pytest.raises(contributors.InvitationClosed):
        contributors.accept(guest, title="T", summary="S", format="table")
    assert Message.objects.count() == before
