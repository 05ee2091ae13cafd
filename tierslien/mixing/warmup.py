"""Compile or load the engine's Numba kernels before the first real solve.

The search kernels are compiled on their first call (about 10-25 s) and
cached on disk (`__pycache__`, or `NUMBA_CACHE_DIR`); even with a warm cache a
new process spends about half a second loading them. Both would otherwise
come out of the first solve's time limit. `warm_up()` runs tiny solves that
call every kernel with every argument type the engine uses, so that:

- at install time, `python -m tierslien.mixing.warmup` compiles them ahead of time
  into an extension module (`search/aot.py`: a new process then loads them in
  milliseconds, without Numba) and fills Numba's disk cache, the fallback
  (`make run`, `make test` and `scripts/prod` do it);
- a long-running worker calls `warm_up()` (or `warm_up_in_background()`) once
  at start, and its first composition starts searching at once.

It never imports Django, like the rest of the engine.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time

import numpy as np

log = logging.getLogger(__name__)

_done = threading.Event()
_lock = threading.Lock()


def _problem_dict(n: int, rounds: int, *, constrained: bool) -> dict[str, object]:
    people: list[dict[str, object]] = []
    for i in range(n):
        person: dict[str, object] = {
            "id": f"p{i}",
            "attributes": {"occupation": "abcd"[i % 4], "age": 20 + (7 * i) % 60},
        }
        if constrained:
            person["slots"] = ["mon"] if i % 3 else ["mon", "tue"]
        people.append(person)
    data: dict[str, object] = {
        "version": 1,
        "group_size": {"min": 3, "max": 4},
        "rounds": rounds,
        "criteria": [
            {"name": "occupation", "kind": "categorical"},
            {"name": "age", "kind": "numeric"},
        ],
        "people": people,
    }
    if constrained:
        data["venues"] = [
            {"id": "v1", "slots": ["mon", "tue"], "capacity": 3},
            {"id": "v2", "slots": ["mon"], "capacity": 2},
        ]
        data["apart"] = [["p0", "p1"]]
        data["together"] = [["p2", "p5"]]
        data["met_before"] = [["p3", "p4"]]
    return data


def exercise() -> None:
    """Call every search kernel with every argument type the engine uses."""
    # Imported here: importing this module stays cheap (no Numba load).
    from tierslien.mixing.core import CoreInstance, improve
    from tierslien.mixing.problem import Problem
    from tierslien.mixing.rounds import solve_rounds
    from tierslien.mixing.solver import SolveParams, solve

    # Generous time limits: the iteration bounds end these runs; a short limit
    # could expire while a kernel compiles and leave the next kernel uncompiled.
    params = SolveParams(max_iterations=200)
    for rounds in (1, 2):
        for constrained in (False, True):
            problem = Problem.from_dict(_problem_dict(16, rounds, constrained=constrained))
            solve(problem, time_limit=600.0, seed=0, params=params)
    rng = np.random.default_rng(0)
    weights = rng.random((12, 12))
    weights = weights + weights.T
    lo, hi = np.full(3, 4, dtype=np.int64), np.full(3, 4, dtype=np.int64)
    allowed = np.ones((12, 3), dtype=np.bool_)
    allowed[0, 0] = False
    fixed = -np.ones(12, dtype=np.int64)
    fixed[1] = 0
    for instance in (
        CoreInstance(weights, lo, hi),
        CoreInstance(weights, lo, hi, allowed=allowed, fixed=fixed),
    ):
        improve(instance, time_limit=600.0, seed=0, max_iterations=200)
    solve_rounds(
        weights, 4, 4, 3, 2, met_before_penalty=10.0, time_limit=600.0, seed=0, max_iterations=200
    )
    # A social golfer schedule (6 groups of 3, 8 rounds): repeats are left after
    # the greedy start, so the symmetric (cyclic) search runs too.
    solve_rounds(
        np.zeros((18, 18)),
        3,
        3,
        6,
        8,
        met_before_penalty=1.0,
        time_limit=600.0,
        seed=0,
        max_iterations=200,
    )


def warm_up() -> float:
    """Compile (first time) or load (later) every search kernel; return the seconds spent.

    Safe to call from several threads and more than once: only the first
    call does the work, the others wait for it and return 0.
    """
    started = time.perf_counter()
    with _lock:
        if _done.is_set():
            return 0.0
        exercise()
        _done.set()
    elapsed = time.perf_counter() - started
    log.info("mixing engine kernels ready in %.2f s", elapsed)
    return elapsed


def warm_up_in_background() -> threading.Thread:
    """Start `warm_up()` in a daemon thread and return it (a worker's start-up).

    A solve started meanwhile simply waits for the kernels Numba is loading."""
    thread = threading.Thread(target=warm_up, name="mixing-warm-up", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tierslien.mixing.warmup",
        description=(
            "Compile the mixing engine's kernels ahead of time (fast start-up) and fill "
            "Numba's disk cache (the fallback)."
        ),
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    from tierslien.mixing.search import _jit, aot

    said = "Numba compiles them (TIERSLIEN_KERNELS=numba)"
    if _jit.AHEAD_OF_TIME:
        started = time.perf_counter()
        try:
            said = f"{aot.build(exercise).name}, in {time.perf_counter() - started:.1f} s"
        except RuntimeError as error:
            said = f"not built ({error}); Numba compiles them"
    elapsed = warm_up()
    if not args.quiet:
        print(f"mixing engine kernels compiled ahead of time: {said}")
        print(f"mixing engine kernels ready in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
