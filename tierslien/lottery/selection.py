"""The lottery's one entry point: `select(problem, rng=...)` -> the lottery and a panel drawn.

The lottery is the maximin (default) or, with `SelectParams(objective="leximin")`, the
leximin (see `leximin.py`).

from tierslien.lottery import LotteryProblem, select, rng_for_seed
result = select(problem, rng=rng_for_seed(published_seed))
result.panel.ids, result.lottery.probabilities["a17"], result.lottery.min_probability
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from tierslien.lottery import leximin
from tierslien.lottery.leximin import LeximinParams, find_leximin
from tierslien.lottery.maximin import Lottery, MaximinParams, Progress, find_lottery
from tierslien.lottery.model import LotteryProblem, Panel

Objective = Literal["maximin", "leximin"]
OBJECTIVES: tuple[Objective, ...] = ("maximin", "leximin")


@dataclass(frozen=True)
class SelectParams:
    """Parameters of `select`: which lottery (`objective`) and its parameters."""

    maximin: MaximinParams = field(default_factory=MaximinParams)
    objective: Objective = "maximin"
    leximin: LeximinParams = field(default_factory=LeximinParams)

    def __post_init__(self) -> None:
        if not isinstance(self.maximin, MaximinParams):
            raise TypeError("maximin must be a MaximinParams")
        if not isinstance(self.leximin, LeximinParams):
            raise TypeError("leximin must be a LeximinParams")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {self.objective!r}")

    @property
    def method(self) -> int:
        """The method number its records carry (see `maximin.METHOD`, `leximin.METHOD`)."""
        return self.leximin.method if self.objective == "leximin" else self.maximin.method

    def with_method(self, method: Any) -> SelectParams:
        """The same limits, with the method (and so the objective) of a published record.

        Raises ValueError for a method this library does not know."""
        if method in leximin.METHODS:
            return dataclasses.replace(
                self,
                objective="leximin",
                leximin=dataclasses.replace(self.leximin, method=method),
            )
        return dataclasses.replace(  # MaximinParams rejects the methods it does not know
            self, objective="maximin", maximin=dataclasses.replace(self.maximin, method=method)
        )


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
    """Compute the lottery of `problem` (maximin, or leximin if `params.objective` says
    so) and draw one panel from it with `rng`.

    Raises `InfeasibleQuotasError` (whose `report` names the quotas to relax and
    proposes the nearest feasible ones) when no panel meets the quotas.
    """
    params = params or SelectParams()
    if params.objective == "leximin":
        lottery = find_leximin(problem, params=params.leximin, on_progress=on_progress)
    else:
        lottery = find_lottery(problem, params=params.maximin, on_progress=on_progress)
    return Selection(lottery=lottery, panel=lottery.draw(rng))
