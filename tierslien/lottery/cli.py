"""`tierslien-draw`: the seat lottery from CSV files, and its verification.

    tierslien-draw pool.csv quotas.csv --seats 40 --seed 20261126 [-o panel.json]
    tierslien-draw pool.csv quotas.csv --seats 40 --seed 20261126 --method leximin
    tierslien-draw pool.csv quotas.csv --seats 40 --verify panel.json
    tierslien-draw pool.csv quotas.csv --seats 40 --verify panel.json \
        --entries public-pool.csv --salts salts.csv

Prints the panel and every applicant's selection probability. The same inputs
and seed give the same panel, bit for bit. With --verify, reruns the published
draw and audits the published record; exit status 1 if anything differs. With
--entries and --salts (an auditor's exact files), also checks every entry of the pool
against the salted commitments published before the draw (`commitments`). `--method`
chooses the lottery: maximin (the default) or leximin; --verify always reruns a record
with the method it names.

Exit status: 0 on success, 1 when a verification fails, 2 for unusable input or
quotas that cannot be met (with the quotas to relax and the nearest feasible ones).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from tierslien.lottery.commitments import COMMITMENT_COLUMN, check_entries
from tierslien.lottery.csvio import read_column, read_pool, read_quotas
from tierslien.lottery.feasibility import InfeasibleQuotasError
from tierslien.lottery.leximin import LeximinParams
from tierslien.lottery.maximin import MaximinParams
from tierslien.lottery.model import LotteryInputError, LotteryProblem
from tierslien.lottery.selection import OBJECTIVES, SelectParams, rng_for_seed, select
from tierslien.lottery.verify import record, verify

PROG = "tierslien-draw"


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Fair seat lottery with quotas (maximin or leximin), reproducible from a "
        "published seed.",
    )
    parser.add_argument("pool", type=Path, help="applicants: an id column and one per criterion")
    parser.add_argument("quotas", type=Path, help="quotas: criterion,value,min,max")
    parser.add_argument("--seats", type=int, required=True, help="number of seats to fill")
    parser.add_argument("--seed", type=_seed, help="the published seed (required unless --verify)")
    parser.add_argument("--id-column", default="id", help="name of the id column (default: id)")
    parser.add_argument(
        "--time-limit",
        type=float,
        help="stop optimising after this many seconds (the bound shows how far from best)",
    )
    parser.add_argument(
        "--method",
        choices=OBJECTIVES,
        default="maximin",
        help="maximin: raise the smallest chance (default); leximin: then the next ones too",
    )
    parser.add_argument("-o", "--output", type=Path, help="write the publishable record (JSON)")
    parser.add_argument(
        "--verify", type=Path, metavar="RECORD", help="rerun and audit a published record"
    )
    parser.add_argument(
        "--entries",
        type=Path,
        metavar="PUBLIC_POOL",
        help=f"the public list of entries (id,{COMMITMENT_COLUMN}) to check the pool against",
    )
    parser.add_argument(
        "--salts", type=Path, help="the entries' salts (id,salt), given to auditors only"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the panel")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the optimisation")
    return parser


def print_record(data: dict[str, Any], out: TextIO, *, quiet: bool) -> None:
    if not quiet:
        out.write(f"seed {data['seed']}  inputs sha256 {data['inputs_sha256']}\n")
        out.write(f"lottery: {data.get('objective', 'maximin')} (method {data['method']})\n")
        out.write(
            f"smallest selection probability {data['min_probability']:.9f} "
            f"(proven best possible <= {data['upper_bound']:.9f})\n"
        )
        if data["cannot_be_selected"]:
            out.write(
                f"{len(data['cannot_be_selected'])} applicant(s) cannot be selected under these "
                f"quotas: {', '.join(data['cannot_be_selected'])}; smallest probability among "
                f"the others {data['min_selectable_probability']:.9f}\n"
            )
        out.write(f"ticket {data['ticket']} of {data['resolution']}\n")
        out.write(f"panel ({len(data['panel'])} seats):\n")
    for ident in data["panel"]:
        out.write(f"{ident}\n")
    if not quiet:
        out.write("probabilities (id, probability, selected):\n")
        chosen = set(data["panel"])
        for ident, probability in data["probabilities"].items():
            mark = "yes" if ident in chosen else "no"
            out.write(f"{ident},{probability:.9f},{mark}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.verify is None and args.seed is None:
        parser.error("--seed is required (unless --verify)")
    if (args.entries is None) != (args.salts is None):
        parser.error("--entries and --salts go together")
    try:
        params = SelectParams(
            maximin=MaximinParams(time_limit=args.time_limit),
            objective=args.method,
            leximin=LeximinParams(time_limit=args.time_limit),
        )
    except ValueError as error:
        parser.error(str(error))
    try:
        problem = LotteryProblem(
            read_pool(args.pool, id_column=args.id_column), read_quotas(args.quotas), args.seats
        )
        if args.verify is not None:
            try:
                published = json.loads(args.verify.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise LotteryInputError(
                    f"{args.verify}: cannot read the record ({error})"
                ) from None
            if args.seed is not None and published.get("seed") != args.seed:
                raise LotteryInputError(
                    f"--seed {args.seed} differs from the record's seed {published.get('seed')}"
                )
            entries_ok = True
            if args.entries is not None:
                entries = check_entries(
                    problem.pool,
                    read_column(args.salts, "salt", id_column=args.id_column),
                    read_column(args.entries, COMMITMENT_COLUMN, id_column=args.id_column),
                    criteria=problem.criteria,
                )
                for problem_text in entries.problems:
                    sys.stdout.write(f"MISMATCH: {problem_text}\n")
                if entries.ok:
                    sys.stdout.write(
                        f"OK: {entries.checked} entries match the published commitments\n"
                    )
                entries_ok = entries.ok
            outcome = verify(problem, published, params=params)
            for problem_text in outcome.problems:
                sys.stdout.write(f"MISMATCH: {problem_text}\n")
            if outcome.ok and entries_ok:
                sys.stdout.write(
                    f"OK: the draw is reproduced bit for bit (seed {published['seed']}, "
                    f"{len(published['panel'])} seats)\n"
                )
                return 0
            if outcome.ok:
                sys.stdout.write("the draw is reproduced, but not every entry was checked\n")
            return 1
        result = select(problem, rng=rng_for_seed(args.seed), params=params)
    except InfeasibleQuotasError as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        suggested = error.report.suggested
        if suggested is not None:
            sys.stderr.write("suggested quotas.csv:\ncriterion,value,min,max\n")
            for q in suggested.rows:
                sys.stderr.write(f"{q.criterion},{q.value},{q.min},{q.max}\n")
        return 2
    except LotteryInputError as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        return 2
    data = record(result, args.seed)
    if args.output is not None:
        args.output.write_text(
            json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    try:
        print_record(data, sys.stdout, quiet=args.quiet)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
