"""The plan type, the engine's retry loop, computing again when another plan was saved.

No Django here: the apps read and write seats; this package only computes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from typing import Final, Literal

type Plan[P: Hashable] = list[dict[P, int]]  # per round: person -> table number (from 1)
type Pair[P: Hashable] = frozenset[P]  # two people

ENGINE_TRIES: Final = 3  # the first search, then twice with twice the time each
PLAN_TRIES: Final = 5  # computing a plan again because another one was saved meanwhile


def best_of_tries[T](
    compute: Callable[[float, int], T],
    score: Callable[[T], tuple[int, ...]],
    *,
    seconds: float,
    seed: int,
    retry: bool,
) -> T:
    """The engine's plan, `compute(time_limit, seed)`, tried again when it is not good enough.

    The engine is anytime: when its plan still has faults (the first figure of `score`,
    e.g. repeated encounters) although a plan without any may exist (`retry`), it tries
    again with twice the time, twice at most, e.g. the first search of a process spends
    its time compiling. The plan with the lowest `score` is kept.
    """
    best: tuple[tuple[int, ...], T] | None = None
    for attempt in range(ENGINE_TRIES if retry else 1):
        plan = compute(seconds * 2**attempt, seed + attempt)
        found = score(plan)
        if best is None or found < best[0]:
            best = (found, plan)
        if found[0] == 0:
            break
    assert best is not None
    return best[1]


class PlanChanged(Exception):
    """Another plan was saved after this one's seats were read: compute it again."""


def until_saved[T](compose_once: Callable[[bool], T], *, tries: int = PLAN_TRIES) -> T:
    """Run `compose_once(check)` until it does not raise `PlanChanged`.

    A plan computed from seats that another click replaced meanwhile (two facilitators,
    two tabs) is computed again from the saved plan instead of overwriting it; the last
    try does not check (`check=False`), so this ends.
    """
    for attempt in range(tries):
        try:
            return compose_once(attempt < tries - 1)
        except PlanChanged:
            continue
    raise AssertionError("unreachable: the last try does not check")


def round_ends_at(now: datetime.datetime, minutes: int) -> datetime.datetime:
    """When a round's timer started `now` rings (to the second: pages write it as an HTML
    date, which takes at most milliseconds)."""
    return (now + datetime.timedelta(minutes=minutes)).replace(microsecond=0)


type TimerState = Literal["running", "over"] | None


def timer_state(
    current: bool, ends_at: datetime.datetime | None, now: datetime.datetime
) -> TimerState:
    """The timer of a round as its page shows it: "running" (no start button: it started),
    "over" (it rang: it may start again), None (not started for this round)."""
    if not current or ends_at is None:
        return None
    return "running" if now < ends_at else "over"
