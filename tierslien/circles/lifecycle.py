"""A season's states and the only moves allowed between them, checked here alone."""

from __future__ import annotations

from typing import Final

from tierslien.circles.models import SeasonState
from tierslien.lib.states import ForbiddenTransition, StateMachine

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


# After publication the circles exist for their members: a seat given back or offered to
# someone waiting (late registration, left unplaced) is possible until the season closes.
PLACEABLE: Final = frozenset({S.PUBLISHED, S.RUNNING})


MACHINE: Final = StateMachine("season", TRANSITIONS)
can_transition = MACHINE.can_transition
transition = MACHINE.transition

__all__ = ["MACHINE", "TRANSITIONS", "ForbiddenTransition", "can_transition", "transition"]
