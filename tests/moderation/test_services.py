"""Blocks keep people apart in every later composition; messages are found on the board."""

from __future__ import annotations

import pytest

from tests.cast import Cast, make_user
from tests.moderation.conftest import make_season
from tierslien.accounts.models import User
from tierslien.circles.engine import build_problem
from tierslien.circles.models import Circle, Registration
from tierslien.moderation import services
from tierslien.moderation.models import Block

pytestmark = pytest.mark.django_db


def test_a_block_by_either_person_makes_a_pair(cast: Cast, carla: User) -> None:
    services.block(cast.participant, cast.co_member)
    services.block(carla, cast.participant)
    ids = [cast.participant.pk, cast.co_member.pk, carla.pk]
    a, b, c = cast.participant.pk, cast.co_member.pk, carla.pk
    assert services.blocked_pairs(ids) == sorted([(min(a, b), max(a, b)), (min(a, c), max(a, c))])


def test_blocking_each_other_is_one_pair(cast: Cast) -> None:
    services.block(cast.participant, cast.co_member)
    services.block(cast.co_member, cast.participant)
    assert len(services.blocked_pairs([cast.participant.pk, cast.co_member.pk])) == 1


def test_only_pairs_among_the_people_given(cast: Cast, carla: User) -> None:
    services.block(cast.participant, carla)
    assert services.blocked_pairs([cast.participant.pk, cast.co_member.pk]) == []
    assert services.blocked_pairs([]) == []


def test_blocked_pairs_costs_one_query(
    cast: Cast, carla: User, django_assert_num_queries: object
) -> None:
    services.block(cast.participant, carla)
    with django_assert_num_queries(1):  # type: ignore[operator]
        services.blocked_pairs([cast.participant.pk, carla.pk, cast.co_member.pk])


def test_nobody_blocks_themselves(cast: Cast) -> None:
    with pytest.raises(ValueError):
        services.block(cast.participant, cast.participant)
    assert not Block.objects.exists()


def test_a_block_keeps_the_pair_apart_in_the_next_composition(cast: Cast) -> None:
    season = make_season(cast.territory, state="open", name="Next")
    people = [cast.participant, cast.co_member] + [
        make_user(f"p{k}@example.org", f"P{k}") for k in range(4)
    ]
    registrations = {
        user.pk: Registration.objects.create(
            season=season, user=user, availability=["tue-evening"], max_km=5
        )
        for user in people
    }
    services.block(cast.co_member, cast.participant)  # the other way round counts too
    apart = build_problem(season).problem.apart
    expected = tuple(
        sorted(
            (
                registrations[cast.participant.pk].person_id,
                registrations[cast.co_member.pk].person_id,
            ),
            key=lambda pid: int(pid[1:]),
        )
    )
    assert {tuple(sorted(pair)) for pair in apart} == {tuple(sorted(expected))}


def test_find_message_reads_the_circle_board(cast: Cast, circle: Circle) -> None:
    import datetime

    from tierslien.spaces.models import Message

    moment = datetime.datetime(2026, 10, 10, 12, 0, tzinfo=datetime.UTC)
    message = Message.objects.create(
        circle=circle, author=cast.co_member, text="Hello all", created_at=moment
    )
    found = services.find_message(circle, message.pk)
    assert found == services.ReportedMessage(author_id=cast.co_member.pk, text="Hello all")
    other = Circle.objects.create(season=circle.season, slot="tue-evening", number=2)
    assert services.find_message(other, message.pk) is None


def test_reporting_ones_own_message_names_nobody(cast: Cast, circle: Circle) -> None:
    own = services.ReportedMessage(author_id=cast.participant.pk, text="mine")
    report = services.report_message(cast.participant, circle, 7, own, reason="oops")
    assert report.reported is None
    assert report.message_text == "mine"


def test_reporting_a_real_message_through_the_page(
    cast: Cast, circle: Circle, client_as: object
) -> None:
    import datetime

    from django.urls import reverse

    from tierslien.moderation.models import Report
    from tierslien.spaces.models import Message

    moment = datetime.datetime(2026, 10, 10, 12, 0, tzinfo=datetime.UTC)
    message = Message.objects.create(
        circle=circle, author=cast.co_member, text="Nasty", created_at=moment
    )
    target = reverse("moderation_report_message", args=[circle.pk, message.pk])
    client = client_as("participant")  # type: ignore[operator]
    assert client.post(target, {"reason": "Insult"}).status_code == 302
    Message.objects.filter(pk=message.pk).update(text="Edited")
    report = Report.objects.get()
    assert (report.reported, report.message_text) == (cast.co_member, "Nasty")
