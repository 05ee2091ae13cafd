"""Themed-meeting table plans: before / after / evening reference, side by side in one run.

For meetings of 20 / 60 / 300 citizens at 3 / 6 / 30 hosted tables (one contributor
pinned per table) over 3 rotations, on random answers to 4 criteria (the engine's
pair dissimilarity: the share of criteria answered differently), three plans:

- before: the previous `hosted_plan` (frozen copy below: host copies in the engine's
  rounds mode, then whole groups swapped between tables);
- after: the current `tierslien.gatherings.tables.hosted_plan`;
- evening: the engine's rounds mode on the same people and tables without hosts
  (as a discovery evening: tables re-formed every round, revisits mean nothing there)
  — the quality reference.

Columns: mixedness = the engine's score (the summed dissimilarity of people at the
same table) / the mean of random seatings with the same table sizes (1.00 = random),
over all rotations; repeated encounters per rotation against the lower bound of
`counts.unavoidable_repeats` (no plan can do better; it ignores revisits); revisits;
seconds. Same `--seconds` for every plan (the app's MEETING_PLAN_SECONDS is 1 s).

    nice .venv/bin/python bench/meeting_tables.py [--seconds 1] [--seeds 2] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import write_section  # noqa: E402

from tierslien.gatherings.tables import hosted_plan, revisits, unavoidable_repeats  # noqa: E402
from tierslien.gatherings.tables.bounds import round_repeat_floor  # noqa: E402
from tierslien.gatherings.tables.counts import repeats  # noqa: E402
from tierslien.gatherings.tables.plan import best_of_tries  # noqa: E402
from tierslien.mixing import solve_rounds  # noqa: E402

SIZES = [(20, 3), (60, 6), (300, 30)]
ROUNDS = 3


# --- before: the previous hosted_plan, frozen -----------------------------------------------


def _before_reassign(plan: list[list[int]], tables: int) -> list[list[int]]:
    plan = [list(row) for row in plan]
    n = len(plan[0]) if plan else 0
    for _ in range(2):
        changed = False
        for r in range(1, len(plan)):
            cost = np.zeros((tables, tables))
            for i in range(n):
                for t in {plan[s][i] for s in range(len(plan)) if s != r}:
                    cost[plan[r][i], t] += 1
            rows, cols = linear_sum_assignment(cost)
            if cost[rows, cols].sum() < np.trace(cost) - 1e-9:
                mapping = dict(zip(rows.tolist(), cols.tolist(), strict=True))
                plan[r] = [mapping[g] for g in plan[r]]
                changed = True
        if not changed:
            break
    return plan


def before_plan(
    weights: np.ndarray, tables: int, rounds: int, *, seed: int, seconds: float
) -> list[list[int]]:
    n = weights.shape[0]
    per_table = -(-n // tables)
    copies = max(1, min(per_table, 12))
    m = n + tables * copies
    full = np.zeros((m, m))
    full[:n, :n] = weights
    fixed = -np.ones(m, dtype=np.int64)
    for k in range(tables):
        fixed[n + k * copies : n + (k + 1) * copies] = k
    low, high = n // tables + copies, per_table + copies
    penalty = rounds * m * (high - 1) / 2.0 + 1.0

    def compute(time_limit: float, attempt_seed: int) -> list[list[int]]:
        result = solve_rounds(
            full, low, high, tables, rounds, met_before_penalty=penalty, fixed=fixed,
            time_limit=time_limit, seed=attempt_seed,
        )  # fmt: skip
        rows = [[int(g) for g in row[:n]] for row in result.assignments]
        return _before_reassign(rows, tables)

    def score(rows: list[list[int]]) -> tuple[int, ...]:
        plan = [dict(enumerate(row)) for row in rows]
        return revisits(plan), repeats(plan)

    return best_of_tries(compute, score, seconds=seconds, seed=seed, retry=rounds <= tables)


# --- the reference: an evening's plan on the same people and tables -------------------------


def evening_plan(
    weights: np.ndarray, tables: int, rounds: int, *, seed: int, seconds: float
) -> list[list[int]]:
    n = weights.shape[0]
    low, high = n // tables, -(-n // tables)
    penalty = rounds * n * (high - 1) / 2.0 + 1.0
    result = solve_rounds(
        weights, low, high, tables, rounds, met_before_penalty=penalty,
        time_limit=seconds, seed=seed,
    )  # fmt: skip
    return [[int(g) for g in row] for row in result.assignments]


# --- measures --------------------------------------------------------------------------------


def random_weights(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    answers = np.stack([rng.integers(0, k, n) for k in (2, 5, 4, 3)], axis=1)
    differ = (answers[:, None, :] != answers[None, :, :]).mean(axis=2)
    return differ.astype(np.float64)


def mixedness(weights: np.ndarray, rows: list[list[int]]) -> float:
    n = weights.shape[0]
    mean = weights.sum() / (n * (n - 1))
    got = expected = 0.0
    for row in rows:
        groups = np.asarray(row)
        same = groups[:, None] == groups[None, :]
        got += float(weights[same].sum()) / 2
        sizes = np.bincount(groups)
        expected += mean * float((sizes * (sizes - 1) / 2).sum())
    return got / expected if expected else 1.0


def repeats_per_round(rows: list[list[int]]) -> list[int]:
    n = len(rows[0])
    met = np.zeros((n, n), dtype=bool)
    out = []
    for row in rows:
        groups = np.asarray(row)
        same = np.triu(groups[:, None] == groups[None, :], 1)
        out.append(int((same & met).sum()))
        met |= same
    return out


def bounds_per_round(n: int, tables: int, rounds: int) -> list[int]:
    low, high = n // tables, -(-n // tables)
    totals = [unavoidable_repeats(n, r, low, high) for r in range(1, rounds + 1)]
    return [totals[0], *(b - a for a, b in zip(totals, totals[1:], strict=False))]


def measure(
    name: str,
    make: Callable[..., list[list[int]]],
    weights: np.ndarray,
    tables: int,
    seed: int,
    seconds: float,
) -> tuple[str, float, list[int], int, float]:
    began = time.perf_counter()
    rows = make(weights, tables, ROUNDS, seed=seed, seconds=seconds)
    spent = time.perf_counter() - began
    plan = [dict(enumerate(row)) for row in rows]
    sizes = [np.bincount(np.asarray(row), minlength=tables) for row in rows]
    assert all(s.max() - s.min() <= 1 for s in sizes), f"{name}: unbalanced tables"
    revisit = revisits(plan) if name != "evening" else -1
    return name, mixedness(weights, rows), repeats_per_round(rows), revisit, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    command = shlex.join(["nice", ".venv/bin/python", "bench/meeting_tables.py", *sys.argv[1:]])
    started = dt.datetime.now(dt.UTC)
    loads = [os.getloadavg()[0]]
    # The first search of a process compiles the kernels: not counted.
    evening_plan(random_weights(12, 0), 3, 2, seed=0, seconds=0.05)
    hosted_plan(random_weights(12, 0), 3, 2, seed=0, seconds=0.05)
    lines = [
        "| citizens / tables | seed | plan | mixedness | repeats r1 / r2 / r3 "
        "| floor any / revisit-free | revisits | seconds |",
        "|---|---:|---|---:|---|---|---:|---:|",
    ]
    for n, tables in SIZES:
        bound = bounds_per_round(n, tables, ROUNDS)
        any_floor = max(bound[1], round_repeat_floor(n, tables, revisit_free=False))
        free_floor = max(bound[1], round_repeat_floor(n, tables, revisit_free=True))
        for seed in range(1, args.seeds + 1):
            weights = random_weights(n, seed)
            for name, make in (
                ("before", before_plan),
                ("after", hosted_plan),
                ("evening", evening_plan),
            ):
                _, mixed, reps, rev, spent = measure(
                    name, make, weights, tables, seed, args.seconds
                )
                row = (
                    f"| {n} / {tables} | {seed} | {name} | {mixed:.3f} | "
                    f"{' / '.join(map(str, reps))} | {any_floor} / {free_floor} | "
                    f"{'—' if rev < 0 else rev} | {spent:.2f} |"
                )
                print(row, flush=True)
                lines.append(row)
                loads.append(os.getloadavg()[0])
    body = "\n".join(
        [
            f"Run {started:%Y-%m-%d %H:%M} UTC: `{command}` on the shared 2-core machine "
            f"(load average 1 min {min(loads):.1f}–{max(loads):.1f} during the run: times "
            "are noisy, other engineers' tests were running). Same people, same seconds "
            "for each plan; 3 rotations; hosts pinned (not counted as people). "
            "`mixedness`: the engine's score / a random seating's mean (1.00 = random); "
            "`floor`: the fewest repeated encounters any plan has in each rotation from "
            "2 on (`bounds.round_repeat_floor`, the larger of it and "
            "`counts.unavoidable_repeats`), for any plan / for a plan without "
            "revisits (round 2's tables can only draw from T - 1 round-1 tables); "
            "`evening`: the same people in the "
            "engine's rounds mode without hosts (the reference; revisits do not apply).",
            "",
            *lines,
        ]
    )
    print(body)
    if args.write:
        write_section("Themed-meeting table plans (item 7)", body)


if __name__ == "__main__":
    main()
