"""MDGPLIB benchmark of the mixing core: ratio to the best known values.

Reads the instances in place from ../shared/benchmarks/mdgp/ (relative to the
repository root), runs `tierslien.mixing.core.improve` on each with a time
limit that depends on n, and prints (and with --write, stores in the "MDGPLIB"
section of bench/RESULTS.md) the mean ratio objective / best known per size,
family and size type.

Example: .venv/bin/python bench/mdgp.py --sizes 120 --write
Before/after in one run: .venv/bin/python bench/mdgp.py --sizes 120 --baseline 904c198
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engines import old_tree  # noqa: E402
from results import append_to_section, write_section  # noqa: E402

from tierslien.mixing.core import CoreInstance, improve, pair_objective  # noqa: E402
from tierslien.mixing.warmup import warm_up as mixing_warm_up  # noqa: E402

# The data sits beside the repository; a worktree one level deeper finds it too.
DATA = next(
    (
        p / "shared" / "benchmarks" / "mdgp"
        for p in ROOT.parents
        if (p / "shared" / "benchmarks" / "mdgp").is_dir()
    ),
    ROOT.parent / "shared" / "benchmarks" / "mdgp",
)
FAMILIES = ("Geo", "RanInt", "RanReal")
DEFAULT_TIME = {10: 0.1, 12: 0.1, 30: 1.0, 60: 2.0, 120: 3.0, 240: 10.0, 480: 30.0}


@dataclass(frozen=True)
class Instance:
    name: str
    weights: np.ndarray
    min_size: np.ndarray
    max_size: np.ndarray


def read_instance(path: Path) -> Instance:
    with path.open() as handle:
        head = handle.readline().split()
        n, m = int(head[0]), int(head[1])
        bounds = np.array([int(x) for x in head[3 : 3 + 2 * m]], dtype=np.int64)
        pairs = np.loadtxt(handle, dtype=np.float64, ndmin=2)
    weights = np.zeros((n, n))
    i = pairs[:, 0].astype(np.int64)
    j = pairs[:, 1].astype(np.int64)
    weights[i, j] = pairs[:, 2]
    weights[j, i] = pairs[:, 2]
    return Instance(path.stem, weights, bounds[0::2].copy(), bounds[1::2].copy())


def check_sizes(inst: Instance, assignment: np.ndarray) -> None:
    """Refuse a result that breaks a group's size bounds (its ratio would mean nothing)."""
    sizes = np.bincount(assignment, minlength=len(inst.min_size))
    if (sizes < inst.min_size).any() or (sizes > inst.max_size).any():
        raise RuntimeError(f"{inst.name}: group sizes {sizes.tolist()} break the bounds")


def numpy_its(
    inst: Instance, *, time_limit: float, seed: int, depth: int = 10_000
) -> tuple[float, int]:
    """The same iterated tabu search in vectorised NumPy (no Numba), for comparison.

    Same start (size profile), neighbourhoods (moves, swaps), tabu rule,
    aspiration, perturbation and restarts as the engine's default; the n x n
    swap gains are recomputed with whole-array operations each iteration.
    Returns (objective, iterations).
    """
    from tierslien.mixing.search import TabuParams, construct, target_sizes

    started = time.perf_counter()
    W = inst.weights
    n, n_groups = W.shape[0], len(inst.min_size)
    lo, hi = inst.min_size, inst.max_size
    rng = np.random.default_rng(seed)
    allowed = np.ones((n, n_groups), dtype=bool)
    sizes = target_sizes(lo, hi, n, float(W.sum() / (n * (n - 1))))
    a = construct(sizes, sizes, allowed, rng)
    p = TabuParams(depth=depth).resolve(n, n_groups)
    tenure, tenure_rand, strength, restart = int(p[1]), int(p[2]), int(p[3]), int(p[4])
    rows = np.arange(n)

    def tables(assign: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        onehot = np.zeros((n, n_groups))
        onehot[rows, assign] = 1.0
        gains = W @ onehot
        return gains, np.bincount(assign, minlength=n_groups), 0.5 * gains[rows, assign].sum()

    C, size, f = tables(a)
    best_a, best_f = a.copy(), f
    base_a, base_f = a.copy(), f
    run_best_a, run_best_f = a.copy(), f
    tabu = np.zeros((n, n_groups), dtype=np.int64)
    it = no_improve = runs_since_best = 0
    while time.perf_counter() - started < time_limit:
        own = C[rows, a]
        aspiration = best_f - f + 1e-9
        moves = C - own[:, None]
        ok = (size[a] > lo[a])[:, None] & (size < hi)[None, :]
        ok[rows, a] = False
        ok &= ~((tabu > it) & (moves <= aspiration))
        moves = np.where(ok, moves, -np.inf)
        Ca = C[:, a]
        swaps = Ca - own[:, None] + Ca.T - own[None, :] - 2.0 * W
        blocked = tabu[:, a] > it
        forbidden = (a[:, None] == a[None, :]) | ((blocked | blocked.T) & (swaps <= aspiration))
        swaps = np.where(forbidden, -np.inf, swaps)
        m = int(np.argmax(moves))
        s = int(np.argmax(swaps))
        move_gain, swap_gain = moves.flat[m], swaps.flat[s]
        if max(move_gain, swap_gain) == -np.inf:
            break
        t = tenure + int(rng.integers(0, tenure_rand + 1))
        if move_gain >= swap_gain:
            i, g = divmod(m, n_groups)
            src = a[i]
            C[:, src] -= W[:, i]
            C[:, g] += W[:, i]
            size[src] -= 1
            size[g] += 1
            a[i] = g
            tabu[i, src] = it + t
            f += move_gain
        else:
            i, j = divmod(s, n)
            ai, aj = a[i], a[j]
            C[:, ai] += W[:, j] - W[:, i]
            C[:, aj] += W[:, i] - W[:, j]
            a[i], a[j] = aj, ai
            tabu[i, ai] = tabu[j, aj] = it + t
            f += swap_gain
        it += 1
        if f > run_best_f + 1e-9:
            run_best_f, run_best_a = f, a.copy()
            no_improve = 0
            if f > best_f + 1e-9:
                best_f, best_a = f, a.copy()
                runs_since_best = -1
        else:
            no_improve += 1
        if no_improve < depth:
            continue
        runs_since_best += 1
        if run_best_f >= base_f - 1e-9:
            base_a, base_f = run_best_a.copy(), run_best_f
        if runs_since_best >= restart:
            base_a, base_f = best_a.copy(), best_f
            runs_since_best = 0
        a = base_a.copy()
        size = np.bincount(a, minlength=n_groups)
        for _ in range(strength):
            i, j = rng.integers(0, n, size=2)
            if a[i] != a[j]:
                a[i], a[j] = a[j], a[i]
        C, size, f = tables(a)
        run_best_a, run_best_f = a.copy(), f
        no_improve = 0
    return float(pair_objective(W, best_a)), it


def read_best_known() -> dict[str, float]:
    with (DATA / "bks.csv").open() as handle:
        return {row["instance"]: float(row["best_known"]) for row in csv.DictReader(handle)}


def instance_paths(sizes: list[int], families: list[str], kinds: list[str]) -> list[Path]:
    paths = []
    for family in families:
        for path in sorted((DATA / family).glob("*.txt")):
            _, size, kind, _ = path.stem.split("_")
            if int(size[1:]) in sizes and kind in kinds:
                paths.append(path)
    return paths


class BaselineEngine:
    """The engine at another commit, in its own process, solving on request.

    `git archive REV tierslien/__init__.py tierslien/mixing` is unpacked into a
    temporary directory (kept between runs with its Numba cache, as
    $TMPDIR/tierslien-mdgp-<commit>); a worker process imports the engine from
    there before anything else, so the two engines never mix.
    """

    CODE = (
        "import json, sys\n"
        "tree, bench = sys.argv[1], sys.argv[2]\n"
        "sys.path.insert(0, tree)\n"
        "import tierslien.mixing.core as core\n"
        "assert core.__file__.startswith(tree), core.__file__\n"
        "from tierslien.mixing.warmup import warm_up\n"
        "sys.path.insert(0, bench)\n"
        "import mdgp\n"
        "warm_up()\n"
        "print(json.dumps({'ready': True}), flush=True)\n"
        "for line in sys.stdin:\n"
        "    job = json.loads(line)\n"
        "    inst = mdgp.read_instance(mdgp.Path(job['path']))\n"
        "    r = core.improve(core.CoreInstance(inst.weights, inst.min_size, inst.max_size),\n"
        "        time_limit=job['time_limit'], seed=job['seed'], workers=job['workers'])\n"
        "    mdgp.check_sizes(inst, r.assignment)\n"
        "    print(json.dumps({'objective': r.objective, 'iterations': r.iterations,\n"
        "        'elapsed': r.elapsed}), flush=True)\n"
    )

    def __init__(self, rev: str) -> None:
        sha = subprocess.run(
            ["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        self.commit = sha[:7]
        tree = old_tree(sha)
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.CODE, str(tree), str(ROOT / "bench")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tempfile.gettempdir(),
        )
        self._read()  # waits for its warm-up

    def _read(self) -> dict[str, float]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the baseline engine's process ended early")
        answer: dict[str, float] = json.loads(line)
        return answer

    def solve(self, path: Path, *, time_limit: float, seed: int, workers: int) -> dict[str, float]:
        assert self.process.stdin is not None
        job = {"path": str(path), "time_limit": time_limit, "seed": seed, "workers": workers}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def _mean(values: list[float]) -> str:
    return f"{np.mean(values):.5f}" if values else "—"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,12,120,240,480", help="comma-separated n values")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--kinds", default="ss,ds", help="size types: ss, ds or both")
    parser.add_argument("--ids", default="01,02,03,04,05", help="instance numbers to run")
    parser.add_argument(
        "--time", type=float, default=None, help="seconds per instance (default: by n)"
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply default times")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel searches (default: as tierslien-mix, one per core, at most 4)",
    )
    parser.add_argument("--write", action="store_true", help="store the table in RESULTS.md")
    parser.add_argument(
        "--append",
        action="store_true",
        help="with --write: add the table at the end of the section instead of replacing it",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        default=None,
        help="also run the engine at commit REV (own process), alternating per instance",
    )
    parser.add_argument(
        "--baseline-workers",
        type=int,
        default=None,
        metavar="N",
        help="with --baseline: its searches side by side (default: --workers)",
    )
    parser.add_argument(
        "--backend",
        choices=("numba", "numpy"),
        default="numba",
        help="numpy: the same search in vectorised NumPy (for docs/decisions/0002)",
    )
    parser.add_argument("--verbose", action="store_true", help="one line per instance")
    args = parser.parse_args(argv)
    if args.workers is None:
        # Imported here: the baseline's process imports this module over an older engine.
        from tierslien.mixing.cli import default_workers

        args.workers = default_workers(None)
    before_workers = args.baseline_workers or args.workers

    sizes = [int(s) for s in args.sizes.split(",")]
    ids = set(args.ids.split(","))
    paths = [
        p
        for p in instance_paths(sizes, args.families.split(","), args.kinds.split(","))
        if p.stem.rsplit("_", 1)[1] in ids
    ]
    best_known = read_best_known()

    # Warm-up: loads (or compiles) every Numba kernel, reported apart.
    started = time.perf_counter()
    mixing_warm_up()
    warm_up = time.perf_counter() - started
    print(f"warm-up (JIT load/compile): {warm_up:.2f} s", flush=True)
    baseline = BaselineEngine(args.baseline) if args.baseline else None
    engines = ["before", "after"] if baseline is not None else ["after"]

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "tierslien/mixing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        commit += " + uncommitted changes"
    rows: dict[tuple[str, int, str, str], list[float]] = {}
    optimal_misses: list[str] = []
    worst_small_time = 0.0
    load_averages = [os.getloadavg()[0]]
    for index, path in enumerate(paths):
        inst = read_instance(path)
        n = inst.weights.shape[0]
        limit = args.time if args.time is not None else DEFAULT_TIME[n] * args.time_scale
        # Alternate which engine goes first, so neither always runs on a warmer machine.
        order = engines if index % 2 == 0 else engines[::-1]
        for engine in order:
            if engine == "before":
                assert baseline is not None
                answer = baseline.solve(
                    path, time_limit=limit, seed=args.seed, workers=before_workers
                )
                objective = answer["objective"]
                iterations, elapsed = int(answer["iterations"]), answer["elapsed"]
            elif args.backend == "numpy":
                started = time.perf_counter()
                objective, iterations = numpy_its(inst, time_limit=limit, seed=args.seed)
                elapsed = time.perf_counter() - started
            else:
                result = improve(
                    CoreInstance(inst.weights, inst.min_size, inst.max_size),
                    time_limit=limit,
                    seed=args.seed,
                    workers=args.workers,
                )
                objective, iterations, elapsed = (
                    result.objective,
                    result.iterations,
                    result.elapsed,
                )
                check_sizes(inst, result.assignment)
            bks = best_known[inst.name]
            ratio = objective / bks
            family, _, kind, _ = inst.name.split("_")
            rows.setdefault((engine, n, family, kind), []).append(ratio)
            if n <= 12 and engine == "after":
                worst_small_time = max(worst_small_time, elapsed)
                if objective < bks - 1e-6 * abs(bks):
                    optimal_misses.append(inst.name)
            if args.verbose:
                print(
                    f"{inst.name:24s} {engine:6s} {objective:14.3f} {bks:14.3f} {ratio:.5f} "
                    f"{elapsed:6.2f}s {iterations} it",
                    flush=True,
                )
        if index % 10 == 9:
            load_averages.append(os.getloadavg()[0])
    if baseline is not None:
        baseline.close()
    load_averages.append(os.getloadavg()[0])

    against = (
        f", before = engine at commit {baseline.commit} with workers {before_workers}"
        if baseline is not None
        else ""
    )
    lines = [
        f"Command: `{shlex.join(['.venv/bin/python', 'bench/mdgp.py', *(argv or sys.argv[1:])])}`"
        f" — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, seed {args.seed}, "
        f"workers {args.workers}, backend {args.backend}, engine at commit {commit}{against}, "
        f"warm-up {warm_up:.2f} s (not in the budgets), 1-min load average "
        f"{min(load_averages):.1f}–{max(load_averages):.1f} during the run.",
        "",
    ]
    if baseline is not None:
        lines += [
            "| n | time (s) | family | ss before | ss after | ds before | ds after "
            "| all before | all after |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
    else:
        lines += ["| n | time (s) | family | ss | ds | all |", "|---|---|---|---|---|---|"]
    for n in sizes:
        limit = args.time if args.time is not None else DEFAULT_TIME[n] * args.time_scale
        totals: dict[str, list[float]] = {engine: [] for engine in engines}
        for family in args.families.split(","):
            cells = []
            for kind in ("ss", "ds"):
                for engine in engines:
                    values = rows.get((engine, n, family, kind), [])
                    totals[engine] += values
                    cells.append(_mean(values))
            for engine in engines:
                both = rows.get((engine, n, family, "ss"), []) + rows.get(
                    (engine, n, family, "ds"), []
                )
                cells.append(_mean(both))
            lines.append(f"| {n} | {limit:g} | {family} | " + " | ".join(cells) + " |")
        if any(totals.values()):
            cells = ["**all**"] + [""] * (2 * len(engines))
            cells += [f"**{_mean(totals[engine])}**" for engine in engines]
            lines.append(f"| {n} | {limit:g} | " + " | ".join(cells) + " |")
    if any(n <= 12 for n in sizes):
        lines += [
            "",
            f"n ≤ 12: optimum missed on {len(optimal_misses)} instance(s)"
            + (f" ({', '.join(optimal_misses)})" if optimal_misses else "")
            + f"; slowest run {worst_small_time:.3f} s.",
        ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        if args.append:
            append_to_section("MDGPLIB", table)
        else:
            write_section("MDGPLIB", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
