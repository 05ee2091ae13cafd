"""Mixing potential (issue 14): does the what-if analysis predict what a change gives?

    nice .venv/bin/python bench/potential.py [--time-limit 3] [--seed 1]

Two segregated towns from `bench/town.py`'s generator: one where travel binds (a
spread-out town, small neighbourhoods) and one where venues and times bind (venues
open on 2 slots only, 8 circles each). For each: the analysis (baseline, every
relaxation, the levers, each lever both recomposing everything and keeping today's
circles), then the top lever APPLIED (`apply_change`) and the problem re-solved with
another seed, both ways, as a facilitator would: each FIGURE predicted against the one
obtained (placed, entre-soi per criterion: |obtained - predicted| / predicted), and the
gains beside them (relative errors on near-zero gains mean little). Prints a Markdown
section for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from town import make_town  # noqa: E402

from tierslien.mixing import Problem, solve  # noqa: E402
from tierslien.mixing.potential import (  # noqa: E402
    Analysis,
    Change,
    Figures,
    analyse,
    apply_change,
    figures_of,
)
from tierslien.mixing.potential.analyse import lever_text  # noqa: E402

TOWNS: dict[str, tuple[int, dict[str, Any]]] = {
    "travel binds": (300, {"density": 20.0, "hood_size": 75}),
    "venues and times bind": (
        600,
        {"hood_size": 150, "venue_slots": 2, "capacity": 8, "people_per_venue": 200},
    ),
}


def _es(figures: Figures) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in figures.entre_soi.items())


def _row(name: str, change: Change | None, figures: Figures, seconds: str) -> str:
    gain = f"{change.gain_placed:+d}" if change else ""
    moved = str(change.changed) if change else ""
    kept = change.kept if change else None
    kept_text = kept_moved = ""
    if change is not None and kept is not None:
        kept_text = f"{kept.placed} {change.kept_gain_placed:+d}; {_es(kept)}"
        kept_moved = str(change.kept_changed)
    return (
        f"| {name} | {figures.placed} {gain} | {_es(figures)} | {moved} "
        f"| {kept_text} | {kept_moved} | {seconds} |"
    )


def _relative(predicted: float, obtained: float) -> str:
    if abs(predicted) < 1e-9:
        return "0 %" if abs(obtained) < 1e-9 else "n/a (predicted 0)"
    return f"{100 * abs(obtained - predicted) / abs(predicted):.1f} %"


def _check(way: str, base: Figures, predicted: Figures, obtained: Figures) -> list[str]:
    """Rows: each figure predicted vs obtained, then the gains beside it."""
    rows = [
        f"| {way} | placed | {base.placed} | {predicted.placed} | {obtained.placed} "
        f"| **{_relative(predicted.placed, obtained.placed)}** "
        f"| {predicted.placed - base.placed:+d} / {obtained.placed - base.placed:+d} |"
    ]
    for name, before in base.entre_soi.items():
        p, o = predicted.entre_soi[name], obtained.entre_soi[name]
        rows.append(
            f"| {way} | entre-soi {name} | {before:.3f} | {p:.3f} | {o:.3f} "
            f"| **{_relative(p, o)}** | {before - p:+.3f} / {before - o:+.3f} |"
        )
    return rows


def run(label: str, n: int, knobs: dict[str, Any], seed: int, time_limit: float) -> list[str]:
    problem = Problem.from_dict(make_town(n, seed, **knobs))
    sectors = {p.id: str(p.attributes["neighbourhood"]) for p in problem.people}
    analysis: Analysis = analyse(problem, sectors=sectors, time_limit=time_limit, seed=seed)
    per_solve = analysis.elapsed / max(1, analysis.solves)
    knob_text = ", ".join(f"{k}={v}" for k, v in knobs.items())
    out = [
        f"### {label}: {n} people (`make_town({n}, {seed}, {knob_text})`)",
        "",
        f"Analysis: {analysis.solves} solves in {analysis.elapsed:.1f} s "
        f"({per_solve:.1f} s per solve, time limit {time_limit:g} s); sectors = neighbourhoods.",
        "",
        "| solve | placed (gain) | entre-soi | circles changed "
        "| keeping today's circles: placed (gain); entre-soi | circles changed | |",
        "|---|---|---|---|---|---|---|",
        _row("baseline", None, analysis.baseline, f"bound ratio {analysis.baseline.ratio:.3f}"),
    ]
    for change in analysis.relaxations:
        out.append(_row(f"relax {change.kind}", change, change.figures, ""))
    for change in analysis.levers:
        out.append(_row(f"lever: {lever_text(change)}", change, change.figures, ""))
    top_relax = analysis.costliest
    out += [
        "",
        f"Costliest constraint: **{top_relax.kind if top_relax else 'none'}**. "
        f"Top lever: **{lever_text(analysis.levers[0]) if analysis.levers else 'none'}**.",
    ]
    if not analysis.levers:
        return [*out, ""]
    top = analysis.levers[0]
    changed = apply_change(problem, top.kind, top.params, sectors=sectors)
    base = analysis.baseline
    started = time.perf_counter()
    again = figures_of(solve(changed, time_limit=time_limit, seed=seed + 100))
    took = time.perf_counter() - started
    out += [
        "",
        f"Applying the top lever and re-solving with seed {seed + 100} instead of {seed} "
        f"(recomposing: {took:.1f} s):",
        "",
        "| way | figure | baseline | predicted | obtained "
        "| \\|obtained − predicted\\| / predicted | gain predicted / obtained |",
        "|---|---|---|---|---|---|---|",
        *_check("recomposing", base, top.figures, again),
    ]
    if top.kept is not None:
        kept_again = figures_of(
            solve(changed, time_limit=time_limit, seed=seed + 100, previous=base.solution())
        )
        out += _check("keeping today's circles", base, top.kept, kept_again)
    return [*out, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=3.0, help="per solve")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    lines = [
        f"Run on {today}: `nice .venv/bin/python bench/potential.py --time-limit "
        f"{args.time_limit:g} --seed {args.seed}` (no max_iterations: anytime solves).",
        "",
    ]
    for label, (n, knobs) in TOWNS.items():
        lines += run(label, n, knobs, args.seed, args.time_limit)
        print("\n".join(lines), flush=True)
        lines = []


if __name__ == "__main__":
    main()
