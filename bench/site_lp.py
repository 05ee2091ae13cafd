"""The report's site LP with and without merging the sites usable by the same people,
side by side in one run: its size, its time and its value (which must not change).

    nice .venv/bin/python bench/site_lp.py [--repeats 3] [--write]

Problems: the demo season (composition, every question; analysis, stand-ins) built from
a throw-away `load_demo` database, and the what-if towns of bench/layouts.py. Each is
solved once (seed 1, 2,000 iterations: the grouping does not depend on the clock), then
`site_lp_bound` runs on its first round as the report runs it (at most
`REPORT_LP_VARIABLES` before merging), merged and unmerged alternately, `--repeats`
times each; the median time is kept. With --write, the section "Site LP: sites usable by
the same people" of bench/RESULTS.md is replaced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SECTION = "Site LP: sites usable by the same people"


def measure(name: str, path: Path, repeats: int) -> dict[str, Any]:
    import scipy.optimize

    from tierslien import mixing
    from tierslien.mixing.bound import site_lp_bound
    from tierslien.mixing.distance import encode
    from tierslien.mixing.report import REPORT_LP_VARIABLES as LIMIT

    problem = mixing.Problem.from_json(str(path))
    result = mixing.solve(
        problem, time_limit=60, seed=1, params=mixing.SolveParams(max_iterations=2000)
    )
    enc = encode(problem)
    groups = [[problem.index[m] for m in g.members] for g in result.solution.rounds[0].groups]
    placed = np.array([i for g in groups for i in g], dtype=np.int64)
    sizes = [len(g) for g in groups]
    shapes: dict[bool, tuple[int, int]] = {}
    real = scipy.optimize.linprog

    def spy(*args: Any, **kwargs: Any) -> Any:
        shapes[merge] = (kwargs["A_ub"].shape[1], kwargs["A_ub"].shape[0] + kwargs["A_eq"].shape[0])
        return real(*args, **kwargs)

    times: dict[bool, list[float]] = {True: [], False: []}
    values: dict[bool, float] = {}
    scipy.optimize.linprog = spy
    try:
        for _ in range(repeats):
            for merge in (True, False):
                began = time.perf_counter()
                values[merge] = site_lp_bound(
                    problem, enc, placed, sizes, merge_sites=merge, max_variables=LIMIT
                )
                times[merge].append(time.perf_counter() - began)
    finally:
        scipy.optimize.linprog = real
    return {
        "name": name,
        "people": problem.n,
        "groups": len(sizes),
        "values": values,
        "times": {k: statistics.median(v) for k, v in times.items()},
        "shapes": shapes,
    }


def main() -> None:
    from layouts import demo_problems, town_problems
    from results import write_section

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    command = shlex.join(["nice", ".venv/bin/python", "bench/site_lp.py", *sys.argv[1:]])
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="site-lp-bench-"))
    problems = demo_problems(folder) + town_problems(folder)[:2]
    load = os.getloadavg()[0]
    rows = []
    for name, path, _without in problems:
        found = measure(name, path, args.repeats)
        merged, apart = found["values"][True], found["values"][False]
        if not found["shapes"]:
            rows.append(
                f"| {name} | {found['people']} | {found['groups']} | not built "
                "(over the report's limit) | | | | | |"
            )
            print(rows[-1], flush=True)
            continue
        assert abs(merged - apart) <= 1e-6 * max(1.0, abs(apart)), (name, merged, apart)
        (vm, rm), (va, ra) = found["shapes"][True], found["shapes"][False]
        tm, ta = found["times"][True], found["times"][False]
        rows.append(
            f"| {name} | {found['people']} | {found['groups']} | {va:,} × {ra:,} | "
            f"{vm:,} × {rm:,} | {ta:.2f} | {tm:.2f} | {apart:.4f} | {merged:.4f} |"
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"Command: `{command}` — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {sha}, "
            f"median of {args.repeats} runs each, alternating; load average {load:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after (2 shared cores).",
            "",
            "| problem | people | groups | LP unmerged (variables × rows) | merged | "
            "s unmerged | s merged | value unmerged | value merged |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
