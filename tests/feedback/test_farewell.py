"""The end of a circle: each confirmed member is told once, on their own channel."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from tests.cast import Cast
from tests.moderation.conftest import LAST_END
from tierslien.accounts.models import ReachBy, User
from tierslien.circles.models import Circle, Membership, MembershipStatus
from tierslien.feedback.farewell import send_circle_farewells
from tierslien.feedback.models import Farewell
from tierslien.feedback.services import form_closes_at
from tierslien.outbox import sms
from tierslien.outbox.models import Channel, Message
from tierslien.privacy.retention import KEEP_CIRCLES_CONTENT

pytestmark = pytest.mark.django_db

AFTER = LAST_END + datetime.timedelta(minutes=30)


@pytest.fixture
def confirmed(circle: Circle) -> Circle:
    Membership.objects.filter(circle=circle).update(status=MembershipStatus.CONFIRMED)
    return circle


def test_nobody_is_told_before_the_last_session_ends(confirmed: Circle) -> None:
    assert send_circle_farewells(LAST_END - datetime.timedelta(minutes=1)) == 0
    assert not Message.objects.exists()


def test_each_confirmed_member_is_told_once_with_the_form_and_the_deletion_dates(
    confirmed: Circle, cast: Cast, carla: User
) -> None:
    Membership.objects.filter(circle=confirmed, user=carla).update(status=MembershipStatus.INVITED)
    assert send_circle_farewells(AFTER) == 1
    assert send_circle_farewells(AFTER + datetime.timedelta(hours=1)) == 0  # once
    messages = Message.objects.order_by("recipient")
    assert [m.recipient for m in messages] == ["alice@example.org", "bob@example.org"]
    body = messages[0].body
    assert "circle 1" in messages[0].subject.lower()
    deleted_on = LAST_END + KEEP_CIRCLES_CONTENT
    assert deleted_on.strftime("%-d") in body and "deleted" in body
    assert f"/feedback/circles/{confirmed.pk}/" in body
    assert Farewell.objects.get(circle=confirmed).sent_at == AFTER


def test_a_member_reached_by_text_gets_a_short_text_and_one_by_post_a_letter(
    confirmed: Circle, cast: Cast, carla: User
) -> None:
    User.objects.filter(pk=cast.participant.pk).update(
        reach_by=ReachBy.SMS, phone="+33612345670", language="fr"
    )
    User.objects.filter(pk=carla.pk).update(
        reach_by=ReachBy.POST, postal_address="3 rue des Lilas\n35000 Rennes"
    )
    send_circle_farewells(AFTER)
    text = Message.objects.get(channel=Channel.SMS)
    assert text.recipient == "+33612345670"
    assert "cercle 1" in text.body.lower()
    assert sms.segments(text.body) <= 2
    letter = Message.objects.get(channel=Channel.LETTER)
    assert "Rennes" in letter.recipient and letter.territory_id == confirmed.season.territory_id
    assert Message.objects.filter(channel=Channel.EMAIL).count() == 1


def test_a_circle_past_its_deletion_date_is_not_told(confirmed: Circle) -> None:
    assert send_circle_farewells(LAST_END + KEEP_CIRCLES_CONTENT) == 0


def test_a_circle_whose_feedback_form_has_closed_is_not_told(confirmed: Circle) -> None:
    assert send_circle_farewells(form_closes_at(confirmed.season)) == 0
    assert send_circle_farewells(form_closes_at(confirmed.season) - datetime.timedelta(1)) == 1


def test_the_periodic_command_tells_ended_circles(confirmed: Circle, time_machine) -> None:
    time_machine.move_to(AFTER, tick=False)
    call_command("send_circle_farewells", stdout=io.StringIO())
    assert Farewell.objects.filter(circle=confirmed).exists()
