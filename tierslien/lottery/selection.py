"""The lottery's one entry point: `select(problem, rng=...)` -> the maximin lottery and a panel.

from tierslien.lottery import LotteryProblem, select, rng_for_seed
result = select(problem, rng=rng_for_seed(published_seed))
result.panel.ids, result.lottery.probabilities["a17"], result.lottery.min_probability
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tierslien.lottery.maximin import Lottery, MaximinParams, Progress, find_lottery
from tierslien.lottery.model import LotteryProblem, Panel


@dataclass(frozen=True)
class SelectParams:
    """Parameters of `select`."""

    maximin: MaximinParams = field(default_factory=MaximinParams)

    def __post_init__(self) -> None:
        if not isinstance(self.maximin, MaximinParams):
            raise TypeError("maximin must be a MaximinParams")


@dataclass(frozen=True)
class Selection:
    """The lottery (every applicant's probability) and the panel it drew."""

    lottery: Lottery
    panel: Panel


def rng_for_seed(seed: int) -> np.random.Generator:
    """The generator of a published seed: NumPy's PCG64 seeded through SeedSequence(seed)."""
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, not {seed}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))


def select(
    problem: LotteryProblem,
    *,
    rng: np.random.Generator,
    params: SelectParams | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Selection:
    """Compute the maximin lottery of `problem` and draw one panel from it with `rng`.

    Raises `InfeasibleQuotasError` (whose `report` names the quotas to relax and
    proposes the nearest feasible ones) when no panel meets the quotas.
    """
    params = params or SelectParams()
    lottery = find_lottery(problem, params=params.maximin, on_progress=on_progress)
    return Selection(lottery=lottery, panel=lottery.draw(rng))
