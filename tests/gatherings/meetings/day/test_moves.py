"""A facilitator moves one person by hand: the rules in words, soft ones waived, hard ones
refused, the move saved only into the plan it was checked against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast
from tests.gatherings.meetings.conftest import Applicants
from tests.gatherings.meetings.day.test_services import day_meeting, plan_of
from tests.ritual import ClientAs
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.day import pages, services
from tierslien.gatherings.models import Application, Meeting, TableSeat
from tierslien.gatherings.tables.moves import check_move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(cast: Cast) -> Iterator[None]:
    """The sentences below are checked in English (the facilitator reads English)."""
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _short_plan(settings: object) -> None:
    settings.MEETING_PLAN_SECONDS = 0.3  # type: ignore[attr-defined]
    settings.MEETING_NAMES_HOURS_BEFORE = 24 * 30  # type: ignore[attr-defined]


@pytest.fixture
def planned(cast: Cast, applicants: Applicants) -> Meeting:
    # 9 citizens at 3 tables of 3, over 2 rotations: no revisit, no repeat.
    meeting = day_meeting(cast, applicants, citizens=9, contributors=3, rotations=2)
    services.compose_table_plan(meeting, fresh=True)
    return meeting


def _move_url(meeting: Meeting, number: int = 2) -> str:
    return reverse("meeting_day_move", args=[meeting.territory.slug, meeting.pk, number])


def _soft_move(meeting: Meeting) -> tuple[int, int, int]:
    """(citizen, target table, how many rules it breaks) of a move in rotation 2 that
    breaks soft rules only."""
    plan = plan_of(meeting)
    for person in sorted(plan[1]):
        for target in (1, 2, 3):
            findings = check_move(plan, person, 2, target, 3)
            if findings and not any(f.hard for f in findings):
                return person, target, len(findings)
    raise AssertionError("no soft-only move in this plan")


def test_a_full_table_is_refused_in_words_and_nothing_moves(planned: Meeting) -> None:
    plan = plan_of(planned)
    person, table = next(iter(sorted(plan[1].items())))
    target = 1 if table != 1 else 2
    before = list(TableSeat.objects.filter(meeting=planned).values_list("pk", "table"))
    with pytest.raises(services.MoveRefused) as refused:
        services.move_citizen(
            planned, person, 2, target, digest=pages.current_digest(planned), accept_soft=True
        )
    assert "more than its 3 seats" in refused.value.sentence()
    assert list(TableSeat.objects.filter(meeting=planned).values_list("pk", "table")) == before


def test_soft_rules_need_a_confirmation_then_the_move_is_saved(
    cast: Cast, applicants: Applicants
) -> None:
    # 8 citizens at 3 tables (3, 3, 2): a move to the table of 2 fits.
    meeting = day_meeting(cast, applicants, citizens=8, contributors=3, rotations=2)
    services.compose_table_plan(meeting, fresh=True)
    person, target, _count = _soft_move(meeting)
    digest = pages.current_digest(meeting)
    with pytest.raises(services.SoftRulesNotAccepted):
        services.move_citizen(meeting, person, 2, target, digest=digest)
    findings = services.move_citizen(meeting, person, 2, target, digest=digest, accept_soft=True)
    assert findings and all(not f.hard for f in findings)
    assert plan_of(meeting)[1][person] == target
    # The same move again, from the old fingerprint: the plan changed meanwhile.
    with pytest.raises(services.PlanChangedMeanwhile):
        services.move_citizen(meeting, person, 2, 1, digest=digest, accept_soft=True)


def test_the_page_tells_the_rules_in_names_and_moves_on_confirmation(
    cast: Cast, applicants: Applicants, client_as: ClientAs
) -> None:
    meeting = day_meeting(cast, applicants, citizens=8, contributors=3, rotations=2)
    services.compose_table_plan(meeting, fresh=True)
    person, target, count = _soft_move(meeting)
    name = Application.objects.get(pk=person).user.display_name
    client = client_as("facilitator")
    page = client.get(_move_url(meeting))
    assert page.status_code == 200 and name in page.content.decode()
    data = {"person": f"a{person}", "table": target, "plan": pages.current_digest(meeting)}
    checked = client.post(_move_url(meeting), data)
    text = checked.content.decode()
    assert checked.status_code == 200
    assert 'data-move-rules="soft"' in text and text.count("data-rule") == count
    assert name in text and 'data-action="move-anyway"' in text
    assert plan_of(meeting)[1][person] != target  # nothing moved yet
    moved = client.post(_move_url(meeting), data | {"confirm": "on"})
    assert moved.status_code == 302
    assert plan_of(meeting)[1][person] == target
    # The confirmation posted again carries the old fingerprint: refused, nothing moves.
    again = client.post(_move_url(meeting), data | {"confirm": "on", "table": 1}, follow=True)
    assert "The table plan changed while you were choosing" in again.content.decode()
    assert plan_of(meeting)[1][person] == target


def test_a_contributor_stays_at_their_own_table(planned: Meeting, client_as: ClientAs) -> None:
    host = TableSeat.objects.filter(meeting=planned, rotation=2, table=1).exclude(contributor=None)[
        0
    ]
    data = {"person": f"c{host.contributor_id}", "table": 2, "plan": pages.current_digest(planned)}
    page = client_as("facilitator").post(_move_url(planned), data)
    text = page.content.decode()
    assert page.status_code == 200 and 'data-move-rules="hard"' in text
    assert "a contributor stays at their own table" in text
    assert 'data-action="move-anyway"' not in text


def test_a_rotation_outside_the_meeting_is_not_found(planned: Meeting, client_as: ClientAs) -> None:
    assert client_as("facilitator").get(_move_url(planned, 3)).status_code == 404
