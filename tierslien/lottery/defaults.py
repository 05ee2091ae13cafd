"""Default quotas: each category's share of the population, give or take a tolerance.

The facilitator starts from the territory's population of participants (or
census shares) and may then edit the bounds by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from tierslien.lottery.model import LotteryInputError, Pool, Quota, Quotas


def population_shares(
    pool: Pool, criteria: Iterable[str] | None = None
) -> dict[str, dict[str, float]]:
    """Share of each value of each criterion in a population (values sorted)."""
    shares: dict[str, dict[str, float]] = {}
    for criterion in criteria if criteria is not None else pool.criteria:
        if criterion not in pool.criteria:
            raise LotteryInputError(f"criterion {criterion!r} is not a column of the population")
        column = pool.column(criterion)
        shares[criterion] = {
            value: column.count(value) / len(column) for value in sorted(set(column))
        }
    return shares


def proportional_quotas(
    shares: Mapping[str, Mapping[str, float]], seats: int, *, tolerance: float = 0.05
) -> Quotas:
    """Quotas of floor(seats * (share - tolerance)) to ceil(seats * (share + tolerance)) seats.

    `tolerance` is in share points (0.05 = five percentage points either side),
    bounds are clipped to [0, seats]. With tolerance 0 the bounds are the floor
    and ceiling of the proportional number of seats.
    """
    if seats < 1:
        raise LotteryInputError(f"seats must be at least 1, not {seats}")
    if not 0 <= tolerance <= 1:
        raise LotteryInputError(f"tolerance must be between 0 and 1, not {tolerance}")
    rows: list[Quota] = []
    for criterion, by_value in shares.items():
        total = sum(by_value.values())
        if total <= 0 or any(s < 0 for s in by_value.values()):
            raise LotteryInputError(f"criterion {criterion!r}: shares must be non-negative")
        for value, share in by_value.items():
            ideal = seats * share / total
            low = max(0, math.floor(round(ideal - seats * tolerance, 9)))
            high = min(seats, math.ceil(round(ideal + seats * tolerance, 9)))
            rows.append(Quota(criterion, value, low, high))
    return Quotas(tuple(rows))
