"""Small pools and quotas for the lottery tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tierslien.lottery import LotteryProblem, Pool, Quota, Quotas

CRITERIA = {
    "gender": ["woman", "man", "other"],
    "age": ["18-29", "30-44", "45-64", "65+"],
    "area": ["north", "south", "centre"],
    "degree": ["none", "school", "university"],
}


def pool_of(rows: Sequence[tuple[str, ...]], criteria: tuple[str, ...]) -> Pool:
    ids = tuple(f"a{i:03d}" for i in range(len(rows)))
    return Pool(criteria, ids, tuple(rows))


def random_pool(seed: int, n: int, criteria: tuple[str, ...] = ("gender", "age")) -> Pool:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        rows.append(tuple(str(rng.choice(CRITERIA[c])) for c in criteria))
    return pool_of(rows, criteria)


def quotas(*rows: tuple[str, str, int, int]) -> Quotas:
    return Quotas(tuple(Quota(c, v, lo, hi) for c, v, lo, hi in rows))


def small_problem() -> LotteryProblem:
    """10 applicants, 4 seats, at least 2 women and 1 person aged 65+."""
    rows = [
        ("woman", "18-29"),
        ("woman", "65+"),
        ("man", "18-29"),
        ("man", "18-29"),
        ("man", "30-44"),
        ("man", "30-44"),
        ("man", "18-29"),
        ("man", "30-44"),
        ("woman", "30-44"),
        ("man", "65+"),
    ]
    pool = pool_of(rows, ("gender", "age"))
    return LotteryProblem(
        pool,
        quotas(
            ("gender", "woman", 2, 4),
            ("gender", "man", 0, 4),
            ("age", "18-29", 0, 4),
            ("age", "30-44", 0, 4),
            ("age", "65+", 1, 4),
        ),
        seats=4,
    )
