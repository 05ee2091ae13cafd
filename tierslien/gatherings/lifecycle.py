"""An evening's states and the only moves allowed between them, checked here alone.

open (created) -> checking-in (first person at the door) -> composed (tables of
every round exist; late arrivals still check in and are placed) -> held (the
evening is over: invitations may be sent) -> purged (30 days after, everything
but the date, venue and head count is gone). Any evening can be purged.
"""

from __future__ import annotations

from typing import Final

from tierslien.gatherings.models import Evening, EveningState

E = EveningState

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    E.OPEN: frozenset({E.CHECKING_IN, E.PURGED}),
    E.CHECKING_IN: frozenset({E.COMPOSED, E.PURGED}),
    E.COMPOSED: frozenset({E.HELD, E.PURGED}),
    E.HELD: frozenset({E.PURGED}),
    E.PURGED: frozenset(),
}


class ForbiddenTransition(Exception):
    """An evening was asked to move to a state it cannot reach from its current one."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(f"an evening cannot go from {current!r} to {target!r}")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(evening: Evening, to: str, *, also: tuple[str, ...] = ()) -> Evening:
    """Move `evening` to `to` and save the state (plus fields `also`), inside the action's
    transaction."""
    if not can_transition(evening.state, to):
        raise ForbiddenTransition(evening.state, to)
    evening.state = to
    evening.save(update_fields=["state", "updated_at", *also])
    return evening
