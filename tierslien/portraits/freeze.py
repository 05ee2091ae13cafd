"""When a territory's questionnaire may not change.

From the start of a composition until its circles are published (or the season
goes back to registration), the criteria, their weights and flags stay as the
composition saw them: the proposal's figures are recomputed at every change under
review, and weights edited then would let a facilitator weigh one question alone
and read the result. The circles app knows when that is; this app knows no app
above it, so the circles app registers its check here (`CirclesConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[int], bool]  # territory id -> the questionnaire is in use

_checks: list[Check] = []


def register(check: Check) -> None:
    """Add a reason for the questionnaire to be frozen (idempotent)."""
    if check not in _checks:
        _checks.append(check)


def is_frozen(territory_id: int) -> bool:
    return any(check(territory_id) for check in _checks)
