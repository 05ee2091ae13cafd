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

from tierslien.gatherings.models import Meeting, MeetingState

M = MeetingState

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    M.DRAFT: frozenset({M.OPEN, M.ARCHIVED}),
    M.OPEN: frozenset({M.DRAFT, M.ALLOCATED, M.ARCHIVED}),
    M.ALLOCATED: frozenset({M.HELD, M.ARCHIVED}),
    M.HELD: frozenset({M.ARCHIVED}),
    M.ARCHIVED: frozenset(),
}


class ForbiddenTransition(Exception):
    """A meeting was asked to move to a state it cannot reach from its current one."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(f"a meeting cannot go from {current!r} to {target!r}")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(meeting: Meeting, to: str, *, also: tuple[str, ...] = ()) -> Meeting:
    """Move `meeting` to `to` and save the state (plus fields `also`), inside the action's
    transaction."""
    if not can_transition(meeting.state, to):
        raise ForbiddenTransition(meeting.state, to)
    meeting.state = to
    meeting.save(update_fields=["state", "updated_at", *also])
    return meeting
