"""One helper for lifecycles: a table of the moves allowed between states, checked here.

Each lifecycle module (a season's, an evening's, a meeting's) declares its table as a
`StateMachine` and exposes `transition` and `can_transition` from it; nothing else
writes a `state` field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, TypeVar

from django.utils.translation import gettext_lazy as _

from tierslien.lib.refusals import Refused


class Stateful(Protocol):
    state: Any

    def save(self, *, update_fields: Iterable[str]) -> None: ...


S = TypeVar("S", bound=Stateful)


class ForbiddenTransition(Refused):
    """An object was asked to move to a state it cannot reach from its current one."""

    message = _("This is not possible in its current state: nothing was changed.")

    def __init__(self, noun: str, current: str, target: str) -> None:
        self.noun = noun
        self.current = current
        self.target = target
        super().__init__()

    def __str__(self) -> str:
        return f"a {self.noun} cannot go from {self.current!r} to {self.target!r}"


class StateMachine:
    """The allowed moves of one kind of object (`noun` names it in errors and logs)."""

    def __init__(self, noun: str, transitions: Mapping[str, Iterable[str]]) -> None:
        self.noun: Final = noun
        self.transitions: Final[dict[str, frozenset[str]]] = {
            str(state): frozenset(str(target) for target in targets)
            for state, targets in transitions.items()
        }
        unknown = set().union(*self.transitions.values()) - set(self.transitions)
        if unknown:
            raise ValueError(f"{noun}: moves to undeclared states {sorted(unknown)}")

    def can_transition(self, current: str, target: str) -> bool:
        return str(target) in self.transitions.get(str(current), frozenset())

    def check(self, current: str, target: str) -> None:
        """Raise `ForbiddenTransition` unless `current` → `target` is allowed."""
        if not self.can_transition(current, target):
            raise ForbiddenTransition(self.noun, current, target)

    def transition(self, obj: S, to: str, *, also: tuple[str, ...] = ()) -> S:
        """Move `obj` to state `to` and save the state, `updated_at` and the fields `also`
        (call inside the action's transaction, on a row read with a lock)."""
        self.check(obj.state, to)
        obj.state = to
        obj.save(update_fields=["state", "updated_at", *also])
        return obj
