"""Tiers Lien's fair seat lottery for themed meetings (maximin or leximin with quotas,
verifiable draw).

A plain library (NumPy, SciPy's HiGHS), never importing Django:

    from tierslien.lottery import LotteryProblem, read_pool, read_quotas, rng_for_seed, select
    problem = LotteryProblem(read_pool("pool.csv"), read_quotas("quotas.csv"), seats=40)
    result = select(problem, rng=rng_for_seed(20261126))
    result.panel.ids, result.lottery.probabilities["a17"], result.lottery.min_probability

See docs/lottery.md.
"""

from __future__ import annotations

from tierslien.lottery.csvio import read_pool, read_quotas, write_pool, write_quotas
from tierslien.lottery.defaults import population_shares, proportional_quotas
from tierslien.lottery.feasibility import (
    FeasibilityReport,
    InfeasibleQuotasError,
    QuotaChange,
    diagnose,
)
from tierslien.lottery.leximin import LeximinParams, find_leximin
from tierslien.lottery.maximin import (
    RESOLUTION,
    Composition,
    Lottery,
    MaximinParams,
    Progress,
    find_lottery,
    uniform_below,
)
from tierslien.lottery.model import (
    ApplicantType,
    LotteryInputError,
    LotteryProblem,
    Panel,
    Pool,
    Quota,
    Quotas,
)
from tierslien.lottery.selection import Selection, SelectParams, rng_for_seed, select

__all__ = [
    "RESOLUTION",
    "ApplicantType",
    "Composition",
    "FeasibilityReport",
    "InfeasibleQuotasError",
    "Lottery",
    "LotteryInputError",
    "LeximinParams",
    "LotteryProblem",
    "MaximinParams",
    "Panel",
    "Pool",
    "Progress",
    "Quota",
    "QuotaChange",
    "Quotas",
    "SelectParams",
    "Selection",
    "diagnose",
    "find_leximin",
    "find_lottery",
    "population_shares",
    "proportional_quotas",
    "read_pool",
    "read_quotas",
    "rng_for_seed",
    "select",
    "uniform_below",
    "write_pool",
    "write_quotas",
]
