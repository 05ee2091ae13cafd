"""An evening's states and the only moves allowed between them, checked here alone.

open (created) -> checking-in (first person at the door) -> composed (tables of
every round exist; late arrivals still check in and are placed) -> held (the
evening is over: invitations may be sent) -> purged (30 days after, everything
but the date, venue and head count is gone). Any evening can be purged.
"""

from __future__ import annotations

from typing import Final

from tierslien.gatherings.models import EveningState
from tierslien.lib.states import ForbiddenTransition, StateMachine

E = EveningState

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    E.OPEN: frozenset({E.CHECKING_IN, E.PURGED}),
    E.CHECKING_IN: frozenset({E.COMPOSED, E.PURGED}),
    E.COMPOSED: frozenset({E.HELD, E.PURGED}),
    E.HELD: frozenset({E.PURGED}),
    E.PURGED: frozenset(),
}


MACHINE: Final = StateMachine("evening", TRANSITIONS)
can_transition = MACHINE.can_transition
transition = MACHINE.transition

__all__ = ["MACHINE", "TRANSITIONS", "ForbiddenTransition", "can_transition", "transition"]
