"""`solve()`: from a `Problem` to a valid grouping with its report.

Pipeline: encode attributes -> compute sites and eligibility (feasibility.py)
-> greedy construction deciding the groups and the unplaced (construct.py)
-> improvement by the numeric core on blocks of at most `block_size` people
(several passes over shifted blocks, so people cross block borders)
-> independent validation -> report and per-person explanations.

Large problems are decomposed: only a block's dissimilarity matrix ever exists,
so memory grows with the block size, not with n squared.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tierslien.mixing import core, rounds
from tierslien.mixing.construct import Builder, Layout, together_units
from tierslien.mixing.distance import Encoded, encode
from tierslien.mixing.feasibility import Sites, compute_sites
from tierslien.mixing.placement import close_groups, fill, placeable_bound, unplaced_people
from tierslien.mixing.problem import Problem, ProblemError
from tierslien.mixing.reasons import true_reasons
from tierslien.mixing.report import (
    Explanation,
    Report,
    build_report,
    explain,
    group_diversities,
)
from tierslien.mixing.solution import Group, Reason, Round, Solution, Unplaced
from tierslien.mixing.validate import Violation, violations

log = logging.getLogger(__name__)
# Constructions tried: at most this many people divided by the problem's size.
LAYOUT_PEOPLE = 3000
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Progress:
    """What a progress callback receives (about every block and core report)."""

    elapsed: float
    time_limit: float
    phase: str  # "construct", "constructed" (a valid grouping exists), "improve", "report"
    score: float  # best total so far (diversity minus repeat penalties)
    fraction: float  # share of the improvement work done, in [0, 1]


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SolveParams:
    """Tuning of `solve`; the defaults suit circles of 5-6 people."""

    block_size: int = 1500  # people per sub-problem handed to the core
    passes: int = 2  # improvement passes over differently shifted blocks
    max_iterations: int | None = None  # per block and pass; set it for determinism
    workers: int = 1  # searches run in parallel inside the core (threads)
    construct_share: float = 0.35  # of the time limit, reserved for large problems' setup
    true_reasons: bool = True  # re-examine the unplaced's reasons by counterfactual (reasons.py)
    layout_starts: int = 12  # at most, constructions tried where sites differ (`_layout_starts`)
    layout_share: float = 0.5  # of the time (or iterations) spent trying them

    def __post_init__(self) -> None:
        if self.block_size < 12:
            raise ValueError(f"block_size must be >= 12, got {self.block_size}")
        if self.passes < 1:
            raise ValueError(f"passes must be >= 1, got {self.passes}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError("max_iterations must be >= 0")
        if not 0.0 <= self.construct_share < 1.0:
            raise ValueError("construct_share must be in [0, 1)")
        if self.layout_starts < 1:
            raise ValueError(f"layout_starts must be >= 1, got {self.layout_starts}")
        if not 0.0 < self.layout_share < 1.0:
            raise ValueError("layout_share must be in (0, 1)")


@dataclass(frozen=True)
class Result:
    """The outcome of `solve`: a valid solution, its report and explanations."""

    problem: Problem
    solution: Solution
    report: Report
    explanations: dict[str, Explanation] = field(repr=False)  # person id -> their circle
    elapsed: float = 0.0
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        """The JSON v1 solution, with the report (and explanations) under "report"."""
        report = self.report.to_dict()
        report["elapsed_s"] = round(self.elapsed, 3)
        report["seed"] = self.seed
        report["explanations"] = {pid: e.to_dict() for pid, e in self.explanations.items()}
        return self.solution.to_dict(report)


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    params: SolveParams | None = None,
    previous: Solution | None = None,
) -> Result:
    """Group `problem`'s people; always returns a valid solution.

    Deterministic for a given `seed` when `params.max_iterations` bounds the
    search; otherwise anytime: it stops near `time_limit` seconds with the best
    grouping found. `previous` (incremental use): keep those groups as they are
    as far as possible and only place the others (see `incremental.py`).
    """
    if time_limit < 0 or not math.isfinite(time_limit):
        raise ValueError(f"time_limit must be a finite number >= 0, got {time_limit}")
    params = params or SolveParams()
    started = time.perf_counter()
    deadline = started + time_limit
    rng = np.random.default_rng(seed)

    offset = [0.0]  # the constructed grouping's diversity: scores are reported in total

    def report_progress(phase: str, score: float, fraction: float) -> None:
        if progress is not None:
            elapsed = time.perf_counter() - started
            total = offset[0] + score
            progress(Progress(elapsed, time_limit, phase, total, min(1.0, fraction)))

    enc = encode(problem)
    sites = compute_sites(problem)
    report_progress("construct", 0.0, 0.0)
    reasons: dict[int, Reason] = dict(sites.reasons)
    _drop_lonely_partners(problem, reasons)
    candidates = [i for i in range(problem.n) if i not in reasons]
    layout, found = _construct(problem, enc, sites, rng, candidates, previous, reasons)
    starts = _layout_starts(problem, sites, params, previous)
    tried: list[tuple[Layout, dict[int, Reason], IntArray]] = []
    if starts > 1:
        # Which sites host the groups decides what the search can reach (it moves
        # people between groups, never a group to another site): try a few
        # constructions for a share of the time, keep the best, improve it further.
        share = (deadline - time.perf_counter()) * params.layout_share / starts
        trial = dataclasses.replace(
            params,
            passes=1,
            max_iterations=None
            if params.max_iterations is None
            else max(1, int(params.max_iterations * params.layout_share / starts)),
        )
        for k in range(starts):
            if k:
                layout, found = _construct(
                    problem, enc, sites, np.random.default_rng([seed, k]), candidates, None, reasons
                )
            improved = _improve_rounds(
                problem,
                enc,
                sites,
                layout,
                layout.assignment(problem.n),
                time.perf_counter() + share,
                seed,
                trial,
                _quiet_phase,
            )[0]
            tried.append((layout, found, improved))
        layout, found, start = max(tried, key=lambda t: _standing(problem, enc, t[2]))
    reasons.update(found)
    # The construction's own reasons (contradictory or oversized `together` wishes)
    # are as hopeless as the sites' ones; only a full venue or too few nearby may change.
    hopeless = {i for i, r in reasons.items() if r.code not in ("venues_full", "too_few_nearby")}
    bound = placeable_bound(problem, sites, [i for i in range(problem.n) if i not in hopeless])
    # From here on a valid grouping exists (the construction); the rest improves it.
    report_progress("constructed", 0.0, 0.0)

    first = layout.assignment(problem.n)
    if progress is not None and layout.members:
        groups = [np.asarray(m, dtype=np.int64) for m in layout.members if m]
        offset[0] = float(group_diversities(enc, groups)[0].sum()) * problem.rounds
    assignments = _improve_rounds(
        problem,
        enc,
        sites,
        layout,
        start if tried else first,
        deadline,
        seed,
        params,
        report_progress,
    )
    if problem.rounds == 1 and assignments:
        layout, assignments = _fill_after_search(
            problem, enc, sites, layout, assignments[0], reasons, seed, params
        )
    solution = _to_solution(problem, sites, layout, assignments, reasons)
    broken = violations(problem, solution)
    if broken:
        # Never return an invalid grouping: fall back to the constructed one.
        log.error("search produced an invalid grouping (%s); using the construction", broken[0])
        solution = _to_solution(problem, sites, layout, [first] * problem.rounds, reasons)
        broken = violations(problem, solution)
        if broken:
            solution = _drop_invalid(problem, solution, broken)
    if params.true_reasons:
        solution = true_reasons(problem, solution)
    offset[0] = 0.0
    report_progress("report", 0.0, 1.0)
    report = dataclasses.replace(build_report(problem, enc, solution), placeable_bound=bound)
    explanations = explain(problem, enc, solution)
    return Result(
        problem=problem,
        solution=solution,
        report=report,
        explanations=explanations,
        elapsed=time.perf_counter() - started,
        seed=seed,
    )


def _construct(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    rng: np.random.Generator,
    candidates: list[int],
    previous: Solution | None,
    reasons: dict[int, Reason],
) -> tuple[Layout, dict[int, Reason]]:
    """A first valid grouping, and the reasons of those it leaves out (beside `reasons`,
    which it does not change): the greedy construction, then priority 1 (place whom
    valid moves can place), then fewer, fuller groups (`close_groups`)."""
    builder = Builder(problem, enc, sites, rng, use_gain=problem.n <= 20_000)
    if previous is not None:
        candidates = _seed_previous(problem, builder, sites, previous, candidates, reasons)
    layout = builder.build(candidates)
    found = dict(layout.reasons)
    for i in fill(problem, sites, layout, unplaced_people(layout, problem.n)):
        found.pop(i, None)
    if close_groups(problem, sites, layout):
        layout.compact()
    return layout, found


def _layout_starts(
    problem: Problem, sites: Sites, params: SolveParams, previous: Solution | None
) -> int:
    """How many constructions to try: several only where the sites differ (venues,
    times, travel, shared criteria), the search settles fast (one block, one round)
    and no previous grouping must be kept."""
    if previous is not None or problem.rounds > 1 or problem.n > params.block_size:
        return 1
    if sites.count < 2:
        return 1
    # Smaller problems settle sooner, so they can afford more tries.
    return max(1, min(params.layout_starts, LAYOUT_PEOPLE // max(1, problem.n)))


def _standing(problem: Problem, enc: Encoded, assignment: IntArray) -> tuple[int, int, float]:
    """(placed, -repeated encounters, diversity): the order in which groupings compare."""
    groups = _members_by_group(assignment, int(assignment.max(initial=-1)) + 1)
    arrays = [np.asarray(m, dtype=np.int64) for m in groups if m]
    met = _met_before(problem)
    repeats = sum(len(met.get(i, set()).intersection(m)) for m in groups for i in m) // 2
    diversity = float(group_diversities(enc, arrays)[0].sum()) if arrays else 0.0
    return int((assignment >= 0).sum()), -repeats, diversity


def _quiet_phase(_phase: str, _score: float, _fraction: float) -> None:
    return None


def _fill_after_search(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    layout: Layout,
    assignment: IntArray,
    reasons: dict[int, Reason],
    seed: int,
    params: SolveParams,
) -> tuple[Layout, list[IntArray]]:
    """The search changes group sizes: a group may now have room for someone left out,
    or a group's members may now all fit in other groups (`close_groups`).

    Returns the (possibly changed) layout and the round's assignment; when it
    changed, a descent (no time limit, bounded by moves) makes it a local
    optimum again."""
    after = Layout(
        site=list(layout.site),
        members=_members_by_group(assignment, len(layout.site)),
        locked=layout.locked,
        reasons=layout.reasons,
    )
    added = fill(problem, sites, after, unplaced_people(after, problem.n))
    closed = close_groups(problem, sites, after)
    if not added and not closed:
        return layout, [assignment]
    after.compact()
    for i in added:
        reasons.pop(i, None)
    start = after.assignment(problem.n)
    still = dataclasses.replace(params, max_iterations=0, passes=1)
    polished = _improve(
        problem, enc, sites, after, start, _met_before(problem), 0.0, seed, still, _quiet
    )
    return after, [polished]


def _quiet(_score: float, _fraction: float) -> None:
    return None


def _met_before(problem: Problem) -> dict[int, set[int]]:
    met: dict[int, set[int]] = {}
    for x, y in problem.met_before:
        i, j = problem.index[x], problem.index[y]
        met.setdefault(i, set()).add(j)
        met.setdefault(j, set()).add(i)
    return met


def _drop_lonely_partners(problem: Problem, reasons: dict[int, Reason]) -> None:
    """A `together` partner of someone who cannot be placed cannot be placed either."""
    changed = True
    while changed:
        changed = False
        for a, b in problem.together:
            for x, y in ((a, b), (b, a)):
                i, j = problem.index[x], problem.index[y]
                if i in reasons and j not in reasons:
                    reasons[j] = Reason(
                        "partner_unplaced",
                        f"they must be with {x}, who cannot be placed",
                        {"partner": x},
                    )
                    changed = True


# ----- incremental seeding -----


def _seed_previous(
    problem: Problem,
    builder: Builder,
    sites: Sites,
    previous: Solution,
    candidates: list[int],
    reasons: dict[int, Reason],
) -> list[int]:
    """Re-create the previous groups (minus people gone) and lock their members."""
    if not previous.rounds:
        return candidates
    venue_index = {v.id: k for k, v in enumerate(problem.venues)}
    placeable = set(candidates)
    seeded: list[tuple[int, list[int]]] = []
    for group in previous.rounds[0].groups:
        members = [problem.index[m] for m in group.members if m in problem.index]
        members = [i for i in members if i in placeable]
        if not members:
            continue
        venue = venue_index.get(group.venue, -1) if group.venue is not None else -1
        common = sites.of(members[0])
        for i in members[1:]:
            common = np.intersect1d(common, sites.of(i))
        match = [
            int(s)
            for s in common.tolist()
            if int(sites.venue[s]) == venue and sites.slot[s] == group.slot
        ]
        if not match:
            continue  # the old group is no longer possible: its members are placed afresh
        seeded.append((match[0], members))
    builder.seed(seeded)
    taken = {i for _, members in seeded for i in members}
    return [i for i in candidates if i not in taken]


# ----- improvement -----


def _blocks(
    problem: Problem, sites: Sites, layout: Layout, size: int, shift: float
) -> list[list[int]]:
    """Consecutive groups (ordered by venue position, then slot) holding ~`size` people."""
    n_groups = len(layout.site)
    if n_groups == 0:
        return []
    keys = []
    for g in range(n_groups):
        site = layout.site[g]
        v = int(sites.venue[site])
        loc = problem.venues[v].location if v >= 0 else None
        keys.append(
            (
                round(loc.lat, 2) if loc else 0.0,
                loc.lon if loc else 0.0,
                v,
                sites.slot[site] or "",
                g,
            )
        )
    order = [k[-1] for k in sorted(keys)]
    counts = [len(layout.members[g]) for g in order]
    total = sum(counts)
    if total <= size:
        return [order]
    n_blocks = max(1, round(total / size))
    target = total / n_blocks
    offset = shift * target
    out: list[list[int]] = [[]]
    acc = 0.0
    for g, c in zip(order, counts, strict=True):
        out[-1].append(g)
        acc += c
        if acc >= offset + target * len(out) and len(out) < n_blocks + 1:
            out.append([])
    return [b for b in out if b]


def _block_instance(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    layout: Layout,
    groups: list[int],
    assignment: IntArray,
    met: dict[int, set[int]],
) -> tuple[IntArray, core.CoreInstance, IntArray]:
    people = np.nonzero(np.isin(assignment, np.array(groups, dtype=np.int64)))[0].astype(np.int64)
    m = len(people)
    local_group = {g: k for k, g in enumerate(groups)}
    initial = np.array([local_group[int(assignment[i])] for i in people], dtype=np.int64)
    weights = enc.square(people)
    b = problem.max_size
    # Priority 2 over 3: one avoided repeat outweighs any possible diversity gain.
    penalty = m * (b - 1) / 2.0 + 1.0
    forbid = penalty * (m + 1)
    local = {int(i): k for k, i in enumerate(people)}
    for i in people.tolist():
        for j in met.get(i, ()):
            k = local.get(j)
            if k is not None:
                weights[local[i], k] -= penalty
    apart = [(problem.index[x], problem.index[y]) for x, y in problem.apart]
    for x, y in apart:
        if x in local and y in local:
            weights[local[x], local[y]] -= forbid
            weights[local[y], local[x]] -= forbid
    group_sites = np.array([layout.site[g] for g in groups], dtype=np.int64)
    allowed = np.zeros((m, len(groups)), dtype=np.bool_)
    mark = np.zeros(sites.count, dtype=np.bool_)
    for k, i in enumerate(people.tolist()):
        own = sites.of(i)
        mark[own] = True
        allowed[k] = mark[group_sites]
        mark[own] = False
    fixed = -np.ones(m, dtype=np.int64)
    multi: set[int] = set()
    if problem.together:
        units = together_units(problem, people.tolist())
        multi = {i for unit in units if len(unit) > 1 for i in unit}
    for k, i in enumerate(people.tolist()):
        if i in layout.locked or i in multi:
            fixed[k] = initial[k]
    size = len(groups)
    instance = core.CoreInstance(
        weights=weights,
        min_size=np.full(size, problem.min_size, dtype=np.int64),
        max_size=np.full(size, b, dtype=np.int64),
        allowed=None if allowed.all() else allowed,
        fixed=fixed if (fixed >= 0).any() else None,
    )
    return people, instance, initial


def _improve_rounds(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    layout: Layout,
    first: IntArray,
    deadline: float,
    seed: int,
    params: SolveParams,
    report_progress: Callable[[str, float, float], None],
) -> list[IntArray]:
    """One assignment per round; round r avoids pairs met before and in rounds < r."""
    met = _met_before(problem)
    if problem.rounds > 1 and not layout.locked:
        scheduled = _schedule_rounds(
            problem, enc, sites, layout, first, met, deadline, seed, params, report_progress
        )
        if scheduled is not None:
            return scheduled
    out: list[IntArray] = []
    current = first.copy()
    for r in range(problem.rounds):
        remaining = max(0.0, deadline - time.perf_counter())
        round_deadline = time.perf_counter() + remaining / (problem.rounds - r)

        def round_report(score: float, fraction: float, r: int = r) -> None:
            report_progress("improve", score, (r + fraction) / problem.rounds)

        current = _improve(
            problem,
            enc,
            sites,
            layout,
            current,
            met,
            round_deadline,
            seed + 7919 * r,
            params,
            round_report,
            fresh=r > 0,
        )
        out.append(current.copy())
        if r == problem.rounds - 1:
            break
        for members in _members_by_group(current, len(layout.site)):
            for i in members:
                met.setdefault(i, set()).update(j for j in members if j != i)
    return out


def _schedule_rounds(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    layout: Layout,
    first: IntArray,
    met: dict[int, set[int]],
    deadline: float,
    seed: int,
    params: SolveParams,
    report_progress: Callable[[str, float, float], None],
) -> list[IntArray] | None:
    """All rounds at once with `rounds.solve_rounds` (small problems: one block).

    None when it does not apply or fails, and the caller solves round by round."""
    placed = np.nonzero(first >= 0)[0].astype(np.int64)
    n_groups = len(layout.site)
    if not 0 < placed.size <= params.block_size or n_groups < 2:
        return None
    groups = list(range(n_groups))
    people, instance, _ = _block_instance(problem, enc, sites, layout, groups, first, met)
    m, b, n_rounds = len(people), problem.max_size, problem.rounds
    # Repeats first: one repeat outweighs all the diversity of every round.
    penalty = n_rounds * m * (b - 1) / 2.0 + 1.0
    limit = max(0.0, deadline - time.perf_counter())

    def on_rounds(elapsed: float, repeats: int, diversity: float) -> None:
        report_progress("improve", diversity - penalty * repeats, elapsed / max(limit, 1e-9))

    try:
        result = rounds.solve_rounds(
            instance.weights,
            problem.min_size,
            b,
            n_groups,
            n_rounds,
            met_before_penalty=penalty,
            allowed=instance.allowed,
            fixed=instance.fixed,
            time_limit=limit,
            seed=seed,
            max_iterations=params.max_iterations,
            progress=on_rounds,
        )
    except ValueError as error:
        log.info("schedule search not applicable (%s); solving round by round", error)
        return None
    out = []
    for row in result.assignments:
        local = np.asarray(row, dtype=np.int64)
        found = _block_violation(problem, instance, people, local)
        if found:
            log.error("schedule search returned an invalid round (%s); round by round", found)
            return None
        assignment = -np.ones(problem.n, dtype=np.int64)
        assignment[people] = local
        out.append(assignment)
    return out


def _improve(
    problem: Problem,
    enc: Encoded,
    sites: Sites,
    layout: Layout,
    start: IntArray,
    met: dict[int, set[int]],
    deadline: float,
    seed: int,
    params: SolveParams,
    report: Callable[[float, float], None],
    *,
    fresh: bool = False,
) -> IntArray:
    """Improve `start` block by block; `fresh`: let the core reshuffle each block
    first (later rounds start from a new random grouping, not from a copy)."""
    assignment = start.copy()
    placed = int((assignment >= 0).sum())
    if placed == 0 or len(layout.site) <= 1:
        return assignment
    passes = params.passes if placed > params.block_size else 1
    plan = [
        _blocks(problem, sites, layout, params.block_size, shift=p / passes) for p in range(passes)
    ]
    work = sum(sum(len(layout.members[g]) for g in blk) for blocks in plan for blk in blocks)
    done = 0
    score = 0.0
    for p, blocks in enumerate(plan):
        for k, blk in enumerate(blocks):
            people, instance, initial = _block_instance(
                problem, enc, sites, layout, blk, assignment, met
            )
            m = len(people)
            remaining = max(0.0, deadline - time.perf_counter())
            share = remaining * m / max(1, work - done)
            base = core.pair_objective(instance.weights, initial)
            start_from: IntArray | None = initial
            if fresh and p == 0 and instance.fixed is None:
                start_from = None  # the core builds a random feasible grouping

            def on_core(
                _t: float, best: float, base: float = base, at: float = score, done: int = done
            ) -> None:
                report(at + best - base, done / max(1, work))

            result = _run_core(
                instance,
                start_from,
                initial,
                time_limit=share,
                seed=seed * 1_000_003 + p * 10_007 + k,
                params=params,
                progress=on_core,
            )
            problem_found = _block_violation(problem, instance, people, result.assignment)
            if problem_found:
                # Keep the block as it was: never let a faulty search step through.
                log.error("core returned an invalid block (%s); kept as before", problem_found)
            elif result.objective >= base - 1e-9 or (fresh and p == 0):
                groups = np.array(blk, dtype=np.int64)
                assignment[people] = groups[result.assignment]
                score += result.objective - base
            done += m
            report(score, done / max(1, work))
    return assignment


def _block_violation(
    problem: Problem, instance: core.CoreInstance, people: IntArray, local: IntArray
) -> str:
    """Cheap re-check of a block's core result against its own instance."""
    n_groups = len(instance.min_size)
    if local.shape != people.shape or (local < 0).any() or (local >= n_groups).any():
        return "assignment out of range"
    sizes = np.bincount(local, minlength=n_groups)
    if (sizes < instance.min_size).any() or (sizes > instance.max_size).any():
        return f"group sizes {sorted(set(sizes.tolist()))}"
    if instance.allowed is not None and not instance.allowed[np.arange(len(local)), local].all():
        return "a person in a group they may not join"
    if instance.fixed is not None:
        locked = instance.fixed >= 0
        if (local[locked] != instance.fixed[locked]).any():
            return "a locked person moved"
    if problem.apart:
        where = {int(i): int(g) for i, g in zip(people.tolist(), local.tolist(), strict=True)}
        for x, y in problem.apart:
            i, j = problem.index[x], problem.index[y]
            if i in where and j in where and where[i] == where[j]:
                return f"apart pair {x}, {y} together"
    return ""


def _run_core(
    instance: core.CoreInstance,
    start: IntArray | None,
    fallback: IntArray,
    *,
    time_limit: float,
    seed: int,
    params: SolveParams,
    progress: core.ProgressCallback,
) -> core.CoreResult:
    def run(initial: IntArray | None) -> core.CoreResult:
        return core.improve(
            instance,
            initial=initial,
            time_limit=time_limit,
            seed=seed,
            max_iterations=params.max_iterations,
            workers=params.workers,
            progress=progress,
        )

    try:
        return run(start)
    except ValueError:
        if start is None:  # the core found no random start: keep ours
            return run(fallback)
        raise


# ----- output -----


def _members_by_group(assignment: IntArray, n_groups: int) -> list[list[int]]:
    """Members of each group in one pass (not one scan of everyone per group)."""
    out: list[list[int]] = [[] for _ in range(n_groups)]
    for i, g in enumerate(assignment.tolist()):
        if g >= 0:
            out[g].append(i)
    return out


def _to_solution(
    problem: Problem,
    sites: Sites,
    layout: Layout,
    assignments: list[IntArray],
    reasons: dict[int, Reason],
) -> Solution:
    rounds = []
    unplaced = []
    for r, assignment in enumerate(assignments):
        groups = []
        by_group = _members_by_group(assignment, len(layout.site))
        for g, site in enumerate(layout.site):
            members = by_group[g]
            if not members:
                continue
            v = int(sites.venue[site])
            groups.append(
                Group(
                    members=tuple(problem.people[i].id for i in members),
                    venue=problem.venues[v].id if v >= 0 else None,
                    slot=sites.slot[site],
                )
            )
        rounds.append(Round(groups=tuple(groups)))
        for i in np.nonzero(assignment < 0)[0].tolist():
            reason = reasons.get(i) or Reason("not_placed", "no valid group could take them")
            unplaced.append(Unplaced(problem.people[i].id, r, reason))
    return Solution(rounds=tuple(rounds), unplaced=tuple(unplaced))


def _drop_invalid(problem: Problem, solution: Solution, broken: list[Violation]) -> Solution:
    """Last resort: unplace the members of every group that breaks a rule."""
    bad = {(v.round, v.group) for v in broken if v.group >= 0}
    rounds, unplaced = [], list(solution.unplaced)
    reason = Reason("internal_error", "the engine could not place them safely; please report it")
    for r, rnd in enumerate(solution.rounds):
        keep = []
        for g, group in enumerate(rnd.groups):
            if (r, g) in bad:
                unplaced.extend(Unplaced(pid, r, reason) for pid in group.members)
            else:
                keep.append(group)
        rounds.append(Round(groups=tuple(keep)))
    out = Solution(rounds=tuple(rounds), unplaced=tuple(unplaced))
    if violations(problem, out):
        raise ProblemError("the engine could not build a valid grouping")  # pragma: no cover
    return out
