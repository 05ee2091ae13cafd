"""A season's states and the only moves allowed between them, checked here alone."""

from __future__ import annotations

from typing import Final

from tierslien.circles.models import Season, SeasonState

S = SeasonState

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.OPEN: frozenset({S.COMPOSING}),
    # Composition ends with a proposal, or back to open when it fails (a recomposition
    # that fails or is stopped goes back to its proposal).
    S.COMPOSING: frozenset({S.PROPOSED, S.OPEN}),
    # The facilitator publishes the proposal, sends it back to registration, or
    # recomposes the circles they did not lock.
    S.PROPOSED: frozenset({S.PUBLISHED, S.OPEN, S.COMPOSING}),
    # Circles start meeting (first session passed, or a facilitator's button), then close.
    S.PUBLISHED: frozenset({S.RUNNING}),
    S.RUNNING: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.PURGED}),
    S.PURGED: frozenset(),
}


# From composition to publication the territory's questionnaire is frozen (no criterion,
# weight or flag changes): what the proposal shows stays what the composition used.
QUESTIONNAIRE_FROZEN: Final = frozenset({S.COMPOSING, S.PROPOSED})


class ForbiddenTransition(Exception):
    """A season was asked to move to a state it cannot reach from its current one."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(f"a season cannot go from {current!r} to {target!r}")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(season: Season, to: str) -> Season:
    """Move `season` to state `to` and save that field (call inside the action's transaction)."""
    if not can_transition(season.state, to):
        raise ForbiddenTransition(season.state, to)
    season.state = to
    season.save(update_fields=["state", "updated_at"])
    return season
