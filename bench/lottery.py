"""Seat lottery benchmark: our maximin against the Sortition Foundation's, side by side.

Instances: Flanigan et al.'s public examples in ../shared/benchmarks/sortition/
(example_small_20: pool 200, k=20; example_large_200: pool 2000, k=200) and a
synthetic pool of 500 applicants with four criteria and 40 seats (seeded,
self-selected pool skewed away from the population; quotas = population shares
+/- 5 points). Pools like the web app's themed meetings, `app_N_K` (N
applicants, K seats, four door questions with 4 to 8 answers including
`undisclosed`, hundreds of applicant types), test what column generation does
with many types; `app_N_K_own` are like bench/meeting_draw.py's pools: quotas =
the applicants' OWN shares +/- 5 points, where everyone can get k/n. For each:
the smallest selection probability, the runtime of the whole lottery
computation, and whether every panel of the lottery (and the drawn one) meets
the quotas. The reference is `sortition-algorithms` (PyPI, maximin with HiGHS),
run in a subprocess with a time limit so that runs stay bounded; `--baseline
COMMIT` also runs our library as it was at COMMIT (before/after, same run).

Example: .venv/bin/python bench/lottery.py --write
         .venv/bin/python bench/lottery.py --baseline 297a79b --no-reference --previous-reference
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if len(sys.argv) > 2 and sys.argv[1] == "--code":  # a baseline run: older library code first
    sys.path.insert(0, sys.argv[2])
    del sys.argv[1:3]

from results import write_section  # noqa: E402

from tierslien.lottery import (  # noqa: E402
    LotteryProblem,
    Pool,
    diagnose,
    population_shares,
    proportional_quotas,
    read_quotas,
    rng_for_seed,
    select,
)

DATA = ROOT.parent / "shared" / "benchmarks" / "sortition"
INSTANCES = (
    "example_small_20",
    "synthetic_500_40",
    "example_large_200",
    "app_200_60",
    "app_1000_80",
    "app_3000_100",
    "app_1000_40_own",
)
SEED = 20261126
PREVIOUS_REFERENCE = {  # sortition-algorithms 0.12.15, measured 2026-11-26 02:49 UTC (load ~9)
    "example_small_20": {"min": 0.1, "seconds": 93.28, "panels": 19, "quotas_ok": True},
    "synthetic_500_40": {"min": 0.052174, "seconds": 210.58, "panels": 238, "quotas_ok": True},
    "example_large_200": {"timeout": True, "seconds": 1200.0},
}


@dataclass(frozen=True)
class Instance:
    name: str
    problem: LotteryProblem
    note: str


def published_instance(name: str) -> Instance:
    folder = DATA / name
    with (folder / "respondents.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    pool = Pool.from_records([{"id": f"p{i:04d}", **row} for i, row in enumerate(rows)])
    seats = int(name.rsplit("_", 1)[1])
    return Instance(
        name, LotteryProblem(pool, read_quotas(folder / "categories.csv"), seats), "published"
    )


def synthetic_instance(n: int = 500, seats: int = 40, seed: int = 7) -> Instance:
    """A self-selected pool: older, more educated, some areas keener than the population."""
    rng = np.random.default_rng(seed)
    population = {
        "gender": {"woman": 0.51, "man": 0.47, "other": 0.02},
        "age": {"18-29": 0.20, "30-44": 0.25, "45-64": 0.33, "65+": 0.22},
        "area": {"centre": 0.30, "north": 0.25, "south": 0.20, "east": 0.15, "west": 0.10},
        "education": {"none": 0.30, "school": 0.45, "university": 0.25},
    }
    pool_shares = {
        "gender": [0.60, 0.38, 0.02],
        "age": [0.10, 0.20, 0.35, 0.35],
        "area": [0.40, 0.25, 0.15, 0.12, 0.08],
    }
    education_by_area = {  # applicants' education depends on where they live
        "centre": [0.08, 0.32, 0.60],
        "north": [0.15, 0.40, 0.45],
        "south": [0.25, 0.45, 0.30],
        "east": [0.30, 0.45, 0.25],
        "west": [0.20, 0.40, 0.40],
    }
    records = []
    for i in range(n):
        record = {"id": f"s{i:04d}"}
        for criterion, shares in pool_shares.items():
            values = list(population[criterion])
            record[criterion] = values[int(rng.choice(len(values), p=shares))]
        educations = list(population["education"])
        record["education"] = educations[int(rng.choice(3, p=education_by_area[record["area"]]))]
        records.append(record)
    pool = Pool.from_records(records)
    quotas = proportional_quotas(population, seats, tolerance=0.05)
    problem = LotteryProblem(pool, quotas, seats)
    if not diagnose(problem).feasible:
        raise SystemExit("synthetic instance: quotas infeasible, change the seed")
    return Instance(f"synthetic_{n}_{seats}", problem, f"generated, seed {seed}")


def app_instance(n: int = 1000, seats: int = 80, seed: int = 11) -> Instance:
    """Like the web app's themed meetings: four door questions with 2 to 8 answers each,
    "prefer not to say" (`undisclosed`, about 10 % on every question) its own category,
    a pool skewed away from the population, quotas = population shares +/- 5 points.
    About 590 applicant types for 1000 applicants."""
    rng = np.random.default_rng(seed)
    population = {
        "age": {
            "18-24": 0.10,
            "25-34": 0.16,
            "35-44": 0.16,
            "45-54": 0.16,
            "55-64": 0.14,
            "65-74": 0.10,
            "75+": 0.08,
        },
        "gender": {"woman": 0.47, "man": 0.42, "other": 0.01},
        "area": {
            "centre": 0.18,
            "north": 0.15,
            "south": 0.14,
            "east": 0.12,
            "west": 0.12,
            "harbour": 0.10,
            "hills": 0.09,
        },
        "education": {"primary": 0.15, "secondary": 0.35, "vocational": 0.17, "university": 0.23},
    }
    pool_shares = {  # who applies: older, women, the centre, graduates
        "age": [0.07, 0.11, 0.14, 0.17, 0.19, 0.18, 0.14],
        "gender": [0.55, 0.42, 0.03],
        "area": [0.24, 0.15, 0.13, 0.12, 0.13, 0.12, 0.11],
        "education": [0.12, 0.26, 0.20, 0.42],
    }
    undisclosed = 0.10
    shares = {
        criterion: {
            **{v: s * (1 - undisclosed) for v, s in values.items()},
            "undisclosed": undisclosed,
        }
        for criterion, values in population.items()
    }
    records = []
    for i in range(n):
        record = {"id": f"m{i:04d}"}
        for criterion, weights in pool_shares.items():
            values = list(population[criterion])
            if rng.random() < undisclosed:
                record[criterion] = "undisclosed"
            else:
                record[criterion] = values[int(rng.choice(len(values), p=weights))]
        records.append(record)
    pool = Pool.from_records(records)
    quotas = proportional_quotas(shares, seats, tolerance=0.05)
    problem = LotteryProblem(pool, quotas, seats)
    if not diagnose(problem).feasible:
        raise SystemExit("app instance: quotas infeasible, change the seed")
    return Instance(f"app_{n}_{seats}", problem, f"generated, seed {seed}")


OWN_QUESTIONS = {  # the default questionnaire's four questions of bench/meeting_draw.py
    "age_bracket": ["18-24", "25-34", "35-49", "50-64", "65-74", "75+"],
    "gender": ["woman", "man", "other"],
    "occupation": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "education": ["none", "cap", "bac", "bac3", "bac5"],
}


def own_instance(n: int = 1000, seats: int = 40, seed: int = 13) -> Instance:
    """Like bench/meeting_draw.py: four questions, 10 % `undisclosed`, otherwise option i
    (from 1) with weight i; quotas = the pool's OWN shares +/- 5 points (the quota page's
    default when the territory's population resembles the applicants). Then min p = k/n."""
    import random

    rng = random.Random(seed)
    records = []
    for i in range(n):
        record = {"id": f"o{i:04d}"}
        for criterion, values in OWN_QUESTIONS.items():
            if rng.random() < 0.10:
                record[criterion] = "undisclosed"
            else:
                record[criterion] = rng.choices(values, weights=range(1, len(values) + 1))[0]
        records.append(record)
    pool = Pool.from_records(records)
    quotas = proportional_quotas(population_shares(pool), seats, tolerance=0.05)
    problem = LotteryProblem(pool, quotas, seats)
    if not diagnose(problem).feasible:
        raise SystemExit("own instance: quotas infeasible, change the seed")
    return Instance(f"app_{n}_{seats}_own", problem, f"generated, seed {seed}")


def instance(name: str) -> Instance:
    if name.endswith("_own"):
        _, n, seats, _ = name.split("_")
        return own_instance(int(n), int(seats))
    if name.startswith("app"):
        _, n, seats = name.split("_")
        return app_instance(int(n), int(seats))
    return synthetic_instance() if name.startswith("synthetic") else published_instance(name)


def ours(problem: LotteryProblem, repeats: int) -> dict[str, Any]:
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = select(problem, rng=rng_for_seed(SEED))
        times.append(time.perf_counter() - started)
    assert result is not None
    lottery = result.lottery
    quotas_ok = not problem.quota_violations(result.panel.ids)
    rng = rng_for_seed(SEED + 1)
    quotas_ok = quotas_ok and all(
        not problem.quota_violations(lottery.draw(rng).ids) for _ in range(200)
    )
    return {
        "min": float(lottery.min_probability),
        "upper": lottery.upper_bound,
        "seconds": statistics.median(times),
        "panels": len(lottery.compositions),
        "types": len(problem.type_list),
        "quotas_ok": quotas_ok,
        "sum": float(sum(lottery.probabilities.values())),
    }


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def reference_worker(name: str) -> dict[str, Any]:
    """Run sortition-algorithms' maximin on one instance (in a subprocess)."""
    import logging

    from sortition_algorithms.adapters import CSVStringDataSource, SelectionData
    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.core import lottery_rounding
    from sortition_algorithms.settings import Settings

    logging.disable(logging.WARNING)
    problem = instance(name).problem
    pool, quotas = problem.pool, problem.quotas
    features_csv = csv_text(
        ["feature", "value", "min", "max"],
        [[q.criterion, q.value, str(q.min), str(q.max)] for q in quotas.rows],
    )
    people_csv = csv_text(
        ["id", *pool.criteria],
        [[ident, *values] for ident, values in zip(pool.ids, pool.values, strict=True)],
    )
    data = SelectionData(CSVStringDataSource(features_csv, people_csv))
    features, _ = data.load_features(problem.seats)
    people, _ = data.load_people(Settings(id_column="id", columns_to_keep=[]), features)
    started = time.perf_counter()
    committees, probabilities, _ = find_distribution_maximin(features, people, problem.seats, [])
    seconds = time.perf_counter() - started
    marginals = dict.fromkeys(pool.ids, 0.0)
    for committee, probability in zip(committees, probabilities, strict=True):
        for ident in committee:
            marginals[ident] += probability
    used = [c for c, p in zip(committees, probabilities, strict=True) if p > 1e-12]
    drawn = lottery_rounding(committees, probabilities, 1)[0]
    quotas_ok = all(not problem.quota_violations(sorted(c)) for c in [*used, drawn])
    return {
        "min": min(marginals.values()),
        "seconds": seconds,
        "panels": len(used),
        "quotas_ok": quotas_ok,
        "sum": sum(marginals.values()),
    }


def baseline(name: str, commit: str, repeats: int, timeout: float) -> dict[str, Any]:
    """`ours` with the library as it was at `commit` (`engines.old_tree`), in a fresh
    subprocess."""
    from engines import old_tree

    folder = str(old_tree(commit, "lottery"))
    command = [sys.executable, __file__, "--code", folder, "--ours-worker", name]
    command += ["--repeats", str(repeats)]
    started = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": True, "seconds": time.perf_counter() - started}
    if run.returncode != 0:
        raise SystemExit(f"baseline run failed: {run.stderr.strip()}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def theirs(name: str, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--reference-worker", name]
    started = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": True, "seconds": time.perf_counter() - started}
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1:], "seconds": 0.0}
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| instance | pool | seats | types | min p before | min p now | their min p "
        "| time before | time now | their time | speed-up vs before | vs theirs "
        "| quotas now / theirs | panels now / theirs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for row in rows:
        o, t, b = row["ours"], row["theirs"], row["before"]
        if "min" in t:
            their_min = f"{t['min']:.6f}"
            their_time = seconds(t["seconds"])
            speed = f"{t['seconds'] / o['seconds']:.0f}×"
            their_quotas = "ok" if t["quotas_ok"] else "**violated**"
            their_panels = str(t["panels"])
        elif t.get("timeout"):
            their_min, their_time = "—", f"> {t['seconds']:.0f} s (stopped)"
            speed = f"> {t['seconds'] / o['seconds']:.0f}×"
            their_quotas, their_panels = "—", "—"
        else:
            their_min, their_time, speed, their_quotas, their_panels = ("not run",) + ("—",) * 4
        if "min" in b:
            before_min, before_time = f"{b['min']:.6f}", seconds(b["seconds"])
            gain = f"{b['seconds'] / o['seconds']:.1f}×"
        elif b.get("timeout"):
            before_min, before_time = "—", f"> {b['seconds']:.0f} s (stopped)"
            gain = f"> {b['seconds'] / o['seconds']:.0f}×"
        else:
            before_min, before_time, gain = "not run", "—", "—"
        lines.append(
            f"| {row['name']} | {row['n']} | {row['seats']} | {o['types']} | {before_min} "
            f"| {o['min']:.6f} | {their_min} | {before_time} | {seconds(o['seconds'])} "
            f"| {their_time} | {gain} | {speed} "
            f"| {'ok' if o['quotas_ok'] else '**violated**'} / {their_quotas} "
            f"| {o['panels']} / {their_panels} |"
        )
    for row in rows:
        o, t = row["ours"], row["theirs"]
        if t.get("timeout"):
            best = row["seats"] / row["n"]
            lines.append("")
            lines.append(
                f"{row['name']}: the reference did not finish within {t['seconds']:.0f} s. "
                + (
                    f"Our minimum {o['min']:.6f} = k/n is the largest possible (the "
                    "probabilities sum to k), so no lottery can beat it."
                    if o["min"] >= best - 1e-6
                    else f"Our minimum {o['min']:.6f}, proven optimal within "
                    f"{o['upper'] - o['min']:.1e}."
                )
            )
    return "\n".join(lines)


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours (median kept)")
    parser.add_argument(
        "--baseline", help="also run the library as it was at this git commit (before/after)"
    )
    parser.add_argument("--baseline-repeats", type=int, default=1)
    parser.add_argument(
        "--baseline-timeout", type=float, default=150.0, help="seconds per baseline instance"
    )
    parser.add_argument(
        "--reference-timeout", type=float, default=900.0, help="seconds per reference run"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip sortition-algorithms")
    parser.add_argument(
        "--previous-reference",
        action="store_true",
        help="with --no-reference: show the reference's times measured earlier (2026-11-26)",
    )
    parser.add_argument("--write", action="store_true", help="store in bench/RESULTS.md")
    parser.add_argument("--reference-worker", help=argparse.SUPPRESS)
    parser.add_argument("--ours-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_worker:
        print(json.dumps(reference_worker(args.reference_worker)))
        return 0
    if args.ours_worker:
        print(json.dumps(ours(instance(args.ours_worker).problem, args.repeats)))
        return 0
    load_before = load()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    rows = []
    for name in args.instances.split(","):
        case = instance(name)
        problem = case.problem
        before: dict[str, Any] = {}
        if args.baseline:
            before = baseline(name, args.baseline, args.baseline_repeats, args.baseline_timeout)
            print(f"{name}: before {before}", flush=True)
        mine = ours(problem, args.repeats)
        print(
            f"{name}: ours min {mine['min']:.6f} (bound {mine['upper']:.6f}) "
            f"in {mine['seconds']:.3f} s, quotas {'ok' if mine['quotas_ok'] else 'VIOLATED'}",
            flush=True,
        )
        reference: dict[str, Any] = {}
        if not args.no_reference:
            reference = theirs(name, args.reference_timeout)
            print(f"{name}: theirs {reference}", flush=True)
        elif args.previous_reference:
            reference = PREVIOUS_REFERENCE.get(name, {})
        rows.append(
            {
                "name": name,
                "n": len(problem.pool),
                "seats": problem.seats,
                "ours": mine,
                "before": before,
                "theirs": reference,
            }
        )
    body = table(rows)
    print(body)
    if args.write:
        command = ".venv/bin/python bench/lottery.py " + shlex.join(sys.argv[1:])
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        if args.no_reference and args.previous_reference:
            theirs_note = (
                "Theirs: `sortition-algorithms` 0.12.15 `find_distribution_maximin` (HiGHS), "
                "**not rerun** (93 s + 211 s + over 20 min, beyond this run's budget): times "
                "measured 2026-11-26 02:49 UTC on the same machine under heavier load (about 9)."
            )
        else:
            theirs_note = (
                "Theirs: `sortition-algorithms` `find_distribution_maximin` (HiGHS), one run in "
                f"a subprocess, stopped after {args.reference_timeout:.0f} s."
            )
        before_note = (
            f"Before: the library at commit {args.baseline} (extracted with `git archive`), "
            f"{args.baseline_repeats} run(s) per instance in a fresh subprocess, in the same "
            "run just before ours. "
            if args.baseline
            else ""
        )
        notes = "\n".join(
            [
                f"Measured {now} with `{command.strip()}` on the shared 2-core machine, "
                f"working tree on top of {head}; load average {load_before} at the start, "
                f"{load()} at the end (other benchmarks running: absolute times are noisy).",
                "",
                "Now: `tierslien.lottery.select` (maximin by column generation over applicant "
                "types, HiGHS via SciPy, plus the draw), median of "
                f"{args.repeats} runs. {before_note}{theirs_note} Min p = smallest selection "
                "probability of any applicant; published LEXIMIN minimum on both Flanigan et al. "
                "examples: 0.100000 (= k/n). Quotas: every panel of the lottery and the drawn "
                "panel (ours: also 200 more draws) meet every quota. `app_N_K`: like the web "
                "app's themed meetings (N applicants, K seats, four questions with 4 to 8 "
                "answers including `undisclosed`, about 10 % each; quotas = population "
                "shares ± 5 points). `app_N_K_own`: like bench/meeting_draw.py (the default "
                "questionnaire's four questions, 10 % `undisclosed`, later options more likely; "
                "quotas = the pool's own shares ± 5 points, the quota page's default), where "
                "everyone gets k/n: method 3 splits the pool evenly into quota-meeting panels "
                "(`maximin.even_split`) instead of column generation.",
                "",
                body,
            ]
        )
        write_section("Lottery", notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
