"""Several rounds: social golfer schedules and a discovery evening.

Social golfers g-s-w: g groups of s players for w weeks, no two players
together twice; all weights zero, so the schedule search stops as soon as no
encounter repeats (the time is the time to a solution). The instances below
are at their best known number of repeat-free weeks. Iterations count the
symmetric search's (on base rounds) and the schedule search's together (0 for
a schedule built outright: the twins of `tierslien.mixing.twins`, or a
repeat-free greedy start). Then a discovery evening: 60 people with random
categorical attributes, tables of 4-5, 2 rounds.
With --write the table goes to the "Social golfers" section of bench/RESULTS.md.

Example: .venv/bin/python bench/golfers.py --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdgp import ROOT
from results import write_section

from tierslien.mixing.core import CoreInstance, improve
from tierslien.mixing.cyclic import cyclic_schedule
from tierslien.mixing.rounds import solve_rounds

INSTANCES = "5-3-7,6-3-8,7-3-10,4-4-5,8-4-10,5-5-6,6-6-3"


def discovery_weights(n: int, seed: int) -> np.ndarray:
    """Dissimilarity of people with 5 random categorical answers (3 to 5 levels each)."""
    rng = np.random.default_rng(seed)
    levels = [3, 4, 5, 3, 4]
    answers = np.stack([rng.integers(0, k, size=n) for k in levels], axis=1)
    return (answers[:, None, :] != answers[None, :, :]).mean(axis=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=INSTANCES, help="comma-separated g-s-w")
    parser.add_argument("--time", type=float, default=60.0, help="seconds per golfer instance")
    parser.add_argument("--evening-time", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # Warm the JIT (reported apart from the budgets).
    solve_rounds(np.zeros((4, 4)), 2, 2, 2, 2, met_before_penalty=1.0, time_limit=1.0, seed=0)
    cyclic_schedule(3, 3, 4, seed=0, deadline=None, max_iterations=64)

    command = shlex.join([".venv/bin/python", "bench/golfers.py", *(argv or sys.argv[1:])])
    lines = [
        f"Command: `{command}`"
        f" — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, engine at commit {commit}, "
        f"seed {args.seed}, {args.time:g} s per golfer instance, load average "
        f"{os.getloadavg()[0]:.1f} at the start (2 shared cores).",
        "",
        "| instance g-s-w | players | repeats | time (s) | iterations |",
        "|---|---|---|---|---|",
    ]
    for spec in args.instances.split(","):
        groups, size, weeks = (int(part) for part in spec.split("-"))
        n = groups * size
        result = solve_rounds(
            np.zeros((n, n)),
            size,
            size,
            groups,
            weeks,
            met_before_penalty=1.0,
            time_limit=args.time,
            seed=args.seed,
        )
        line = f"| {spec} | {n} | {result.repeats} | {result.elapsed:.2f} | {result.iterations} |"
        print(line, flush=True)
        lines.append(line)

    n, n_groups = 60, 12
    weights = discovery_weights(n, args.seed)
    evening = solve_rounds(
        weights,
        4,
        5,
        n_groups,
        2,
        met_before_penalty=100.0,  # above any diversity gain of a move (<= 2 * 5)
        time_limit=args.evening_time,
        seed=args.seed,
    )
    # Reference: the best single round the core finds in 5 s, counted twice
    # (two rounds cannot beat twice the best single round).
    single = improve(
        CoreInstance(weights, np.full(n_groups, 4), np.full(n_groups, 5)),
        time_limit=5.0,
        seed=args.seed,
    )
    lines += [
        "",
        f"Discovery evening, {n} people, {n_groups} tables of 4-5, 2 rounds, "
        f"{args.evening_time:g} s: {evening.repeats} repeated encounters, diversity "
        f"{evening.objective:.3f} = {evening.objective / (2 * single.objective):.5f} of twice "
        f"the best single round found in 5 s ({single.objective:.3f}); "
        f"{evening.elapsed:.2f} s, {evening.iterations} iterations.",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section("Social golfers", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
