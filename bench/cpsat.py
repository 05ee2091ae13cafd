"""OR-Tools CP-SAT versus the mixing core on small MDGPLIB instances.

CP-SAT gets a time limit per instance (default 60 s, one search worker: the
machine is shared), the engine 1 s; the table (with --write, in the "CP-SAT"
section of bench/RESULTS.md) gives both objectives and their ratio to the
best known value. Model: x[i, g] (i in group g), y[i, j, g] <= x[i, g], x[j, g]
for the pairs (weights are non-negative, so y takes its upper bound), sizes
within bounds, element 0 in group 0 when all groups are alike; weights scaled
to integers (1e-3) for CP-SAT, objectives recomputed exactly.

Example: .venv/bin/python bench/cpsat.py --ids 01 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdgp import (
    DATA,
    ROOT,
    Instance,
    read_best_known,
    read_instance,
)
from results import write_section

from tierslien.mixing.core import CoreInstance, improve, pair_objective


def solve_cpsat(inst: Instance, time_limit: float, workers: int) -> tuple[float, str]:
    n = inst.weights.shape[0]
    n_groups = len(inst.min_size)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{g}") for g in range(n_groups)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for g in range(n_groups):
        size = sum(x[i][g] for i in range(n))
        model.add(size >= int(inst.min_size[g]))
        model.add(size <= int(inst.max_size[g]))
    if (inst.min_size == inst.min_size[0]).all() and (inst.max_size == inst.max_size[0]).all():
        model.add(x[0][0] == 1)  # interchangeable groups: break one symmetry
    terms = []
    for i in range(n):
        for j in range(i + 1, n):
            w = round(float(inst.weights[i, j]) * 1000)
            if w <= 0:
                continue
            for g in range(n_groups):
                y = model.new_bool_var("")
                model.add_implication(y, x[i][g])
                model.add_implication(y, x[j][g])
                terms.append(w * y)
    model.maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return float("nan"), solver.status_name(status)
    assignment = np.array(
        [next(g for g in range(n_groups) if solver.value(x[i][g])) for i in range(n)],
        dtype=np.int64,
    )
    return pair_objective(inst.weights, assignment), solver.status_name(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", default="01,02,03,04,05", help="instance numbers at n = 30")
    parser.add_argument("--families", default="Geo,RanInt,RanReal")
    parser.add_argument("--extra", default="RanReal_n120_ss_01", help="more instances (names)")
    parser.add_argument("--cpsat-time", type=float, default=60.0)
    parser.add_argument("--cpsat-workers", type=int, default=1)
    parser.add_argument("--engine-time", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    names = [
        f"{family}_n030_{kind}_{number}"
        for family in args.families.split(",")
        for kind in ("ss", "ds")
        for number in args.ids.split(",")
    ]
    names += [name for name in args.extra.split(",") if name]
    best_known = read_best_known()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # Warm the JIT before timing anything.
    warm = read_instance(DATA / "RanReal" / "RanReal_n010_ss_01.txt")
    improve(CoreInstance(warm.weights, warm.min_size, warm.max_size), time_limit=0.01, seed=0)

    lines = [
        f"Command: `{shlex.join(['.venv/bin/python', 'bench/cpsat.py', *(argv or sys.argv[1:])])}`"
        f" — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, engine at commit {commit}, "
        f"CP-SAT {args.cpsat_time:g} s with {args.cpsat_workers} worker(s), "
        f"engine {args.engine_time:g} s with 1 worker, seed {args.seed}.",
        "",
        "| instance | best known | CP-SAT | status | engine | CP-SAT / bk | engine / bk |",
        "|---|---|---|---|---|---|---|",
    ]
    wins = 0
    for name in names:
        inst = read_instance(DATA / name.split("_")[0] / f"{name}.txt")
        started = time.perf_counter()
        cpsat_value, status = solve_cpsat(inst, args.cpsat_time, args.cpsat_workers)
        cpsat_seconds = time.perf_counter() - started
        result = improve(
            CoreInstance(inst.weights, inst.min_size, inst.max_size),
            time_limit=args.engine_time,
            seed=args.seed,
        )
        bk = best_known[name]
        wins += result.objective >= cpsat_value - 1e-6 or np.isnan(cpsat_value)
        line = (
            f"| {name} | {bk:.3f} | {cpsat_value:.3f} | {status} ({cpsat_seconds:.0f} s) | "
            f"{result.objective:.3f} | {cpsat_value / bk:.5f} | {result.objective / bk:.5f} |"
        )
        print(line, flush=True)
        lines.append(line)
    lines += ["", f"Engine at least as good as CP-SAT on {wins} of {len(names)} instances."]
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section("CP-SAT", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
