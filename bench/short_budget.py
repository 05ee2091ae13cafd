"""Issue 13 (item 4): quality at short budgets and the CLI's start-up, the previous
engine beside the current one in one run.

    nice .venv/bin/python bench/short_budget.py [--base dc7109a] [--evenings 3] [--sizes N ...]
        [--write | --append]

Evenings shaped like the web app's (`tierslien/gatherings/evenings/problem.py`,
`bench/evening.py`): door questions age bracket, gender, occupation, education,
about 10 % of answers left unanswered ("prefer not to say"), one person in ten
came with someone (seated apart: n/10 pairs), a few pairs stay together (n/40,
at different tables from each other, as `units_apart` does);
n = 40, 80, 120, 160, 200, tables of 4-5, 3 rounds, `--evenings` seeded evenings
per n. Each engine runs in its own worker process (one per n), after
`warm_up()`, as a web worker would: seed 2 at 0.05 / 0.1 / 0.3 / 1 / 2 s.
Diversity is a ratio to the current engine's 2-s run with seed 1; repeats and
lift over random come from the engine's report; "wall" is the `solve` call
measured around it (construction, search, report and explanations).

The previous engine is `git archive <base>` unpacked into a temporary directory,
(bench/engines.py, shared by the before/after benches: its tree first on `sys.path`).

CLI start-up: median of 5 runs of `python -m tierslien.mixing <evening of 40>
--time-limit 0 -q -o out.json` and of `--help` (the `tierslien-mix` console
script runs the same `main`), each engine's tree first on PYTHONPATH, the
Numba disk cache warm; the current engine both with its kernels compiled ahead of
time (built first if needed) and with Numba's only (`TIERSLIEN_KERNELS=numba`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE = "dc7109a"  # the engine before issue 13
SIZES = [40, 80, 120, 160, 200]
BUDGETS = [0.05, 0.1, 0.3, 1.0, 2.0]
OPTIONS = {
    "age": ["18-29", "30-44", "45-59", "60-74", "75+"],
    "gender": ["f", "m", "x"],
    "occupation": ["ouvrier", "employe", "cadre", "artisan", "etudiant", "retraite"],
    "education": ["aucun", "brevet", "bac", "bac+3", "bac+5"],
}


# ----- worker side: a fresh process with one engine first on sys.path -----


def worker(tree: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sys.path.insert(0, tree)
    import tierslien.mixing as mixing

    assert mixing.__file__ is not None and mixing.__file__.startswith(tree), mixing.__file__
    from tierslien.mixing.warmup import warm_up  # `mixing.warm_up` is newer than the base

    warm_up()
    out = []
    for job in jobs:
        problem = mixing.Problem.from_json(job["path"])
        started = time.perf_counter()
        result = mixing.solve(problem, time_limit=job["time_limit"], seed=job["seed"])
        wall = time.perf_counter() - started
        r = result.report
        # Each pair kept together meets in every round: those repeats are asked for.
        asked = (problem.rounds - 1) * len(problem.together)
        out.append(
            {"diversity": r.diversity, "lift": r.lift, "repeats": r.repeats - asked, "wall": wall}
        )
    return out


# ----- parent side -----


def evening(n: int, seed: int) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(1000 * n + seed)
    people = [
        {
            "id": f"a{i}",
            "attributes": {
                key: (str(rng.choice(values)) if rng.random() < 0.9 else None)
                for key, values in OPTIONS.items()
            },
        }
        for i in range(n)
    ]
    order = rng.permutation(n).tolist()
    n_apart, n_together = n // 10, n // 40
    pairs = [[f"a{order[2 * k]}", f"a{order[2 * k + 1]}"] for k in range(n_apart + n_together)]
    # As the web app does (`units_apart`): the pairs kept together sit at different
    # tables, else two of them sharing a table would meet again in every round.
    together = pairs[n_apart:]
    units = [a for a, _ in together]
    apart = pairs[:n_apart] + [[a, b] for k, a in enumerate(units) for b in units[k + 1 :]]
    return {
        "version": 1,
        "group_size": {"min": 4, "max": 5},
        "rounds": 3,
        "criteria": [
            {"name": "age", "kind": "ordinal", "levels": OPTIONS["age"]},
            {"name": "gender", "kind": "categorical"},
            {"name": "occupation", "kind": "categorical"},
            {"name": "education", "kind": "ordinal", "levels": OPTIONS["education"]},
        ],
        "people": people,
        "apart": apart,
        "together": together,
    }


def cli_seconds(
    tree: Path, arguments: list[str], folder: Path, runs: int = 5, kernels: str = "auto"
) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "TIERSLIEN_KERNELS": kernels}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tierslien.mixing", *arguments],
            cwd=folder,
            env=env,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from engines import old_tree, run_worker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help="commit of the previous engine")
    parser.add_argument("--evenings", type=int, default=3, help="generated evenings per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--write", action="store_true", help="replace the RESULTS.md section")
    parser.add_argument("--append", action="store_true", help="add to the RESULTS.md section")
    args = parser.parse_args()
    command = shlex.join(["nice", ".venv/bin/python", "bench/short_budget.py", *sys.argv[1:]])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "tierslien"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    began = time.perf_counter()
    load_before = os.getloadavg()
    trees = {"before": old_tree(args.base), "after": ROOT}
    folder = Path(tempfile.mkdtemp(prefix="short-budget-"))

    # CLI start-up first, while nothing of ours is running beside it. The current engine
    # twice: with its kernels compiled ahead of time (built here if needed, as
    # `python -m tierslien.mixing.warmup` does at install) and with Numba's only.
    subprocess.run([sys.executable, "-m", "tierslien.mixing.warmup"], cwd=ROOT, check=True)
    small = folder / "evening-40.json"
    small.write_text(json.dumps(evening(40, 1)))
    solve_args = [str(small), "--time-limit", "0", "-q", "-o", "out.json"]
    engines = {
        "before": (trees["before"], "auto"),
        "numba": (ROOT, "numba"),
        "after": (ROOT, "auto"),
    }
    for tree, kernels in engines.values():  # fills each engine's Numba cache if it is cold
        cli_seconds(tree, solve_args, folder, runs=1, kernels=kernels)
    startup = {
        name: (
            cli_seconds(tree, solve_args, folder, kernels=kernels),
            cli_seconds(tree, ["--help"], folder, kernels=kernels),
        )
        for name, (tree, kernels) in engines.items()
    }
    print(startup, file=sys.stderr, flush=True)

    rows: dict[tuple[int, float], dict[str, list[dict[str, Any]]]] = {}
    for n in args.sizes:
        paths = []
        for seed in range(1, args.evenings + 1):
            path = folder / f"evening-{n}-{seed}.json"
            path.write_text(json.dumps(evening(n, seed)))
            paths.append(path)
        jobs: list[dict[str, Any]] = [
            {"path": str(p), "time_limit": t, "seed": 2} for p in paths for t in BUDGETS
        ]
        reference_jobs = [{"path": str(p), "time_limit": 2.0, "seed": 1} for p in paths]
        done = {
            "before": run_worker("short_budget", trees["before"], jobs),
            "after": run_worker("short_budget", trees["after"], jobs + reference_jobs),
        }
        reference = done["after"][len(jobs) :]
        for name in trees:
            for k, job in enumerate(jobs):
                e = k // len(BUDGETS)
                got = dict(done[name][k])
                got["ratio"] = got["diversity"] / reference[e]["diversity"]
                got["ref_repeats"] = reference[e]["repeats"]
                rows.setdefault((n, job["time_limit"]), {}).setdefault(name, []).append(got)
        print(f"n={n} done at {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    lines = [
        f"Quality: {args.evenings} generated evenings per size, seed 2, diversity as a ratio "
        "to the current engine's 2-s run (seed 1) of the same evening; min / mean over the "
        "evenings; repeats: the most over the evenings, not counting those of the pairs kept "
        "together (they meet in every round by request); wall: median seconds of the `solve` "
        "call (its time outside the limit included).",
        "",
        "| n | limit (s) | ratio before min / mean | ratio after min / mean "
        "| repeats before / after | lift before / after | wall before / after (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (n, t), by in sorted(rows.items()):
        old, new = by["before"], by["after"]

        def stat(runs: list[dict[str, Any]], key: str) -> list[float]:
            return [float(r[key]) for r in runs]

        lines.append(
            f"| {n} | {t:g} | {min(stat(old, 'ratio')):.4f} / "
            f"{statistics.mean(stat(old, 'ratio')):.4f} | {min(stat(new, 'ratio')):.4f} / "
            f"{statistics.mean(stat(new, 'ratio')):.4f} | {max(stat(old, 'repeats')):.0f} / "
            f"{max(stat(new, 'repeats')):.0f} | {statistics.mean(stat(old, 'lift')):.3f} / "
            f"{statistics.mean(stat(new, 'lift')):.3f} | "
            f"{statistics.median(stat(old, 'wall')):.3f} / "
            f"{statistics.median(stat(new, 'wall')):.3f} |"
        )
    over = {
        name: {
            n: statistics.median([r["wall"] - 0.1 for r in rows[(n, 0.1)][name]])
            for n in args.sizes
        }
        for name in trees
    }
    lines += [
        "",
        "Wall time minus the limit at 0.1 s (median over the evenings), before / after: "
        + ", ".join(f"n={n} {over['before'][n]:.3f} / {over['after'][n]:.3f} s" for n in args.sizes)
        + ".",
        "",
        "CLI start-up, warm Numba cache, median of 5 runs (`python -m tierslien.mixing`, "
        "wall seconds of the whole process); after: the current engine with its kernels "
        "compiled ahead of time (`search/aot.py`), and with Numba's only "
        "(`TIERSLIEN_KERNELS=numba`):",
        "",
        "| command | before | after, Numba only | after, compiled ahead of time |",
        "|---|---|---|---|",
        f"| `<evening of 40> --time-limit 0 -q -o out.json` | {startup['before'][0]:.3f} "
        f"| {startup['numba'][0]:.3f} | {startup['after'][0]:.3f} |",
        f"| `--help` | {startup['before'][1]:.3f} | {startup['numba'][1]:.3f} "
        f"| {startup['after'][1]:.3f} |",
    ]
    elapsed = time.perf_counter() - began
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(
        [
            f"Run {stamp}: `{command}` ({elapsed:.0f} s), commit `{commit}`"
            + (" with uncommitted engine changes" if dirty else "")
            + f". Previous engine: `{args.base}` (git archive into a temporary directory); "
            "current: the working tree. Load average "
            f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores, shared).",
            "",
            *lines,
        ]
    )
    print(body)
    if args.write or args.append:
        from results import append_to_section, write_section

        write = append_to_section if args.append else write_section
        write("Short budgets (issue 13, item 4)", body)


if __name__ == "__main__":
    main()
