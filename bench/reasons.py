"""Reasons for the unplaced, checked by counterfactual: before vs after, in one run.

    .venv/bin/python bench/reasons.py --sizes 300 1000 3000 --seed 1 --write

Towns from bench/town.py, plus what the circles add: a `shared` criterion
(intention: meet / act / learn, 10 % not answered) and `together` pairs (2 % of
people, each with someone from the same neighbourhood); the "tight" variant
also has 2 tables per venue instead of 12 and travel limits 0.8 times as long,
so that single people are left out too. Each town is solved
once with the construction's reasons (`true_reasons=False`: "before"); the
analysis of `tierslien/mixing/reasons.py` then re-tells them ("after", timed).
Both sets of reasons are checked with the same counterfactual
(`Analysis.confirms`): the person is not placeable as things stand, and
removing the obstacle the reason names makes them placeable. Also counted:
people told "too few nearby" while at least `min_size - 1` compatible people can
meet with them at one venue and time, and "together" pairs told "no place and
time in common" while they have one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import write_section  # noqa: E402
from town import make_town  # noqa: E402

from tierslien.mixing import Problem, SolveParams, solve  # noqa: E402
from tierslien.mixing.reasons import Analysis, reexamined_units, true_reasons  # noqa: E402

INTENTIONS = ["meet", "act", "learn"]


def make_circles_town(n: int, seed: int, *, tight: bool = False) -> dict[str, Any]:
    data = make_town(n, seed)
    if tight:
        for v in data["venues"]:
            v["capacity"] = 2
        for p in data["people"]:
            p["max_km"] = round(p["max_km"] * 0.8, 2)
    rng = np.random.default_rng(seed + 1000)
    data["criteria"].append({"name": "intention", "kind": "categorical", "goal": "shared"})
    people = data["people"]
    for p in people:
        if rng.random() >= 0.10:
            p["attributes"]["intention"] = str(rng.choice(INTENTIONS, p=[0.5, 0.3, 0.2]))
    by_hood: dict[str, list[int]] = {}
    for k, p in enumerate(people):
        by_hood.setdefault(p["attributes"]["neighbourhood"], []).append(k)
    taken: set[int] = set()
    pairs = []
    for k in rng.permutation(n).tolist()[: n // 50]:
        if k in taken:
            continue
        mates = [j for j in by_hood[people[k]["attributes"]["neighbourhood"]] if j not in taken]
        j = int(rng.choice(mates))
        if j != k:
            taken |= {k, j}
            pairs.append([people[k]["id"], people[j]["id"]])
    data["together"] = pairs
    return data


def measure(n: int, seed: int, time_limit: float, tight: bool) -> dict[str, Any]:
    problem = Problem.from_dict(make_circles_town(n, seed, tight=tight))
    params = SolveParams(true_reasons=False)
    result = solve(problem, time_limit=time_limit, seed=seed, params=params)
    before = result.solution
    started = time.perf_counter()
    after = true_reasons(problem, before)
    analysis_s = time.perf_counter() - started
    analysis = Analysis(problem, before)
    units = reexamined_units(problem, before)
    old = {u.id: u.reason for u in before.unplaced}
    new = {u.id: u.reason for u in after.unplaced}
    out: dict[str, Any] = {"town": "tight" if tight else "town", "n": n, "seed": seed}
    out["unplaced"] = len(before.unplaced)
    out["analysis_s"] = round(analysis_s, 2)
    out["pairs"] = len(problem.together)
    for label, reasons in (("before", old), ("after", new)):
        codes: Counter[str] = Counter()
        confirmed = 0
        pair_codes: Counter[str] = Counter()
        for unit in units:
            for i in unit:
                reason = reasons[problem.people[i].id]
                codes[reason.code] += 1
                if len(unit) > 1:
                    pair_codes[reason.code] += 1
                # A unit's members share the reason (partners may differ): check each.
                ok = analysis.confirms(
                    [i] if reason.code == "partner_constraints" else unit, reason
                )
                confirmed += int(ok)
        total = sum(codes.values())
        out[label] = {
            "codes": dict(codes.most_common()),
            "pair_codes": dict(pair_codes.most_common()),
            "confirmed": confirmed,
            "examined": total,
        }
    # The two symptoms, counted on the "before" reasons.
    crowd = 0
    no_common_false = 0
    for unit in units:
        first = old[problem.people[unit[0]].id]
        spot = analysis.best_spot(unit)
        if first.code == "too_few_nearby" and spot and spot.others >= problem.min_size - 1:
            crowd += len(unit)
        if first.code == "together_no_common_site" and not analysis._no_common(unit):
            no_common_false += len(unit)
    out["too_few_but_crowd"] = crowd
    out["no_common_site_but_common"] = no_common_false
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| town | n | unplaced re-examined | confirmed before | confirmed after | analysis s "
        "| 'too few nearby' with ≥ min−1 compatible at one venue/time (before) "
        "| pairs told 'no place and time in common' that have one (before) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        b, a = r["before"], r["after"]
        tot = max(1, b["examined"])
        share_b, share_a = 100 * b["confirmed"] / tot, 100 * a["confirmed"] / tot
        lines.append(
            f"| {r['town']} | {r['n']:,} | {b['examined']} | {b['confirmed']} ({share_b:.0f} %) "
            f"| {a['confirmed']} ({share_a:.0f} %) | {r['analysis_s']} "
            f"| {r['too_few_but_crowd']} | {r['no_common_site_but_common']} |"
        )
    lines += ["", "Reasons by code (people; in brackets: members of `together` pairs):", ""]
    lines += ["| town | n | before | after |", "|---|---|---|---|"]
    for r in rows:
        cells = []
        for side in ("before", "after"):
            codes, pairs = r[side]["codes"], r[side]["pair_codes"]
            cells.append(
                ", ".join(
                    f"{c} {k}" + (f" [{pairs[c]}]" if c in pairs else "") for c, k in codes.items()
                )
            )
        lines.append(f"| {r['town']} | {r['n']:,} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def default_limit(n: int) -> float:
    return 5.0 if n <= 300 else 10.0 if n <= 1000 else 20.0 if n <= 3000 else 40.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--write", action="store_true", help="write the bench/RESULTS.md section")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tight", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        (n,) = args.sizes
        limit = args.time_limit if args.time_limit is not None else default_limit(n)
        print(json.dumps(measure(n, args.seed, limit, args.tight)))
        return
    rows = []
    for tight, n in [(t, n) for t in (False, True) for n in args.sizes]:
        cmd = [sys.executable, __file__, "--one", "--sizes", str(n), "--seed", str(args.seed)]
        cmd += ["--tight"] if tight else []
        if args.time_limit is not None:
            cmd += ["--time-limit", str(args.time_limit)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"n={n}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(done.stdout.strip(), flush=True)
    body = table(rows)
    print(body)
    if args.write:
        command = "nice -n 10 .venv/bin/python bench/reasons.py --sizes " + " ".join(
            str(n) for n in args.sizes
        )
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        write_section(
            "Reasons for the unplaced, checked by counterfactual (issue 'Engine and lottery', 2)",
            f"Command: `{command} --seed {args.seed} --write` — {stamp}, 1 process, "
            "time limit per size: 5 s (300), 10 s (1,000), 20 s (3,000), 40 s (10,000).\n\n"
            + (__doc__ or "").split("\n\n", 2)[2].strip()
            + "\n\n"
            + body,
        )


if __name__ == "__main__":
    main()
