"""`tierslien-mix`: run the grouping engine on a file, without the web application.

    tierslien-mix problem.json -o solution.json [--time-limit S] [--seed N]
    tierslien-mix people.csv --venues venues.csv --min 5 --max 6 -o groups.csv
    tierslien-mix --mdgp RanReal_n120_ds_01.txt -o solution.json
    tierslien-mix problem.json --what-if [--sector CRITERION] [--online CRITERION[=VALUE]]

Solutions are written in the interchange format (JSON v1, /work/shared/specs and
docs/mixing.md), MDGPLIB ones too: element i of the instance is the person "i"
(`--mdgp-format legacy` writes the former assignment file instead). Attributes
that name no declared criterion, and keys the format does not define, are ignored
with a warning (`--strict`: rejected).
`--what-if` analyses what limits the mix instead (tierslien.mixing.potential): it
prints the upper bound, the costliest constraints and the best levers, each measured
by a re-solve of `--time-limit` seconds, and `-o` writes the analysis as JSON.

Exit status: 0 on success, 2 for unusable input (a one-line message, no traceback).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tierslien.mixing.problem import Problem, ProblemError
from tierslien.mixing.solution import Group, Round, Solution

if TYPE_CHECKING:
    from tierslien.mixing.mdgp import MdgpInstance
    from tierslien.mixing.solver import SolveParams

PROG = "tierslien-mix"
MAX_AUTO_WORKERS = 4  # searches run side by side when --workers is not given, at most


class ProgressBar:
    """A one-line progress bar on a terminal: time left and best score so far."""

    def __init__(self, stream: TextIO, time_limit: float) -> None:
        self.stream = stream
        self.time_limit = time_limit
        self.started = time.perf_counter()
        self.last = 0.0
        self.phase = ""

    def update(self, elapsed: float, score: float, phase: str = "search") -> None:
        now = time.perf_counter()
        if now - self.last < 0.1 and phase == self.phase:
            return  # redraw at most ten times a second, but always on a new phase
        self.last, self.phase = now, phase
        share = min(1.0, elapsed / self.time_limit) if self.time_limit > 0 else 1.0
        width = 30
        filled = int(share * width)
        left = max(0.0, self.time_limit - elapsed)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {left:5.1f}s left  {phase:<9} best {score:,.2f}   ")
        self.stream.flush()

    def fraction(self, share: float, label: str) -> None:
        """Draw a share of work done (the what-if analysis: share of all its solves)."""
        width = 30
        filled = int(min(1.0, max(0.0, share)) * width)
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r[{bar}] {100 * share:3.0f}%  {label:<9} {elapsed:6.1f}s   ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 72 + "\r")
        self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compose maximally diverse groups (JSON v1, CSV or MDGPLIB input).",
    )
    parser.add_argument("problem", nargs="?", help="problem.json, or people.csv (CSV mode)")
    parser.add_argument("-o", "--output", help="solution file (.json, or .csv for a table)")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel searches, the best kept (default: one per core, at most "
        f"{MAX_AUTO_WORKERS}; 1 with --max-iterations)",
    )
    parser.add_argument(
        "--max-iterations", type=int, default=None, help="search budget (makes runs repeatable)"
    )
    parser.add_argument("--mdgp", metavar="FILE", help="solve an MDGPLIB benchmark instance")
    parser.add_argument(
        "--mdgp-format",
        choices=("v1", "legacy"),
        default="v1",
        help="with --mdgp -o: the JSON v1 solution (default), or the former assignment file",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="reject attributes that name no declared criterion and keys the format does "
        "not define (default: ignore, warn)",
    )
    what_if = parser.add_argument_group("what-if analysis (what limits the mix)")
    what_if.add_argument(
        "--what-if",
        action="store_true",
        dest="what_if",
        help="measure the costliest constraints and the best levers (--time-limit per solve)",
    )
    what_if.add_argument(
        "--sector",
        metavar="CRITERION",
        help='categorical criterion giving each person\'s sector (default "sector" if declared)',
    )
    what_if.add_argument(
        "--max-levers", type=int, default=6, metavar="N", help="levers evaluated by a re-solve"
    )
    what_if.add_argument(
        "--draws",
        type=int,
        default=3,
        metavar="N",
        help="compositions of the best lever whose range is shown (1: none)",
    )
    what_if.add_argument(
        "--online",
        metavar="CRITERION[=VALUE]",
        help="who accepts online circles: the people whose answer to CRITERION is VALUE "
        "(default: any answer but an empty or negative one: no, non, false, 0)",
    )
    csv_group = parser.add_argument_group("CSV mode")
    csv_group.add_argument("--venues", metavar="CSV", help="venues file: id,lat,lon,slots,...")
    csv_group.add_argument("--min", type=int, default=5, dest="min_size", help="group size min")
    csv_group.add_argument("--max", type=int, default=6, dest="max_size", help="group size max")
    csv_group.add_argument("--rounds", type=int, default=1)
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logger = logging.getLogger("tierslien.mixing")
    handler = logging.StreamHandler(sys.stderr)  # the library's warnings, one line each
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(f"{PROG}: warning: %(message)s"))
    logger.addHandler(handler)
    try:
        return _run(args, parser)
    except ProblemError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        logger.removeHandler(handler)
        if argv is None:
            # Run as the command (console script, `python -m`): the process ends next,
            # and the interpreter's last garbage collections over everything NumPy,
            # Numba and SciPy loaded took 0.15-0.25 s of a 0.9-s run. Frozen objects
            # are skipped by them; a caller passing `argv` keeps a normal collector.
            gc.freeze()


def default_workers(max_iterations: int | None) -> int:
    """How many searches run side by side when `--workers` is not given: one per core
    this process may use (at most MAX_AUTO_WORKERS), since a command-line run has the
    machine to itself; one with `--max-iterations`, whose run must repeat exactly on
    any machine (the result depends on the number of searches)."""
    if max_iterations is not None:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_AUTO_WORKERS, cores))


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from tierslien.mixing.solver import Progress, SolveParams, solve

    if args.time_limit < 0:
        raise ProblemError("--time-limit must be >= 0")
    if args.workers is None:
        args.workers = default_workers(args.max_iterations)
    if args.workers < 1:
        raise ProblemError("--workers must be >= 1")
    bar = None
    if not args.quiet and sys.stderr.isatty():
        bar = ProgressBar(sys.stderr, args.time_limit)
    if args.online is not None and not args.what_if:
        raise ProblemError("--online only applies with --what-if")
    if args.mdgp:
        if args.what_if:
            raise ProblemError("--what-if needs a problem file, not --mdgp")
        return _run_mdgp(args, bar)
    if not args.problem:
        parser.error("give a problem file (JSON or CSV) or --mdgp FILE")
    path = Path(args.problem)
    if path.suffix.lower() in (".csv", ".tsv"):
        from tierslien.mixing.csvio import read_people_csv

        problem = read_people_csv(
            path,
            min_size=args.min_size,
            max_size=args.max_size,
            rounds=args.rounds,
            venues_path=args.venues,
        )
    else:
        problem = Problem.from_json(path, strict=args.strict)

    def on_progress(p: Progress) -> None:
        if bar is not None:
            bar.update(p.elapsed, p.score, p.phase)

    try:
        params = SolveParams(workers=args.workers, max_iterations=args.max_iterations)
    except ValueError as error:
        raise ProblemError(str(error)) from None
    if args.what_if:
        return _run_what_if(args, problem, params, bar)
    result = solve(
        problem, time_limit=args.time_limit, seed=args.seed, progress=on_progress, params=params
    )
    if bar is not None:
        bar.close()
    if args.output:
        out = Path(args.output)
        if out.suffix.lower() == ".csv":
            from tierslien.mixing.csvio import write_solution_csv

            write_solution_csv(result.solution, out)
        else:
            _write_json(out, result.to_dict())
    if not args.quiet:
        print(result.report.summary())
        reasons: dict[str, int] = {}
        for u in result.solution.unplaced:
            if u.round == 0:
                reasons[u.reason.message] = reasons.get(u.reason.message, 0) + 1
        for message, count in sorted(reasons.items(), key=lambda x: -x[1]):
            print(f"  unplaced ({count}): {message}")
        print(f"Done in {result.elapsed:.1f}s (seed {result.seed}).")
    return 0


def sector_labels(problem: Problem, criterion: str | None) -> dict[str, str] | None:
    """Person id -> sector, read from a declared categorical criterion (`criterion`, or
    "sector" when declared); None without one."""
    names = {c.name: c for c in problem.criteria}
    if criterion is None:
        if "sector" not in names:
            return None
        criterion = "sector"
    found = names.get(criterion)
    if found is None:
        declared = ", ".join(sorted(names)) or "none"
        raise ProblemError(f"no criterion {criterion!r} (declared: {declared})", where="--sector")
    if found.kind != "categorical":
        raise ProblemError(f"{criterion!r} must be a categorical criterion", where="--sector")
    return {
        p.id: str(p.attributes[criterion])
        for p in problem.people
        if p.attributes.get(criterion) is not None
    }


NEGATIVE = frozenset({"", "0", "no", "non", "n", "false", "faux"})


def online_people(problem: Problem, spec: str | None) -> frozenset[str]:
    """The people who accept online circles, per `--online CRITERION[=VALUE]`: whose
    answer to CRITERION is VALUE (a label, a number, or one of a multi's labels), or
    without VALUE any answer but an empty or negative one (no, non, false, 0)."""
    if spec is None:
        return frozenset()
    name, has_value, wanted = spec.partition("=")
    name, wanted = name.strip(), wanted.strip()
    names = {c.name: c for c in problem.criteria}
    criterion = names.get(name)
    if criterion is None:
        declared = ", ".join(sorted(names)) or "none"
        raise ProblemError(
            f"no criterion {name!r} (declared: {declared}; declare it with weight 0 "
            "so it does not count in the mix)",
            where="--online",
        )
    if has_value and not wanted:
        raise ProblemError(f"empty value after {name}=", where="--online")
    number: float | None = None
    if has_value and criterion.kind == "numeric":
        try:
            number = float(wanted)
        except ValueError:
            raise ProblemError(f"{name!r} is numeric, got {wanted!r}", where="--online") from None
    out = []
    for p in problem.people:
        value = p.attributes.get(name)
        if value is None:
            continue
        if isinstance(value, frozenset):
            ok = wanted in value if has_value else bool(value)
        elif isinstance(value, float):
            ok = value == number if has_value else value != 0.0
        else:
            ok = value == wanted if has_value else value.strip().lower() not in NEGATIVE
        if ok:
            out.append(p.id)
    if not out:
        answer = f"answered {wanted!r}" if has_value else "gave a positive answer"
        raise ProblemError(f"nobody {answer} to {name!r}", where="--online")
    return frozenset(out)


def _run_what_if(
    args: argparse.Namespace, problem: Problem, params: SolveParams, bar: ProgressBar | None
) -> int:
    from tierslien.mixing.potential import analyse

    if args.max_levers < 0:
        raise ProblemError("--max-levers must be >= 0")
    if args.draws < 1:
        raise ProblemError("--draws must be >= 1")
    sectors = sector_labels(problem, args.sector)
    accept_online = online_people(problem, args.online)

    def on_progress(share: float) -> None:
        if bar is not None:
            bar.fraction(share, "what-if")

    analysis = analyse(
        problem,
        sectors=sectors,
        time_limit=args.time_limit,
        seed=args.seed,
        params=params,
        max_levers=args.max_levers,
        draws=args.draws,
        accept_online=accept_online,
        progress=on_progress,
    )
    if bar is not None:
        bar.close()
    if args.output:
        _write_json(Path(args.output), analysis.to_dict())
    if not args.quiet:
        b = analysis.baseline
        print(
            f"Upper bound: diversity {b.diversity:.2f} is {100 * b.ratio:.1f}% of the upper "
            f"bound {b.upper_bound:.2f} ({b.placed} placed, {b.unplaced} unplaced)."
        )
        for sentence in analysis.sentences()[1:]:
            print(sentence)
        print(
            f"Done in {analysis.elapsed:.1f}s ({analysis.solves} solves of at most "
            f"{args.time_limit:g}s, seed {args.seed})."
        )
    return 0


def _run_mdgp(args: argparse.Namespace, bar: ProgressBar | None) -> int:
    from tierslien.mixing.core import improve
    from tierslien.mixing.mdgp import read_mdgp

    instance = read_mdgp(args.mdgp)

    def on_progress(elapsed: float, best: float) -> None:
        if bar is not None:
            bar.update(elapsed, best)

    result = improve(
        instance.core_instance(),
        time_limit=args.time_limit,
        seed=args.seed,
        max_iterations=args.max_iterations,
        workers=args.workers,
        progress=on_progress,
    )
    if bar is not None:
        bar.close()
    if args.output:
        groups: dict[int, list[int]] = {}
        for i, g in enumerate(result.assignment.tolist()):
            groups.setdefault(g, []).append(i)
        report = {
            "instance": instance.name,
            "objective": result.objective,
            "iterations": result.iterations,
            "elapsed_s": round(result.elapsed, 3),
        }
        data: dict[str, object]
        if args.mdgp_format == "legacy":
            data = {
                **report,
                "assignment": result.assignment.tolist(),
                "groups": [groups[g] for g in sorted(groups)],
            }
        else:
            data = mdgp_solution(instance, [groups[g] for g in sorted(groups)], report)
        _write_json(Path(args.output), data)
    if not args.quiet:
        print(
            f"{instance.name}: n={instance.n}, {len(instance.min_size)} groups, "
            f"objective {result.objective:.3f} in {result.elapsed:.1f}s "
            f"({result.iterations} iterations, seed {args.seed})"
        )
    return 0


def mdgp_solution(
    instance: MdgpInstance, groups: Sequence[Sequence[int]], report: dict[str, object]
) -> dict[str, object]:
    """A grouping of an MDGPLIB instance as a JSON v1 solution: one round, element i is the
    person with id `str(i)` (`MdgpInstance.ids`), nobody unplaced."""
    ids = instance.ids
    solution = Solution(
        rounds=(Round(tuple(Group(tuple(ids[i] for i in members)) for members in groups)),)
    )
    return solution.to_dict(report)


def _write_json(path: Path, data: object) -> None:
    try:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as error:
        raise ProblemError(f"cannot write: {error.strerror}", where=str(path)) from None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
