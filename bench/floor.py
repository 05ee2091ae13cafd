"""Issue 13 (items 1 and 3): placement against its bound, and quality under a CPU hog,
the previous engine beside the current one in one run.

    nice .venv/bin/python bench/floor.py [--base dc7109a] [--write]

The previous engine is `git archive <base> tierslien/__init__.py tierslien/mixing`
unpacked into a temporary directory (kept between runs, with its Numba cache,
as $TMPDIR/tierslien-floor-<commit>); each engine runs in its own worker
processes with its own tree first on `sys.path`, so the two never mix.

(a) Placement: towns of 300 people from bench/town.py with the venues removed
    ("no venues"), and the same towns with a shared language criterion (70 %
    speak one language, 30 % two, of eight with skewed frequencies), several
    seeds: people placed by each engine beside the bound of the current one.
(b) Quality at a 1-s limit while 2 busy-loop processes compete for the CPU
    (the machine has 2 cores): MDGPLIB n = 12 instances (ratio to the best
    known value) and discovery evenings of 200 people, 3 rounds, tables of 4-5
    (diversity as a ratio to a 2-s run of the current engine without the hog,
    repeats, lift over random). Each quality run is the first solve of a fresh
    process, as a web worker's first request: loading the compiled kernels
    comes out of the limit, which is where a starved clock eats the search.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engines import old_tree, run_worker

ROOT = Path(__file__).resolve().parents[1]
MDGP = next(
    (
        p / "shared" / "benchmarks" / "mdgp"
        for p in ROOT.parents
        if (p / "shared" / "benchmarks" / "mdgp").is_dir()
    ),
    ROOT.parent / "shared" / "benchmarks" / "mdgp",
)
BASE = "dc7109a"  # the engine before issue 13
MDGP_INSTANCES = [
    "Geo_n012_ds_01",
    "Geo_n012_ss_02",
    "RanInt_n012_ds_03",
    "RanInt_n012_ss_04",
    "RanReal_n012_ds_05",
    "RanReal_n012_ss_01",
]
NOTES = [
    'Reading: "seconds" count from the job\'s start in its worker process, loading the '
    "compiled kernels included; with the hogs (and the other engineers' tests) the CPU is "
    "shared by 4-5 times more runnable processes than cores, so both engines overrun the "
    "limit. The current engine overruns more on evenings: its descent runs after the clock "
    "(about 0.3 s of the 0.9 s an evening of 200 takes at a 1e-6-s limit without load). "
    '"Proven maximal": placed equals the bound. The one town left unproven (language, '
    "seed 5) has someone speaking only a rare language whose 5-6 possible companions are "
    "held by other groups that the repair's two-move chains cannot free.",
]
LANGS = ["fr", "en", "ar", "es", "pt", "tr", "wo", "zh"]
LANG_P = [0.4, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04]


# ----- worker side: runs inside a fresh process with one engine on sys.path -----


def worker(tree: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sys.path.insert(0, tree)
    import tierslien.mixing as mixing

    assert mixing.__file__ is not None and mixing.__file__.startswith(tree), mixing.__file__
    return [_job(job) for job in jobs]


def _job(job: dict[str, Any]) -> dict[str, Any]:
    from tierslien.mixing import Problem, SolveParams, solve

    kind = job["kind"]
    started = time.perf_counter()
    if kind == "warm":
        from tierslien.mixing.warmup import warm_up

        warm_up()
        return {"seconds": time.perf_counter() - started}
    if kind == "mdgp":
        from tierslien.mixing.core import improve
        from tierslien.mixing.mdgp import read_mdgp

        inst = read_mdgp(job["path"])
        result = improve(inst.core_instance(), time_limit=job["time_limit"], seed=job["seed"])
        return {"objective": result.objective, "seconds": time.perf_counter() - started}
    problem = Problem.from_json(job["path"])
    params = SolveParams(max_iterations=job.get("max_iterations"))
    result = solve(problem, time_limit=job["time_limit"], seed=job["seed"], params=params)
    r = result.report
    return {
        "placed": r.placed,
        "unplaced": r.unplaced,
        "bound": getattr(r, "placeable_bound", None),
        "diversity": r.diversity,
        "lift": r.lift,
        "repeats": r.repeats,
        "seconds": time.perf_counter() - started,
    }


# ----- parent side -----


def towns(seeds: list[int], folder: Path) -> list[tuple[str, int, Path]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import numpy as np
    from town import make_town

    out = []
    for seed in seeds:
        for variant in ("no venues", "no venues + language"):
            data = make_town(300, seed)
            data["venues"] = []
            if variant.endswith("language"):
                rng = np.random.default_rng(seed)
                data["criteria"].append({"name": "language", "kind": "multi", "goal": "shared"})
                for person in data["people"]:
                    k = 1 if rng.random() < 0.7 else 2
                    chosen = rng.choice(LANGS, size=k, replace=False, p=LANG_P)
                    person["attributes"]["language"] = sorted(chosen.tolist())
            path = folder / f"town-{seed}-{len(out)}.json"
            path.write_text(json.dumps(data))
            out.append((variant, seed, path))
    return out


def evenings(seeds: list[int], folder: Path) -> list[Path]:
    import numpy as np

    out = []
    for seed in seeds:
        rng = np.random.default_rng(100 + seed)
        people: list[dict[str, Any]] = []
        options = {
            "age": ["18-29", "30-44", "45-59", "60-74", "75+"],
            "gender": ["f", "m", "x"],
            "occupation": ["ouvrier", "employe", "cadre", "artisan", "etudiant", "retraite"],
            "education": ["aucun", "brevet", "bac", "bac+3", "bac+5"],
        }
        for i in range(200):
            attrs = {
                key: (str(rng.choice(values)) if rng.random() < 0.9 else None)
                for key, values in options.items()
            }
            people.append({"id": f"a{i}", "attributes": attrs})
        ids = [p["id"] for p in people]
        order = rng.permutation(200).tolist()
        apart = [[ids[order[2 * k]], ids[order[2 * k + 1]]] for k in range(20)]
        together = [[ids[order[40 + 2 * k]], ids[order[41 + 2 * k]]] for k in range(5)]
        data = {
            "version": 1,
            "group_size": {"min": 4, "max": 5},
            "rounds": 3,
            "criteria": [
                {"name": "age", "kind": "ordinal", "levels": options["age"]},
                {"name": "gender", "kind": "categorical"},
                {"name": "occupation", "kind": "categorical", "weight": 2.0},
                {"name": "education", "kind": "ordinal", "levels": options["education"]},
            ],
            "people": people,
            "apart": apart,
            "together": together,
        }
        path = folder / f"evening-{seed}.json"
        path.write_text(json.dumps(data))
        out.append(path)
    return out


def _busy(until: float) -> None:
    x = 0
    while time.monotonic() < until:
        x = (x * 1103515245 + 12345) % 2147483648


def best_known() -> dict[str, float]:
    import csv

    with (MDGP / "bks.csv").open() as handle:
        return {row["instance"]: float(row["best_known"]) for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help="commit of the previous engine")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--evenings", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    command = shlex.join(["nice", ".venv/bin/python", "bench/floor.py", *sys.argv[1:]])
    began = time.perf_counter()
    load_before = os.getloadavg()
    trees = {"before": old_tree(args.base), "after": ROOT}
    folder = Path(tempfile.mkdtemp(prefix="floor-bench-"))
    for name, tree in trees.items():
        warm = run_worker("floor", tree, [{"kind": "warm"}])[0]["seconds"]
        print(f"warm-up {name}: {warm:.1f} s", file=sys.stderr)

    # (a) placement vs bound
    cases = towns(args.seeds, folder)
    jobs = [
        {"kind": "solve", "path": str(p), "time_limit": 10.0, "seed": 1, "max_iterations": 3000}
        for _, _, p in cases
    ]
    placement = {name: run_worker("floor", tree, jobs) for name, tree in trees.items()}
    lines = [
        "(a) Placement on towns of 300 people without venues (`bench/town.py`, venues removed; "
        "3,000 iterations per block, seed 1).",
        "",
        "| town | seed | placed before | placed after | bound (after) | proven maximal "
        "| seconds before / after |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, (variant, seed, _) in enumerate(cases):
        old, new = placement["before"][k], placement["after"][k]
        proven = "yes" if new["placed"] == new["bound"] else "no"
        lines.append(
            f"| {variant} | {seed} | {old['placed']} | {new['placed']} | {new['bound']} "
            f"| {proven} | {old['seconds']:.2f} / {new['seconds']:.2f} |"
        )
    for variant in ("no venues", "no venues + language"):
        ks = [k for k, c in enumerate(cases) if c[0] == variant]
        left_old = sum(placement["before"][k]["unplaced"] for k in ks)
        left_new = sum(placement["after"][k]["unplaced"] for k in ks)
        gap = sum(placement["after"][k]["bound"] - placement["after"][k]["placed"] for k in ks)
        lines.append(
            f"| **{variant}, total unplaced** | | {left_old} | {left_new} "
            f"| {gap} above the bound's reach | | |"
        )
    print("\n".join(lines), flush=True)

    # (b) quality under a CPU hog
    nights = evenings(list(range(1, args.evenings + 1)), folder)
    reference = [
        run_worker(
            "floor", ROOT, [{"kind": "solve", "path": str(p), "time_limit": 2.0, "seed": 1}]
        )[0]
        for p in nights
    ]
    bks = best_known()
    until = time.monotonic() + 240.0  # the hogs stop by themselves, whatever happens
    hogs = [multiprocessing.Process(target=_busy, args=(until,), daemon=True) for _ in range(2)]
    for h in hogs:
        h.start()
    load_hog: tuple[float, float, float] = (0.0, 0.0, 0.0)
    try:
        mdgp: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        night: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for inst in MDGP_INSTANCES:
            family = inst.split("_")[0]
            path = MDGP / family / f"{inst}.txt"
            for name, tree in trees.items():
                job = {"kind": "mdgp", "path": str(path), "time_limit": args.time_limit, "seed": 1}
                mdgp[name].append(run_worker("floor", tree, [job])[0])
        for p in nights:
            for name, tree in trees.items():
                job = {"kind": "solve", "path": str(p), "time_limit": args.time_limit, "seed": 1}
                night[name].append(run_worker("floor", tree, [job])[0])
        load_hog = os.getloadavg()
    finally:
        for h in hogs:
            h.terminate()
            h.join()
    limit = f"{args.time_limit:g}"
    lines += [
        "",
        f"(b) Quality at a {limit}-s limit under 2 busy-loop processes (first solve of a "
        "fresh process each). MDGPLIB: objective / best known.",
        "",
        "| instance | before | after | seconds before / after |",
        "|---|---|---|---|",
    ]
    ratios: dict[str, list[float]] = {name: [] for name in trees}
    for k, inst in enumerate(MDGP_INSTANCES):
        old, new = mdgp["before"][k], mdgp["after"][k]
        r_old, r_new = old["objective"] / bks[inst], new["objective"] / bks[inst]
        ratios["before"].append(r_old)
        ratios["after"].append(r_new)
        lines.append(
            f"| {inst} | {r_old:.4f} | {r_new:.4f} | {old['seconds']:.2f} / {new['seconds']:.2f} |"
        )
    lines.append(
        f"| **min / mean** | {min(ratios['before']):.4f} / "
        f"{sum(ratios['before']) / len(ratios['before']):.4f} | {min(ratios['after']):.4f} / "
        f"{sum(ratios['after']) / len(ratios['after']):.4f} | |"
    )
    lines += [
        "",
        "Evenings of 200, 3 rounds, tables of 4-5, 20 pairs apart, 5 together: diversity "
        "as a ratio to the current engine's 2-s run without the hog; repeats; lift over random.",
        "",
        "| evening | ratio before | ratio after | repeats before / after (2-s ref) "
        "| lift before / after | seconds before / after |",
        "|---|---|---|---|---|---|",
    ]
    for k, p in enumerate(nights):
        old, new, ref = night["before"][k], night["after"][k], reference[k]
        lines.append(
            f"| {p.stem} | {old['diversity'] / ref['diversity']:.4f} "
            f"| {new['diversity'] / ref['diversity']:.4f} "
            f"| {old['repeats']} / {new['repeats']} ({ref['repeats']}) "
            f"| {old['lift']:.3f} / {new['lift']:.3f} | {old['seconds']:.2f} / "
            f"{new['seconds']:.2f} |"
        )
    lines += ["", *NOTES]
    elapsed = time.perf_counter() - began
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(
        [
            f"Run {stamp}: `{command}` ({elapsed:.0f} s). Previous engine: `{args.base}` "
            "(git archive into a temporary directory); current: the working tree. "
            f"The 2-core machine was loaded by other engineers' tests: load average "
            f"{load_before[0]:.1f} before, {load_hog[0]:.1f} with the hogs.",
            "",
            *lines,
        ]
    )
    print(body)
    if args.write:
        sys.path.insert(0, str(ROOT / "bench"))
        from results import write_section

        write_section("Placement and quality floor (issue 13)", body)


if __name__ == "__main__":
    main()
