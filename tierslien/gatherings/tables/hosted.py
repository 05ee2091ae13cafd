"""Hosted tables (themed meetings): one table per host, who stays; people move between rounds.

No Django: NumPy, SciPy and the engine's public rounds mode.
"""

from __future__ import annotations

import time
from typing import Final

import numpy as np
from scipy.optimize import linear_sum_assignment

from tierslien.gatherings.tables.counts import repeats, revisits
from tierslien.gatherings.tables.plan import Plan, best_of_tries
from tierslien.gatherings.tables.swaps import improve_by_swaps, quality
from tierslien.mixing import solve_rounds

MAX_HOST_WEIGHT: Final = 12  # a revisit weighs as much as this many repeated encounters (at most)
# From this many people the hosts' pinned copies (doubling the engine's problem) cost more
# than the time limit (300 people at 30 tables: about 5 s for a 1-s limit on the 2-core
# machine); the rounds mode without hosts, tables labelled to avoid revisits, then the
# swaps reach the same score in about 1.5 s (bench/meeting_tables.py).
OPEN_START_FROM: Final = 121
ENGINE_SHARE: Final = 0.75  # of the time limit (large meetings); the rest goes to the swaps


def _as_plan(rows: list[list[int]]) -> Plan[int]:
    return [dict(enumerate(row)) for row in rows]


def hosted_plan(
    weights: np.ndarray, tables: int, rounds: int, *, seed: int = 0, seconds: float = 1.0
) -> list[list[int]]:
    """Per round, each person's table index (from 0) at `tables` hosted tables (a host stays
    at their table, people move): sizes balanced, revisits and repeated encounters avoided
    first, then tables as mixed as possible (`weights`: the people's dissimilarities).

    The engine's rounds mode runs once for all rounds, one group per table. Each host
    takes part as pinned members of their table (`fixed`, weight 0 to everyone): someone
    sitting twice at the same host's table then "meets" that host twice, so the engine
    avoids revisits exactly as it avoids repeated encounters. A last pass swaps whole
    groups between tables when that removes revisits (`reassign_groups`). From
    `OPEN_START_FROM` people the engine runs without hosts instead (`_open_plan`).

    Then a local search swaps two people between tables in one round while that
    lowers (revisits, repeats, -diversity) lexicographically (`swaps.improve_by_swaps`),
    from the engine's plan and, when a plan without revisits exists (no more rounds than
    tables), from one that has none (round 1 shifted by one table each round): the best
    is kept, so a plan never revisits when it need not.
    """
    started = time.perf_counter()
    if tables == 1 or weights.shape[0] == 0:
        return [[0] * weights.shape[0] for _ in range(rounds)]
    if weights.shape[0] >= OPEN_START_FROM:
        engine = _open_plan(weights, tables, rounds, seed=seed, seconds=seconds * ENGINE_SHARE)
        deadline = started + seconds
    else:
        # The engine with hosts needs all its time (60 people at 6 tables: mixedness 1.07
        # with 1 s, 0.99 with 0.5 s, bench/meeting_tables.py); the swaps of a small
        # meeting then take milliseconds.
        engine = _engine_plan(weights, tables, rounds, seed=seed, seconds=seconds)
        deadline = time.perf_counter() + seconds * (1 - ENGINE_SHARE)
    starts = [engine]
    if rounds <= tables:
        starts.append([[(t + r) % tables for t in engine[0]] for r in range(rounds)])
    plans = []
    for k, start in enumerate(starts):
        # Each start gets its share of what is left of the time limit (a little at least:
        # small meetings reach a local optimum within milliseconds).
        left = max(0.05 * seconds, deadline - time.perf_counter()) / (len(starts) - k)
        plans.append(
            improve_by_swaps(weights, start, tables, seed=seed, deadline=time.perf_counter() + left)
        )
    return min(plans, key=lambda rows: quality(weights, rows, tables).key())


def _open_plan(
    weights: np.ndarray, tables: int, rounds: int, *, seed: int, seconds: float
) -> list[list[int]]:
    """The engine's rounds mode without hosts (as an evening), its groups then given the
    tables that make the fewest revisits (`reassign_groups`)."""
    n = weights.shape[0]
    low, high = n // tables, -(-n // tables)
    penalty = rounds * n * (high - 1) / 2.0 + 1.0  # one repeat outweighs all diversity
    result = solve_rounds(
        weights,
        low,
        high,
        tables,
        rounds,
        met_before_penalty=penalty,
        time_limit=seconds,
        seed=seed,
    )
    return reassign_groups([[int(g) for g in row] for row in result.assignments], tables)


def _engine_plan(
    weights: np.ndarray, tables: int, rounds: int, *, seed: int, seconds: float
) -> list[list[int]]:
    """The engine's plan, hosts as pinned copies (see `hosted_plan`)."""
    n = weights.shape[0]
    if tables == 1 or n == 0:
        return [[0] * n for _ in range(rounds)]
    # Each host is `copies` pinned members of their table: one revisit counts as that many
    # repeated encounters, so the engine avoids revisits before repeats.
    per_table = -(-n // tables)
    copies = max(1, min(per_table, MAX_HOST_WEIGHT))
    m = n + tables * copies
    full = np.zeros((m, m))
    full[:n, :n] = weights
    fixed = -np.ones(m, dtype=np.int64)  # people move; hosts stay at their table
    for k in range(tables):
        fixed[n + k * copies : n + (k + 1) * copies] = k
    low, high = n // tables + copies, per_table + copies
    penalty = rounds * m * (high - 1) / 2.0 + 1.0

    def compute(time_limit: float, attempt_seed: int) -> list[list[int]]:
        result = solve_rounds(
            full,
            low,
            high,
            tables,
            rounds,
            met_before_penalty=penalty,
            fixed=fixed,
            time_limit=time_limit,
            seed=attempt_seed,
        )
        return reassign_groups([[int(g) for g in row[:n]] for row in result.assignments], tables)

    def score(rows: list[list[int]]) -> tuple[int, ...]:
        plan = _as_plan(rows)
        return revisits(plan), repeats(plan)

    # A plan without revisits may exist when there are no more rounds than tables.
    return best_of_tries(compute, score, seconds=seconds, seed=seed, retry=rounds <= tables)


def reassign_groups(plan: list[list[int]], tables: int) -> list[list[int]]:
    """Swap whole groups of people between tables, round by round, when that lowers the
    revisits (one assignment problem per round; never worse)."""
    plan = [list(row) for row in plan]
    n = len(plan[0]) if plan else 0
    for _ in range(2):
        changed = False
        for r in range(1, len(plan)):
            cost = np.zeros((tables, tables))
            for i in range(n):
                seen = {plan[s][i] for s in range(len(plan)) if s != r}
                for t in seen:
                    cost[plan[r][i], t] += 1
            rows, cols = linear_sum_assignment(cost)
            if cost[rows, cols].sum() < np.trace(cost) - 1e-9:
                mapping = dict(zip(rows.tolist(), cols.tolist(), strict=True))
                plan[r] = [mapping[g] for g in plan[r]]
                changed = True
        if not changed:
            break
    return plan
