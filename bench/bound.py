"""The upper bound that knows who can meet whom (issue 14, item 1), side by side
with the separable bound.

    nice .venv/bin/python bench/bound.py --sizes 300 1000 3000 --seed 1 --write

Towns of bench/town.py (segregated neighbourhoods, venues, slots, travel), and the
two segregated towns of bench/potential.py (travel binds; venues and times bind):
the engine solves each with a fixed seed and time; then the separable bound (the
report's `separable_bound`), the meeting bounds of bound.py for the same placed
people and sizes (few-valued criteria counted apart + the rest through the star,
and every criterion through the star), the bound for any grouping of the round,
the separable bound summed over the components of people who can never share a
group, the report's `upper_bound` (the smallest), the ratios before and after, and the
time of the bound. Then every MDGPLIB instance (read in place from
../shared/benchmarks/mdgp/): the bound must not be below the best known value.
The demo town is not measured: it is built through Django models (tierslien/demo).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from potential import TOWNS  # noqa: E402
from results import write_section  # noqa: E402
from town import make_town  # noqa: E402

from tierslien.mixing import Problem, SolveParams, solve  # noqa: E402
from tierslien.mixing.bound import (  # noqa: E402
    categorical_pairs_bound,
    few_valued,
    matrix_bound,
    meeting_bound,
    meeting_components,
    most_pairs,
    site_lp_bound,
)
from tierslien.mixing.distance import encode  # noqa: E402
from tierslien.mixing.mdgp import read_mdgp  # noqa: E402
from tierslien.mixing.report import (  # noqa: E402
    build_report,
    component_bounds,
    criterion_bound,
)

DATA = next(
    (
        d
        for d in (
            ROOT.parent / "shared" / "benchmarks" / "mdgp",
            Path("/work/shared/benchmarks/mdgp"),
        )
        if d.is_dir()
    ),
    ROOT.parent / "shared" / "benchmarks" / "mdgp",
)
TITLE = "Upper bound (issue 14, item 1)"
TIME_LIMIT = {300: 5.0, 1000: 10.0, 3000: 20.0}


def town_row(n: int, seed: int, knobs: dict[str, Any] | None = None) -> dict[str, Any]:
    problem = Problem.from_dict(make_town(n, seed, **(knobs or {})))
    enc = encode(problem)
    result = solve(problem, time_limit=TIME_LIMIT.get(n, 20.0), seed=seed, params=SolveParams())
    solution = result.solution
    started = time.perf_counter()
    report = build_report(problem, enc, solution)
    report_s = time.perf_counter() - started
    groups = [[problem.index[m] for m in g.members] for g in solution.rounds[0].groups]
    placed = np.array([i for g in groups for i in g], dtype=np.int64)
    sizes = [len(g) for g in groups]
    few = few_valued(enc)
    counted = sum(criterion_bound(enc.criteria[c], placed, sizes) for c in few)
    refined = 0.0  # the separable bound with unanswered categorical answers counted exactly
    terms = []
    for ec in enc.criteria:
        cb = criterion_bound(ec, placed, sizes)
        if ec.codes is not None and (ec.codes[placed] < 0).any():
            cb = min(cb, ec.scale * categorical_pairs_bound(ec.codes[placed], sizes))
        refined += cb
        terms.append(cb)
    started = time.perf_counter()
    labels = meeting_components(problem, people=placed)
    apart = component_bounds(problem, enc, [np.array(g, dtype=np.int64) for g in groups])
    per_component = refined if apart is None else min(refined, apart[0] + float(apart[1].sum()))
    components_s = time.perf_counter() - started
    if apart is not None:
        terms = [min(t, float(a)) for t, a in zip(terms, apart[1], strict=True)]
    started = time.perf_counter()
    others = sum(t for t, ec in zip(terms, enc.criteria, strict=True) if ec.codes is None)
    site_lp = others + site_lp_bound(problem, enc, placed, sizes, caps=terms)
    site_lp_s = time.perf_counter() - started
    split = meeting_bound(problem, enc, people=placed, sizes=sizes, without=few)
    every = meeting_bound(problem, enc, people=placed, sizes=sizes)
    anyone = meeting_bound(problem, enc)
    assert report.separable_bound is not None
    return {
        "n": n,
        "found": report.diversity,
        "separable": report.separable_bound,
        "refined": refined,
        "components": len(set(labels[placed].tolist())),
        "per_component": per_component,
        "components_s": components_s,
        "site_lp": site_lp,
        "site_lp_s": site_lp_s,
        "split": counted + split.value,
        "split_star": counted + split.star,
        "split_it": split.iterations,
        "split_s": split.seconds,
        "every": every.value,
        "every_s": every.seconds,
        "any": anyone.value,
        "options": split.options,
        "upper": report.upper_bound,
        "before": report.diversity / report.separable_bound,
        "after": report.ratio_to_bound,
        "report_s": report_s,
    }


def mdgp_rows() -> list[dict[str, Any]]:
    with (DATA / "bks.csv").open() as handle:
        best_known = {r["instance"]: float(r["best_known"]) for r in csv.DictReader(handle)}
    rows = []
    for path in sorted(DATA.glob("*/*.txt")):
        if path.parent.name == "solutions":
            continue
        inst = read_mdgp(path)
        w = inst.distances
        upper = w[np.triu_indices(inst.n, 1)]
        k = most_pairs(inst.min_size.tolist(), inst.max_size.tolist(), inst.n)
        separable = float(np.sort(upper)[::-1][:k].sum())
        started = time.perf_counter()
        found = matrix_bound(w, inst.min_size.tolist(), inst.max_size.tolist())
        seconds = time.perf_counter() - started
        bks = best_known[inst.name]
        rows.append(
            {
                "name": inst.name,
                "family": path.parent.name,
                "n": inst.n,
                "bks": bks,
                "separable": separable,
                "bound": found.value,
                "valid": found.value >= bks - 1e-6 * abs(bks),
                "s": seconds,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 1000, 3000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-mdgp", action="store_true")
    parser.add_argument("--write", action="store_true", help="store in bench/RESULTS.md")
    args = parser.parse_args()
    command = "nice .venv/bin/python bench/bound.py " + shlex.join(sys.argv[1:])
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Command: `{command}` — {when}, 1 process.",
        "",
        "Towns of bench/town.py (seed "
        f"{args.seed}), solved by the engine (seed {args.seed}, time limit "
        + ", ".join(f"{TIME_LIMIT.get(n, 20.0):g} s at {n:,}" for n in args.sizes)
        + "). Bounds for the round's placed people and group sizes, as in the report: "
        "*separable* = `separable_bound` (each criterion alone); *unanswered* = the "
        "same with unanswered categorical answers counted by `categorical_pairs_bound`; "
        "*split* = criteria with ≤ 3 answers counted alone + the others through the "
        "star relaxation over sites with its Lagrangian (bound.py, its own 150 "
        "iterations / 2 s, `star` = before iterating); *all star* = every criterion "
        "through the star; *any* = the star for any grouping of the round (no placed "
        "set, no sizes); *per component* = the *unanswered* bound summed over the "
        "components of `meeting_components` (people linked by usable sites: who can never "
        "share a group is bounded apart, each component with the sizes of its groups); "
        "*site LP* = `site_lp_bound` for the categorical criteria (people fractionally "
        "assigned to the sites they can use, capacities, one assignment for every criterion, "
        "each capped by its *per component* term) + the others' *per component* terms; "
        "*upper* = the report's `upper_bound` (the smallest); ratio = "
        "best found / bound; comp. s = the components and their bounds; report s = the "
        "whole `build_report`; LP s = the site LP. The last two rows are the segregated towns of "
        "bench/potential.py (same builder, its knobs; time limit by size as above).",
        "",
        "| town | n | components | options | best found | separable | unanswered "
        "| per component | site LP | split (star) | all star | any "
        "| upper | ratio before | ratio after | comp. s | LP s | split s | report s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    towns: list[tuple[str, int, dict[str, Any]]] = [("town.py", n, {}) for n in args.sizes]
    towns += [(label, n, knobs) for label, (n, knobs) in TOWNS.items()]
    for label, n, knobs in towns:
        r = town_row(n, args.seed, knobs)
        lines.append(
            f"| {label} | {n:,} | {r['components']} | {r['options']} | {r['found']:.2f} | "
            f"{r['separable']:.2f} | {r['refined']:.2f} | {r['per_component']:.2f} | "
            f"{r['site_lp']:.2f} | "
            f"{r['split']:.2f} ({r['split_star']:.2f}, {r['split_it']} it) | {r['every']:.2f} | "
            f"{r['any']:.2f} | {r['upper']:.2f} | {r['before']:.4f} | {r['after']:.4f} | "
            f"{r['components_s']:.2f} | {r['site_lp_s']:.2f} | {r['split_s']:.2f} | "
            f"{r['report_s']:.2f} |"
        )
        print(lines[-1], flush=True)
    if not args.no_mdgp:
        rows = mdgp_rows()
        lines += [
            "",
            f"MDGPLIB, every instance in {DATA} "
            f"({len(rows)} files): bound = `matrix_bound` (star + Lagrangian, everyone placed, "
            "between min − 1 and max − 1 partners, a price on partners for the most pairs "
            "the sizes allow); separable = the report's bound for a "
            "matrix (the largest pair values, as many as the sizes allow pairs). "
            "Ratio = best known / bound (1 = the bound is the best known value).",
            "",
            "| family | n | instances | bound ≥ best known | mean ratio separable "
            "| mean ratio bound | bound < separable | max bound s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        keys = sorted({(r["family"], r["n"]) for r in rows})
        for family, n in keys:
            sub = [r for r in rows if r["family"] == family and r["n"] == n]
            lines.append(
                f"| {family} | {n} | {len(sub)} | {sum(r['valid'] for r in sub)} | "
                f"{np.mean([r['bks'] / r['separable'] for r in sub]):.4f} | "
                f"{np.mean([r['bks'] / r['bound'] for r in sub]):.4f} | "
                f"{sum(r['bound'] < r['separable'] for r in sub)} | "
                f"{max(r['s'] for r in sub):.2f} |"
            )
            print(lines[-1], flush=True)
        invalid = [r["name"] for r in rows if not r["valid"]]
        below = ", ".join(invalid) or "none"
        lines += ["", f"Instances where the bound is below the best known value: {below}."]
        if invalid or any(math.isinf(r["bound"]) for r in rows):
            print("INVALID:", invalid, file=sys.stderr)
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section(TITLE, body)


if __name__ == "__main__":
    main()
