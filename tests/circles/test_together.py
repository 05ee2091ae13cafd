"""Why together: each member is told what their circle brings together, in counts a member
could check by meeting the others, never an answer, never anything sensitive."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast
from tests.circles.conftest import Proposed
from tierslien.accounts.models import User
from tierslien.circles.actions import invitations, publish
from tierslien.circles.models import Circle, Membership, Season, SeasonState
from tierslien.circles.together import together
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Sector

pytestmark = pytest.mark.django_db


def _published(proposed: Proposed, capture: Any) -> Season:
    with capture(execute=True):
        publish.publish_season(proposed.season)
    mail.outbox.clear()
    proposed.season.refresh_from_db()
    return proposed.season


def _members(circle: Circle) -> list[Any]:
    User.objects.filter(circle_memberships__circle=circle).update(language="en")
    return [m.user for m in Membership.objects.filter(circle=circle).select_related("user")]


def _set(user: Any, key: str, value: object) -> None:
    portrait = Portrait.objects.get(user=user)
    criterion = Criterion.objects.get(territory=portrait.territory, key=key)
    Answer.objects.update_or_create(
        portrait=portrait, criterion=criterion, defaults={"value": value}
    )


def test_counts_the_different_answers_of_the_members(proposed: Proposed) -> None:
    # The crowd: occupations 1..6 and six different age brackets, one sector.
    first = _members(proposed.first)[0]
    told = together(proposed.first, first.pk)
    assert (told.members, told.others) == (6, 5)
    with translation.override("en"):
        counts = {str(v.label): v.answers for v in told.varieties}
    assert counts["Occupation"] == 6
    assert counts["Age bracket"] >= 2
    assert told.sectors == 1 and told.other_sector == 0
    assert told.new_to_you == 5


def test_a_question_answered_alike_by_everyone_is_not_told(proposed: Proposed) -> None:
    """One answer among all would tell the reader everybody's answer: their own."""
    members = _members(proposed.first)
    for user in members:
        _set(user, "occupation", "3")
    told = together(proposed.first, members[0].pk)
    with translation.override("en"):
        assert "Occupation" not in {str(v.label) for v in told.varieties}


def test_other_sectors_are_counted_from_the_readers_point_of_view(
    cast: Cast, proposed: Proposed
) -> None:
    members = _members(proposed.first)
    elsewhere = Sector.objects.create(
        territory=cast.territory, name="Elsewhere", latitude=48.0, longitude=2.0
    )
    Portrait.objects.filter(user__in=members[:2]).update(sector=elsewhere)
    assert together(proposed.first, members[0].pk).other_sector == 4
    assert together(proposed.first, members[2].pk).other_sector == 2
    assert together(proposed.first, members[0].pk).sectors == 2
    Portrait.objects.filter(user=members[3]).update(sector=None)
    assert together(proposed.first, members[3].pk).other_sector is None


def test_people_met_in_an_earlier_season_are_not_new(
    cast: Cast, proposed: Proposed, make_season: Any
) -> None:
    members = _members(proposed.first)
    old = make_season(name="Last year", state=SeasonState.CLOSED)
    circle = Circle.objects.create(season=old, venue=cast.venue, number=1, diversity=1.0)
    for user in members[:3]:
        Membership.objects.create(circle=circle, user=user)
    assert together(proposed.first, members[0].pk).new_to_you == 3
    assert together(proposed.first, members[4].pk).new_to_you == 5


def test_sensitive_answers_change_nothing_a_member_reads(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    """Neither the page nor the email depends on a sensitive answer, nor on one to a
    question that was ever sensitive."""
    _published(proposed, django_capture_on_commit_callbacks)
    members = _members(proposed.first)
    reader = members[0]
    Criterion.objects.filter(territory=proposed.season.territory, key="education").update(
        ever_sensitive=True
    )
    client = Client()
    client.force_login(reader)
    target = reverse("circle_invitation", args=[proposed.season.territory.slug, proposed.first.pk])
    seat = Membership.objects.select_related("user", "circle__season__territory").get(user=reader)

    def seen() -> tuple[bytes, str]:
        page = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", client.get(target).content)
        return page, invitations.render_invitation(seat).body

    for k, user in enumerate(members):
        _set(user, "engagement", ["distant", "curious", "involved", "activist"][k % 4])
        _set(user, "education", ["cap", "bac", "bac3"][k % 3])
    before = seen()
    assert b"data-together" in before[0] and "Why you are together" in before[1]
    for user in members:
        _set(user, "engagement", "curious")
        _set(user, "education", "bac")
    Criterion.objects.filter(key="engagement").update(enabled=True)
    assert seen() == before


def test_the_invitation_email_tells_why_together_with_a_link_to_the_mixing(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    user = _members(proposed.first)[0]
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_season(proposed.season)
    body = next(m for m in mail.outbox if m.to == [user.email]).body
    assert "Your circle brings together 6 people." in body
    assert "Occupation: 6 different answers among you." in body
    assert "Others you have never been in a circle with: 5 out of 5." in body
    assert reverse("how_it_works") in body
    assert "&#x27;" not in body and "&quot;" not in body
