"""The evening's states and transitions, in one place."""

from __future__ import annotations

import pytest

from tierslien.gatherings.evenings.lifecycle import (
    TRANSITIONS,
    ForbiddenTransition,
    can_transition,
    transition,
)
from tierslien.gatherings.models import Evening, EveningState

pytestmark = pytest.mark.django_db


def test_every_state_is_described() -> None:
    assert set(TRANSITIONS) == set(EveningState.values)


def test_any_evening_can_be_purged_and_a_purged_one_stays_purged() -> None:
    for state in EveningState.values:
        assert can_transition(state, EveningState.PURGED) == (state != EveningState.PURGED)
    assert TRANSITIONS[EveningState.PURGED] == frozenset()


def test_forbidden_transition_changes_nothing(evening: Evening) -> None:
    with pytest.raises(ForbiddenTransition):
        transition(evening, EveningState.HELD)
    evening.refresh_from_db()
    assert evening.state == EveningState.OPEN
