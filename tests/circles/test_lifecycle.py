"""Every allowed move of a season, and every forbidden one."""

from __future__ import annotations

import itertools

import pytest

from tierslien.circles.lifecycle import TRANSITIONS, ForbiddenTransition, transition
from tierslien.circles.models import Season, SeasonState

pytestmark = pytest.mark.django_db

STATES = list(SeasonState.values)
ALLOWED = [
    ("open", "composing"),
    ("composing", "proposed"),
    ("composing", "open"),
    ("proposed", "published"),
    ("proposed", "open"),
    ("proposed", "composing"),
    ("published", "running"),
    ("running", "closed"),
    ("closed", "purged"),
]
FORBIDDEN = [pair for pair in itertools.product(STATES, STATES) if pair not in ALLOWED]


def test_the_table_lists_every_state_and_only_the_allowed_moves() -> None:
    assert set(TRANSITIONS) == set(STATES)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == set(ALLOWED)


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_move_is_saved(season: Season, current: str, target: str) -> None:
    Season.objects.filter(pk=season.pk).update(state=current)
    season.refresh_from_db()
    transition(season, target)
    season.refresh_from_db()
    assert season.state == target


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_move_raises_and_changes_nothing(
    season: Season, current: str, target: str
) -> None:
    Season.objects.filter(pk=season.pk).update(state=current)
    season.refresh_from_db()
    with pytest.raises(ForbiddenTransition, match=f"from '{current}' to '{target}'"):
        transition(season, target)
    season.refresh_from_db()
    assert season.state == current
