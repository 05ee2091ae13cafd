"""Synthetic towns with segregated neighbourhoods: how the engine scales.

    .venv/bin/python bench/town.py --sizes 1000 10000 100000 --seed 1

Each size runs in its own process (so peak memory is per size) and prints one
Markdown table row: time to the first valid grouping, total time, peak memory,
placed share, ratio to the upper bound, lift over random, entre-soi indices.

The town: constant density (2,000 inhabitants per km2, so the town grows with n),
neighbourhoods of ~1,250 people whose occupation, origin, age and education are
strongly correlated with the neighbourhood (segregation), 6 evening slots (each
person free on 2-4), venues (one per 250 inhabitants, open on 5 slots, 12 tables
each), travel limits of 0.8-2 km, a few accessibility needs. Circles of 5-6.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tierslien.mixing import Problem, SolveParams, solve  # noqa: E402

SLOTS = ["mon", "tue", "wed", "thu", "fri", "sat"]
OCCUPATIONS = ["ouvrier", "employe", "cadre", "artisan", "etudiant", "retraite", "sans-emploi"]
ORIGINS = ["ici", "region", "france", "europe", "maghreb", "afrique", "asie"]
LEVELS = ["aucun", "brevet", "bac", "bac+3", "bac+5"]
CENTER = (48.11, -1.68)
KM_LAT = 1 / 111.0
KM_LON = 1 / (111.0 * math.cos(math.radians(CENTER[0])))


def make_town(
    n: int,
    seed: int,
    *,
    density: float = 2000.0,
    hood_size: int = 1250,
    people_per_venue: int = 250,
    venue_slots: int = 5,
    capacity: int = 12,
) -> dict[str, Any]:
    """The synthetic town; the keyword parameters (defaults: the town described above)
    make variants where travel binds (low `density`, small `hood_size`) or where venues
    and times bind (few `venue_slots`, small `capacity`, more `people_per_venue`)."""
    rng = np.random.default_rng(seed)
    area = n / density  # km2
    side = math.sqrt(area)
    k = max(2, round(n / hood_size))
    hoods = rng.uniform(0, side, size=(k, 2))
    hood = rng.integers(0, k, n)
    xy = hoods[hood] + rng.normal(0, side / (2.5 * math.sqrt(k)), size=(n, 2))
    xy = np.clip(xy, 0, side)
    # Segregation: each neighbourhood draws its attributes from its own, peaked mix.
    occ_mix = rng.dirichlet(np.full(len(OCCUPATIONS), 0.3), size=k)
    origin_mix = rng.dirichlet(np.full(len(ORIGINS), 0.3), size=k)
    age_mean = rng.uniform(25, 65, k)
    edu_mean = rng.uniform(0.5, 3.5, k)
    cum_occ = occ_mix.cumsum(axis=1)[hood]
    occ = (rng.random(n)[:, None] > cum_occ).sum(axis=1)
    cum_org = origin_mix.cumsum(axis=1)[hood]
    origin = (rng.random(n)[:, None] > cum_org).sum(axis=1)
    age = np.clip(rng.normal(age_mean[hood], 8), 18, 95).round()
    edu = np.clip(rng.normal(edu_mean[hood], 0.8), 0, 4).round().astype(int)
    km = rng.choice([0.8, 1.2, 1.5, 2.0], size=n, p=[0.2, 0.3, 0.3, 0.2])
    n_slots = rng.integers(2, 5, n)
    people = []
    for i in range(n):
        attrs: dict[str, Any] = {
            "occupation": OCCUPATIONS[min(occ[i], len(OCCUPATIONS) - 1)],
            "origin": ORIGINS[min(origin[i], len(ORIGINS) - 1)],
            "age": int(age[i]),
            "education": LEVELS[edu[i]],
            "neighbourhood": f"q{hood[i]}",
        }
        if rng.random() < 0.05:
            attrs["origin"] = None  # prefer not to say
        person: dict[str, Any] = {
            "id": f"p{i}",
            "attributes": attrs,
            "slots": sorted(rng.choice(SLOTS, size=n_slots[i], replace=False).tolist()),
            "location": {
                "lat": CENTER[0] + xy[i, 1] * KM_LAT,
                "lon": CENTER[1] + xy[i, 0] * KM_LON,
            },
            "max_km": float(km[i]),
        }
        if rng.random() < 0.03:
            person["needs"] = ["step-free"]
        people.append(person)
    n_venues = max(3, n // people_per_venue)
    vxy = rng.uniform(0, side, size=(n_venues, 2))
    venues = []
    for v in range(n_venues):
        venue: dict[str, Any] = {
            "id": f"v{v}",
            "location": {
                "lat": CENTER[0] + vxy[v, 1] * KM_LAT,
                "lon": CENTER[1] + vxy[v, 0] * KM_LON,
            },
            "slots": sorted(rng.choice(SLOTS, size=venue_slots, replace=False).tolist()),
            "capacity": capacity,
        }
        if rng.random() < 0.5:
            venue["features"] = ["step-free"]
        venues.append(venue)
    return {
        "version": 1,
        "group_size": {"min": 5, "max": 6},
        "criteria": [
            {"name": "occupation", "kind": "categorical", "weight": 2.0},
            {"name": "origin", "kind": "categorical", "weight": 1.5},
            {"name": "age", "kind": "numeric", "weight": 1.0},
            {"name": "education", "kind": "ordinal", "levels": LEVELS, "weight": 1.0},
            {"name": "neighbourhood", "kind": "categorical", "weight": 1.0},
        ],
        "people": people,
        "venues": venues,
    }


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:200])


def warm_up() -> float:
    """Compile (or load from Numba's cache) the search kernels before timing."""
    started = time.perf_counter()
    tiny = Problem.from_dict(make_town(300, 0))
    solve(tiny, time_limit=1.0, seed=0, params=SolveParams(max_iterations=50))
    return time.perf_counter() - started


def run_one(n: int, seed: int, time_limit: float, workers: int) -> dict[str, Any]:
    warm = warm_up()
    errors = _Errors()
    logging.getLogger("tierslien.mixing").addHandler(errors)
    data = make_town(n, seed)
    started = time.perf_counter()
    problem = Problem.from_dict(data)
    del data
    loaded = time.perf_counter() - started
    first_valid: list[float] = []

    def on_progress(p: Any) -> None:
        if p.phase == "constructed" and not first_valid:
            first_valid.append(p.elapsed)

    result = solve(
        problem,
        time_limit=max(0.0, time_limit - loaded),
        seed=seed,
        params=SolveParams(workers=workers),
        progress=on_progress,
    )
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    r = result.report
    return {
        "n": n,
        "seed": seed,
        "time_limit": time_limit,
        "load_s": round(loaded, 2),
        "first_valid_s": round(loaded + (first_valid[0] if first_valid else float("nan")), 2),
        "total_s": round(total, 2),
        "peak_mb": round(peak_mb),
        "placed": r.placed,
        "groups": r.groups,
        "ratio_to_bound": round(r.ratio_to_bound, 4),
        "lift": round(r.lift, 3),
        "weakest": round(r.weakest_group_diversity, 3),
        "mean_group": round(r.mean_group_diversity, 3),
        "entre_soi": {c.name: c.entre_soi for c in r.criteria if c.entre_soi is not None},
        "same_pairs": {
            c.name: [c.same_value_pairs, c.fewest_same_value_pairs, c.random_same_value_pairs]
            for c in r.criteria
            if c.entre_soi is not None
        },
        "unplaced_reasons": _reasons(result),
        "ms_per_person": round(1000 * total / n, 3),
        "engine_errors": errors.messages[:5],
        "warm_up_s": round(warm, 2),
    }


def _reasons(result: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in result.solution.unplaced:
        out[u.reason.code] = out.get(u.reason.code, 0) + 1
    return out


def default_limit(n: int) -> float:
    return 20.0 if n <= 1000 else 110.0 if n <= 10_000 else 840.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="per size (default by n)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        (n,) = args.sizes
        limit = args.time_limit if args.time_limit is not None else default_limit(n)
        print(json.dumps(run_one(n, args.seed, limit, args.workers)))
        return
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", "--sizes", str(n), "--seed", str(args.seed)]
        cmd += ["--workers", str(args.workers)]
        if args.time_limit is not None:
            cmd += ["--time-limit", str(args.time_limit)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"n={n}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
