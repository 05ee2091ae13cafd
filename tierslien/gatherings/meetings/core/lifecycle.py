"""A themed meeting's states and the only moves allowed between them, checked here alone.

draft (being prepared; contributors may be invited) -> open (public; applications
accepted) -> allocated (seats given: by the lottery when applications exceed seats,
else to every applicant; the waitlist promotes on cancellations) -> held (the day
is over) -> archived (applications, table plan and contributors' addresses erased;
the meeting, its contributors' public names and head counts remain).
A draft can be archived (abandoned); an open meeting can go back to draft.
"""

from __future__ import annotations

from typing import Final

from tierslien.gatherings.models import MeetingState
from tierslien.lib.states import ForbiddenTransition, StateMachine

M = MeetingState

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    M.DRAFT: frozenset({M.OPEN, M.ARCHIVED}),
    M.OPEN: frozenset({M.DRAFT, M.ALLOCATED, M.ARCHIVED}),
    M.ALLOCATED: frozenset({M.HELD, M.ARCHIVED}),
    M.HELD: frozenset({M.ARCHIVED}),
    M.ARCHIVED: frozenset(),
}


MACHINE: Final = StateMachine("meeting", TRANSITIONS)
can_transition = MACHINE.can_transition
transition = MACHINE.transition

__all__ = ["MACHINE", "TRANSITIONS", "ForbiddenTransition", "can_transition", "transition"]
