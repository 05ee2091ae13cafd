"""Which sites host the groups: closing groups and several constructions, before and after.

    nice .venv/bin/python bench/layouts.py [--base 904c198] [--seeds 1 2 3 4] [--time-limit 5]
        [--write]

The search moves people between groups, never a group to another site, so the
construction's choice of venues and times bounds what it reaches: on the demo
town's open season one 5-s solve gave a diversity anywhere in 135-143 depending
on the seed (bench/RESULTS.md, "Mixing potential on the demo town"). Problems:

- the demo town's season open for registration (`load_demo` in a throw-away
  SQLite database, `circles.engine.build_problem`): the composition's problem
  (every question, sensitive ones included), and the analysis' problem
  (`potential.jobs.with_stand_ins`: the shown questions plus seeded stand-ins);
  entre-soi is read without the sensitive questions or stand-ins, as the pages do;
- the two what-if towns of bench/potential.py (travel binds: 300 people;
  venues and times bind: 600) and the 1,000-person town of bench/town.py
  (8.4 s, as in its flat-budget row).

Each engine runs in its own worker process (its tree first on `sys.path`, as
bench/engines.py does), after `warm_up()`, each problem with every seed. Printed
per problem and engine: diversity min-max and spread (max/min - 1), lift over
random, number of groups, placed, entre-soi per shown categorical criterion
(mean and min-max over seeds), and the wall time of one solve.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE = "904c198"  # the engine before closing groups and several constructions
SECTION = "Layouts: closing groups and several constructions (issue 13/14)"


# ----- worker side: a fresh process with one engine first on sys.path -----


def worker(tree: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sys.path.insert(0, tree)
    import tierslien.mixing as mixing

    assert mixing.__file__ is not None and mixing.__file__.startswith(tree), mixing.__file__
    mixing.warm_up()
    out = []
    for job in jobs:
        problem = mixing.Problem.from_json(job["path"])
        result = mixing.solve(problem, time_limit=job["time_limit"], seed=job["seed"])
        figures = mixing.figures_of(result, frozenset(job["without"]))
        out.append(
            {
                "name": job["name"],
                "seed": job["seed"],
                "diversity": result.report.diversity,
                "lift": result.report.lift,
                "groups": len(result.solution.rounds[0].groups),
                "placed": result.report.placed,
                "entre_soi": figures.entre_soi,
                "seconds": result.elapsed,
            }
        )
    return out


# ----- parent side -----


def demo_problems(folder: Path) -> list[tuple[str, Path, list[str]]]:
    """The demo season's two problems as JSON files, with the criteria no figure shows."""
    code = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
os.environ["DATABASE_URL"] = "sqlite:///{folder}/demo.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
os.environ["LOG_LEVEL"] = "WARNING"
import django
django.setup()
from django.conf import settings
settings.DEBUG = True  # load_demo is for development databases
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_demo", stdout=open(os.devnull, "w"))
from tierslien.circles.engine import build_problem
from tierslien.circles.models import Season, SeasonState
from tierslien.demo import territory as demo
from tierslien.potential.jobs import with_stand_ins
territory = demo.ensure_territory()
built = build_problem(Season.objects.get(territory=territory, state=SeasonState.OPEN))
json.dump(built.problem.to_dict(), open("{folder}/demo-composition.json", "w"))
analysis, hidden = with_stand_ins(built, territory.pk, 1)
json.dump(analysis.to_dict(), open("{folder}/demo-analysis.json", "w"))
print(json.dumps([sorted(built.sensitive), sorted(hidden)]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=folder
    )
    sensitive, hidden = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        ("demo season, composition", folder / "demo-composition.json", sensitive),
        ("demo season, analysis", folder / "demo-analysis.json", hidden),
    ]


def town_problems(folder: Path) -> list[tuple[str, Path, list[str]]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from town import make_town

    specs = [
        ("travel binds, 300", 300, {"density": 20.0, "hood_size": 75}),
        (
            "venues and times bind, 600",
            600,
            {"hood_size": 150, "venue_slots": 2, "capacity": 8, "people_per_venue": 200},
        ),
        ("town of 1,000", 1000, {}),
    ]
    out = []
    for name, n, knobs in specs:
        path = folder / f"town-{n}.json"
        path.write_text(json.dumps(make_town(n, 1, **knobs)))
        out.append((name, path, []))
    return out


def spread(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f}–{high:.1f} ({100 * (high / low - 1):.1f} %)" if low > 0 else "—"


def _range(values: list[int]) -> str:
    return f"{values[0]}–{values[-1]}" if len(values) > 1 else str(values[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help="the previous engine's commit")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from engines import old_tree, run_worker
    from results import write_section

    command = shlex.join([".venv/bin/python", "bench/layouts.py", *sys.argv[1:]])
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="layouts-bench-"))
    problems = demo_problems(folder) + town_problems(folder)
    jobs = [
        {
            "name": name,
            "path": str(path),
            "without": without,
            "seed": seed,
            "time_limit": 8.4 if name == "town of 1,000" else args.time_limit,
        }
        for name, path, without in problems
        for seed in args.seeds
    ]
    trees = {"before": old_tree(args.base), "after": ROOT}
    runs = {label: run_worker("layouts", tree, jobs) for label, tree in trees.items()}

    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"Command: `{command}` — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, before = "
        f"{args.base} (git archive), after = the working tree at {sha}, seeds "
        f"{', '.join(map(str, args.seeds))}, {args.time_limit:g} s per solve (town of 1,000: "
        f"8.4 s); load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(2 shared cores).",
        "",
        "| problem | engine | diversity min–max (spread) | lift | groups | placed "
        "| entre-soi per shown criterion, mean (min–max) | s per solve |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, _path, _without in problems:
        for label in ("before", "after"):
            rows = [r for r in runs[label] if r["name"] == name]
            criteria = sorted({c for r in rows for c in r["entre_soi"]})
            cells = []
            for c in criteria:
                values = [r["entre_soi"][c] for r in rows if c in r["entre_soi"]]
                cells.append(
                    f"{c} {statistics.mean(values):.2f} ({min(values):.2f}–{max(values):.2f})"
                )
            groups = sorted({r["groups"] for r in rows})
            placed = sorted({r["placed"] for r in rows})
            lines.append(
                f"| {name} | {label} | {spread([r['diversity'] for r in rows])} | "
                f"{statistics.mean(r['lift'] for r in rows):.3f} | "
                f"{_range(groups)} | {_range(placed)} | {'; '.join(cells) or '—'} | "
                f"{statistics.mean(r['seconds'] for r in rows):.1f} |"
            )
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
