"""Publishing a draw and checking it.

The published record (JSON, see `record`) holds the seed, a digest of the
inputs, the lottery (compositions and tickets), the winning ticket, the panel
and every applicant's probability. `verify` checks a record two ways:

1. *Rerun*: solve the same inputs again and draw with the same seed; the panel
   must be the same, bit for bit.
2. *Audit* (independent of any LP solver): every published composition meets
   the quotas, the tickets add up, the published probabilities follow from the
   compositions, and drawing from the *published* lottery with the seed gives
   the published ticket and panel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tierslien.lottery.compositions import QuotaSystem
from tierslien.lottery.leximin import METHODS as LEXIMIN_METHODS
from tierslien.lottery.leximin import LeximinParams
from tierslien.lottery.maximin import RESOLUTION, Composition, Lottery, MaximinParams
from tierslien.lottery.model import LotteryProblem
from tierslien.lottery.selection import Selection, SelectParams, rng_for_seed, select

FORMAT = "tierslien-draw/1"
DIGITS = 9  # decimals of the published probabilities


def input_digest(problem: LotteryProblem) -> str:
    """SHA-256 of the canonical inputs: seats, quotas, applicants (sorted by id)."""
    pool = problem.pool
    canonical = {
        "seats": problem.seats,
        "quotas": sorted([q.criterion, q.value, q.min, q.max] for q in problem.quotas.rows),
        "criteria": list(pool.criteria),
        "applicants": sorted(
            [ident, *values] for ident, values in zip(pool.ids, pool.values, strict=True)
        ),
    }
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lottery_record(lottery: Lottery) -> dict[str, Any]:
    """The publishable lottery alone (JSON-ready): what applicants see before the draw."""
    problem = lottery.problem
    return {
        "format": FORMAT,
        "seats": problem.seats,
        "inputs_sha256": input_digest(problem),
        "min_probability": round(float(lottery.min_probability), DIGITS),
        "min_selectable_probability": round(float(lottery.min_selectable_probability), DIGITS),
        "upper_bound": round(lottery.upper_bound, DIGITS),
        "method": lottery.method,
        **({"objective": "leximin"} if lottery.method in LEXIMIN_METHODS else {}),
        "cannot_be_selected": sorted(
            ident for t in lottery.uncoverable for ident in problem.type_list[t].members
        ),
        "criteria": list(problem.criteria),
        "types": [
            {"categories": list(kind.categories), "size": kind.size} for kind in problem.type_list
        ],
        "resolution": RESOLUTION,
        "compositions": [
            {"tickets": c.tickets, "counts": list(c.counts)} for c in lottery.compositions
        ],
        "probabilities": {
            ident: round(float(p), DIGITS) for ident, p in lottery.probabilities.items()
        },
    }


def record(selection: Selection, seed: int) -> dict[str, Any]:
    """The publishable record of a draw (JSON-ready): the lottery, the seed and the panel."""
    panel = selection.panel
    return {
        **lottery_record(selection.lottery),
        "seed": seed,
        "ticket": panel.ticket,
        "composition": panel.composition,
        "panel": list(panel.ids),
    }


def load_lottery(problem: LotteryProblem, published: Mapping[str, Any]) -> Lottery:
    """The lottery of a record (e.g. stored when probabilities were shown, drawn later).

    Raises ValueError when it does not fit `problem` or breaks the quotas.
    """
    if published.get("resolution") != RESOLUTION:
        raise ValueError("unexpected ticket resolution")
    expected_types = [[list(k.categories), k.size] for k in problem.type_list]
    got_types = [[t.get("categories"), t.get("size")] for t in published.get("types", [])]
    if got_types != expected_types:
        raise ValueError("the applicant types differ from the inputs")
    system = QuotaSystem.of(problem)
    compositions: list[Composition] = []
    for i, item in enumerate(published.get("compositions", [])):
        counts = tuple(int(x) for x in item["counts"])
        if len(counts) != system.n_types or not system.meets(counts):
            raise ValueError(f"composition {i} breaks the quotas")
        compositions.append(Composition(counts, int(item["tickets"])))
    upper = float(published.get("upper_bound", 1.0))
    excluded = set(published.get("cannot_be_selected", []))
    uncoverable = tuple(
        t for t, kind in enumerate(problem.type_list) if set(kind.members) <= excluded
    )
    method = published.get("method", 1)
    return Lottery(
        problem=problem,
        compositions=tuple(compositions),
        upper_bound=upper,
        uncoverable=uncoverable,
        method=method if isinstance(method, int) else 1,
    )


@dataclass(frozen=True)
class Verification:
    """Outcome of `verify`: `ok` when the rerun and the audit both agree with the record."""

    reproduced: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.reproduced and not self.problems


def audit(problem: LotteryProblem, published: Mapping[str, Any]) -> list[str]:
    """Solver-free checks of a published record against the inputs; empty when all hold."""
    problems: list[str] = []
    if published.get("format") != FORMAT:
        problems.append(f"unknown format {published.get('format')!r}")
    if published.get("inputs_sha256") != input_digest(problem):
        problems.append("the inputs differ from those of the published draw (digest mismatch)")
    try:
        lottery = load_lottery(problem, published)
    except (ValueError, KeyError, TypeError) as error:
        return [*problems, f"invalid lottery: {error}"]
    for ident, probability in lottery.probabilities.items():
        claimed = dict(published.get("probabilities", {})).get(ident)
        if claimed is None or abs(Fraction(str(claimed)) - probability) > Fraction(1, 10**DIGITS):
            problems.append(f"probability of {ident} is {float(probability):.9f}, not {claimed}")
    seed = published.get("seed")
    if not isinstance(seed, int) or seed < 0:
        return [*problems, "no valid seed"]
    panel = lottery.draw(rng_for_seed(seed))
    if panel.ticket != published.get("ticket") or list(panel.ids) != published.get("panel"):
        problems.append("drawing from the published lottery with the seed gives another panel")
    violations = problem.quota_violations(list(published.get("panel", [])))
    problems += [f"published panel: {v}" for v in violations]
    return problems


def verify(
    problem: LotteryProblem,
    published: Mapping[str, Any],
    *,
    params: MaximinParams | LeximinParams | SelectParams | None = None,
) -> Verification:
    """Rerun the draw from the inputs and the published seed, and audit the published record."""
    problems = audit(problem, published)
    seed = published.get("seed")
    if not isinstance(seed, int) or seed < 0:
        return Verification(reproduced=False, problems=tuple(problems))
    # Rerun with the column generation that made the record (records without "method" come
    # from the first one): each is deterministic, but they may find different optimal lotteries.
    # Method 4 (and later leximin versions) is the leximin; see leximin.METHOD.
    method = published.get("method", 1)
    if isinstance(params, SelectParams):
        base = params
    elif isinstance(params, LeximinParams):
        base = SelectParams(leximin=params)
    else:
        base = SelectParams(params or MaximinParams())
    try:
        same_method = base.with_method(method)
    except (ValueError, TypeError):
        problems.append(f"unknown method {method!r}: cannot rerun")
        return Verification(reproduced=False, problems=tuple(problems))
    rerun = select(problem, rng=rng_for_seed(seed), params=same_method)
    again = record(rerun, seed)
    same_panel = again["panel"] == published.get("panel")
    same_lottery = again["compositions"] == published.get("compositions")
    reproduced = same_panel and same_lottery
    if not same_panel:
        problems.append("rerunning the draw gives another panel")
    elif not same_lottery:
        problems.append("rerunning gives the same panel but another lottery (solver version?)")
    return Verification(reproduced=reproduced, problems=tuple(problems))
