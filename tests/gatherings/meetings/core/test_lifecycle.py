"""A themed meeting's states: only the moves of `lifecycle.TRANSITIONS` happen."""

from __future__ import annotations

import pytest

from tierslien.gatherings.meetings.core.lifecycle import (
    TRANSITIONS,
    ForbiddenTransition,
    can_transition,
    transition,
)
from tierslien.gatherings.models import Meeting, MeetingState

pytestmark = pytest.mark.django_db

M = MeetingState
ALLOWED = {
    (M.DRAFT, M.OPEN),
    (M.DRAFT, M.ARCHIVED),
    (M.OPEN, M.DRAFT),
    (M.OPEN, M.ALLOCATED),
    (M.OPEN, M.ARCHIVED),
    (M.ALLOCATED, M.HELD),
    (M.ALLOCATED, M.ARCHIVED),
    (M.HELD, M.ARCHIVED),
}


def test_every_state_has_its_moves() -> None:
    assert set(TRANSITIONS) == set(M.values)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert not TRANSITIONS[M.ARCHIVED]


@pytest.mark.parametrize("current", M.values)
@pytest.mark.parametrize("target", M.values)
def test_transition_saves_allowed_moves_only(meeting: Meeting, current: str, target: str) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(state=current)
    meeting.refresh_from_db()
    if (current, target) in ALLOWED:
        assert can_transition(current, target)
        transition(meeting, target)
        meeting.refresh_from_db()
        assert meeting.state == target
    else:
        assert not can_transition(current, target)
        with pytest.raises(ForbiddenTransition) as raised:
            transition(meeting, target)
        assert (raised.value.current, raised.value.target) == (current, target)
        meeting.refresh_from_db()
        assert meeting.state == current


def test_unknown_state_cannot_move() -> None:
    assert not can_transition("nowhere", M.OPEN)
