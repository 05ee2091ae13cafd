"""Leximin against maximin, side by side, on the same pools.

Maximin only raises the smallest selection probability; leximin then raises the
next ones (docs/lottery.md). For each instance and each objective: the smallest
probability, how many applicants stay below k/n (n applicants, k seats), the
number of distinct probability levels, the lottery's panels, and the time of the
whole lottery computation (median of --repeats runs), plus a check that every
panel of both lotteries meets the quotas and that the probabilities add up to k.

Instances: `tight_N_K` are generated self-selected pools on five criteria (gender,
age, area, education, housing; about 200 applicant types for 600 applicants) with
*tight* quotas: the population's shares +/- 2 points (seeded, see `tight_instance`);
`tight_300_30` and `tight_600_40` are the sizes quoted in the issue. Flanigan et
al.'s public examples are read in place from the shared benchmarks folder
(`example_small_20`, `example_large_200`; never copied).

Example: .venv/bin/python bench/leximin.py --write
         .venv/bin/python bench/leximin.py --instances tight_300_30 --repeats 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from results import write_section  # noqa: E402

from tierslien.lottery import (  # noqa: E402
    LotteryProblem,
    Pool,
    SelectParams,
    diagnose,
    proportional_quotas,
    read_quotas,
    rng_for_seed,
    select,
)
from tierslien.lottery.compositions import QuotaSystem  # noqa: E402

# The shared benchmarks sit beside the main checkout, or two levels up from a worktree.
DATA = next(
    (
        base / "shared" / "benchmarks" / "sortition"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "benchmarks" / "sortition").is_dir()
    ),
    ROOT.parent / "shared" / "benchmarks" / "sortition",
)
INSTANCES = ("tight_300_30", "tight_600_40", "example_small_20", "example_large_200")
SEED = 20261203
POPULATION = {
    "gender": {"woman": 0.51, "man": 0.47, "other": 0.02},
    "age": {"18-29": 0.19, "30-44": 0.24, "45-59": 0.25, "60-74": 0.21, "75+": 0.11},
    "area": {"centre": 0.28, "north": 0.22, "south": 0.20, "east": 0.17, "west": 0.13},
    "education": {"none": 0.22, "school": 0.38, "vocational": 0.17, "university": 0.23},
    "housing": {"owner": 0.52, "tenant": 0.40, "social": 0.08},
}
APPLICANTS = {  # who applies: older, women, the centre, graduates, owners
    "gender": [0.58, 0.40, 0.02],
    "age": [0.08, 0.17, 0.27, 0.31, 0.17],
    "area": [0.36, 0.22, 0.17, 0.14, 0.11],
    "education": [0.10, 0.28, 0.17, 0.45],
    "housing": [0.66, 0.29, 0.05],
}


def tight_instance(n: int, seats: int, seed: int = 5, tolerance: float = 0.02) -> LotteryProblem:
    """A skewed pool on five criteria, quotas = population shares +/- `tolerance`."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        record = {"id": f"t{i:04d}"}
        for criterion, weights in APPLICANTS.items():
            values = list(POPULATION[criterion])
            record[criterion] = values[int(rng.choice(len(values), p=weights))]
        records.append(record)
    problem = LotteryProblem(
        Pool.from_records(records),
        proportional_quotas(POPULATION, seats, tolerance=tolerance),
        seats,
    )
    if not diagnose(problem).feasible:
        raise SystemExit(f"tight_{n}_{seats}: quotas infeasible, change the seed")
    return problem


def published_instance(name: str) -> LotteryProblem:
    import csv

    folder = DATA / name
    with (folder / "respondents.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    pool = Pool.from_records([{"id": f"p{i:04d}", **row} for i, row in enumerate(rows)])
    seats = int(name.rsplit("_", 1)[1])
    return LotteryProblem(pool, read_quotas(folder / "categories.csv"), seats)


def instance(name: str) -> LotteryProblem:
    if name.startswith("tight_"):
        _, n, seats = name.split("_")
        return tight_instance(int(n), int(seats))
    return published_instance(name)


def measure(problem: LotteryProblem, objective: str, repeats: int) -> dict[str, Any]:
    params = SelectParams(objective="leximin") if objective == "leximin" else SelectParams()
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = select(problem, rng=rng_for_seed(SEED), params=params)
        times.append(time.perf_counter() - started)
    assert result is not None
    lottery = result.lottery
    system = QuotaSystem.of(problem)
    k_over_n = problem.seats / len(problem.pool)
    probabilities = [float(p) for p in lottery.probabilities.values()]
    quotas_ok = all(system.meets(c.counts) for c in lottery.compositions) and not (
        problem.quota_violations(result.panel.ids)
    )
    return {
        "min": float(lottery.min_probability),
        "upper": lottery.upper_bound,
        "below": sum(1 for p in probabilities if p < k_over_n - 1e-6),
        "levels": levels(sorted(probabilities)),
        "panels": len(lottery.compositions),
        "seconds": statistics.median(times),
        "ok": quotas_ok and sum(lottery.probabilities.values()) == problem.seats,
        "profile": sorted(probabilities),
    }


def levels(profile: list[float], gap: float = 1e-6) -> int:
    """Distinct probabilities: values closer than `gap` to the previous one count once."""
    return 1 + sum(1 for a, b in zip(profile, profile[1:], strict=False) if b - a > gap)


def lexicographic(a: list[float], b: list[float], tol: float = 1e-7) -> str:
    """'>' if sorted profile a is lexicographically above b, '=' if equal (within tol)."""
    for x, y in zip(a, b, strict=True):
        if x > y + tol:
            return ">"
        if x < y - tol:
            return "<"
    return "="


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--repeats", type=int, default=1, help="runs of each (median kept)")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    command = " ".join(["bench/leximin.py", *map(shlex.quote, sys.argv[1:])])
    started = dt.datetime.now(dt.UTC)
    loads = [load()]
    header = (
        "| instance | pool | seats | types | objective | min p | below k/n | levels "
        "| panels | time | lex. vs maximin | quotas, sum |"
    )
    lines = [header, "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|:---:|:---:|"]
    for name in args.instances.split(","):
        problem = instance(name)
        types = len(problem.type_list)
        rows = {}
        for objective in ("maximin", "leximin"):
            rows[objective] = measure(problem, objective, args.repeats)
            loads.append(load())
        for objective, row in rows.items():
            versus = (
                lexicographic(row["profile"], rows["maximin"]["profile"])
                if objective == "leximin"
                else ""
            )
            line = (
                f"| {name} | {len(problem.pool)} | {problem.seats} | {types} | {objective} "
                f"| {row['min']:.6f} | {row['below']} | {row['levels']} | {row['panels']} "
                f"| {row['seconds']:.2f} s | {versus} | {'ok' if row['ok'] else 'FAILED'} |"
            )
            print(line, flush=True)
            lines.append(line)
    finished = dt.datetime.now(dt.UTC)
    body = "\n".join(
        [
            f"Measured {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC with "
            f"`.venv/bin/python {command}` on the shared 2-core machine, load average "
            f"(1 min) {' / '.join(loads)} during the run: times are noisy. `below k/n`: "
            "applicants whose probability is under seats/pool (by more than 1e-6); "
            "`levels`: distinct probabilities (gaps above 1e-6); `lex. vs maximin`: the "
            "sorted leximin profile compared with the maximin's ('>' lexicographically "
            "larger, '=' equal).",
            "",
            *lines,
        ]
    )
    print(body.split("\n")[0])
    if args.write:
        write_section(f"Leximin vs maximin ({started:%Y-%m-%d %H:%M} UTC)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
