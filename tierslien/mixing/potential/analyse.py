"""What limits the mix, and what would raise it: relax one constraint at a time, try
the levers a facilitator can pull, and measure each by a real re-solve.

Every figure in an `Analysis` comes from `solve` with the baseline's seed and time
limit (deterministic when `SolveParams.max_iterations` is set); the cheap screening
in `changes.py` only decides which levers are worth solving.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tierslien.mixing.potential.changes import (
    LEVERS,
    RELAXATIONS,
    applies,
    apply_change,
    screen_levers,
)
from tierslien.mixing.potential.figures import (
    Figures,
    check_solution,
    figures_of,
    figures_of_solution,
    without_criteria,
)
from tierslien.mixing.problem import Location, Problem, ProblemError
from tierslien.mixing.solution import Solution
from tierslien.mixing.solver import Progress, ProgressCallback, SolveParams, solve

ProgressFn = Callable[[float], None]

# Compositions of the best lever (its own and DRAWS - 1 more seeds) from which the
# likely range of another is estimated: two solves more than the analysis' 10 to 16.
# More narrow the interval (Student's t falls from 1.89 with 3 to 1.44 with 7).
DRAWS = 3

# How each relaxation is named in sentences: (the constraint, the relaxed world).
RELAXATION_WORDS: dict[str, tuple[str, str]] = {
    "travel": ("the travel distance", "with no travel limit"),
    "venues_times": (
        "the venues and their opening times",
        "with every venue open at every time and everyone free then",
    ),
    "shared": ("the shared criteria", "without the shared criteria"),
    "sizes": ("the group sizes", "with groups one smaller and one larger"),
}


# Student's t quantile at 0.90 (a two-sided 80 % interval) for 1 to 10 degrees of
# freedom; beyond, the normal's.
_T80 = (3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372)
_Z80 = 1.2816


def likely_range(values: Sequence[float], floor: float | None = None) -> tuple[float, float]:
    """Where one more draw made the same way falls 8 times in 10, from `values`:
    Student's prediction interval, mean +- t s sqrt(1 + 1/k) (k values, s their standard
    deviation), at least `floor`. Why not their lowest and highest: a fourth draw falls
    outside the range of three half the time. (v, v) for a single value."""
    k = len(values)
    if k == 0:
        raise ValueError("no value")
    mean = sum(values) / k
    if k == 1:
        return mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (k - 1))
    t = _T80[k - 2] if k - 2 < len(_T80) else _Z80
    half = t * sd * math.sqrt(1 + 1 / k)
    low, high = mean - half, mean + half
    if floor is not None:
        low, high = max(floor, low), max(floor, high)
    return round(low, 4), round(high, 4)


@dataclass(frozen=True)
class Spread:
    """One change composed with `draws` seeds (its own first) and each figure's values.
    Why: a composition is one draw among groupings of nearly equal diversity, and for a
    question with two or three answers their entre-soi differs widely (bench/RESULTS.md,
    "Mixing potential on the demo town"); a facilitator who applies the lever gets one
    more draw, so `likely` (8 in 10, `likely_range`) is what to expect."""

    draws: int
    placed: tuple[int, ...]
    diversity: tuple[float, ...]
    entre_soi: dict[str, tuple[float, ...]]

    @classmethod
    def of(cls, figures: Sequence[Figures]) -> Spread:
        names = [n for n in figures[0].entre_soi if all(n in f.entre_soi for f in figures)]
        return cls(
            draws=len(figures),
            placed=tuple(f.placed for f in figures),
            diversity=tuple(round(f.diversity, 6) for f in figures),
            entre_soi={n: tuple(f.entre_soi[n] for f in figures) for n in names},
        )

    @property
    def likely(self) -> dict[str, tuple[float, float]]:
        """Each entre-soi's 80 % prediction interval (an index is never below 1)."""
        return {n: likely_range(v, floor=1.0) for n, v in self.entre_soi.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "placed": list(self.placed),
            "diversity": list(self.diversity),
            "entre_soi": {n: list(v) for n, v in self.entre_soi.items()},
            "likely": {n: list(v) for n, v in self.likely.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spread:
        return cls(
            draws=int(data["draws"]),
            placed=tuple(int(v) for v in data["placed"]),
            diversity=tuple(float(v) for v in data["diversity"]),
            entre_soi={
                str(n): tuple(float(x) for x in v) for n, v in dict(data["entre_soi"]).items()
            },
        )


@dataclass(frozen=True)
class Change:
    """A relaxation or a lever, evaluated by re-solving.

    `figures`/`gain_*`/`changed` are the full recomposition (a fresh solve). For a
    lever, `kept` is the same change solved from today's circles (`solve(...,
    previous=current)`, or `previous=baseline` when no current circles are given: they
    are kept as far as possible and the others placed around them), with its own gains
    and `kept_changed`; None for relaxations.

    `changed`/`kept_changed` count against today's circles when given (`current`),
    else against the baseline; the gains are always against the baseline (both sides
    solves with the same seed and limits).

    `spread`: the full recomposition drawn again with other seeds (`analyse` does so
    for the best lever), None when it was not."""

    kind: str
    params: dict[str, str | float]
    figures: Figures
    gain_placed: int  # figures.placed - baseline.placed
    gain_entre_soi: dict[str, float]  # baseline - figures, per criterion (positive = more mixed)
    changed: int  # people whose circle changes vs today's circles (or the baseline)
    kept: Figures | None = None  # the lever solved keeping today's circles
    kept_changed: int = 0  # people whose circle changes then
    kept_gain_placed: int = 0  # kept.placed - baseline.placed
    kept_gain_entre_soi: dict[str, float] = field(default_factory=dict)
    spread: Spread | None = None

    def score(self) -> tuple[int, float]:
        """(people gained, mean entre-soi gain) of the full recomposition: how levers and
        relaxations are ranked."""
        gains = list(self.gain_entre_soi.values())
        return self.gain_placed, (sum(gains) / len(gains) if gains else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "figures": self.figures.to_dict(),
            "gain_placed": self.gain_placed,
            "gain_entre_soi": dict(self.gain_entre_soi),
            "changed": self.changed,
            "kept": None if self.kept is None else self.kept.to_dict(),
            "kept_changed": self.kept_changed,
            "kept_gain_placed": self.kept_gain_placed,
            "kept_gain_entre_soi": dict(self.kept_gain_entre_soi),
            "spread": None if self.spread is None else self.spread.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        """Read `to_dict`'s output back; dicts written before `kept` or `spread` existed
        read as None."""
        kept = data.get("kept")
        spread = data.get("spread")
        return cls(
            kind=str(data["kind"]),
            params=dict(data["params"]),
            figures=Figures.from_dict(data["figures"]),
            gain_placed=int(data["gain_placed"]),
            gain_entre_soi={str(k): float(v) for k, v in dict(data["gain_entre_soi"]).items()},
            changed=int(data["changed"]),
            kept=None if kept is None else Figures.from_dict(kept),
            kept_changed=int(data.get("kept_changed", 0)),
            kept_gain_placed=int(data.get("kept_gain_placed", 0)),
            kept_gain_entre_soi={
                str(k): float(v) for k, v in dict(data.get("kept_gain_entre_soi") or {}).items()
            },
            spread=None if spread is None else Spread.from_dict(spread),
        )


def compare(
    kind: str,
    params: Mapping[str, str | float],
    figures: Figures,
    baseline: Figures,
    kept: Figures | None = None,
    current: Figures | None = None,
) -> Change:
    """The gains of `figures` (and of `kept`, if given) against the baseline's; their
    cost (people whose circle changes) against `current`, or the baseline if None."""
    before = baseline if current is None else current
    return Change(
        kind=kind,
        params=dict(params),
        figures=figures,
        gain_placed=figures.placed - baseline.placed,
        gain_entre_soi=_gains(baseline, figures),
        changed=changed_circles(before, figures),
        kept=kept,
        kept_changed=0 if kept is None else changed_circles(before, kept),
        kept_gain_placed=0 if kept is None else kept.placed - baseline.placed,
        kept_gain_entre_soi={} if kept is None else _gains(baseline, kept),
    )


def _gains(baseline: Figures, figures: Figures) -> dict[str, float]:
    return {
        name: round(before - figures.entre_soi[name], 4)
        for name, before in baseline.entre_soi.items()
        if name in figures.entre_soi
    }


def changed_circles(before: Figures, after: Figures) -> int:
    """People whose co-members differ, or who went from placed to unplaced or back."""
    a, b = before.circles(), after.circles()
    return sum(1 for pid in a.keys() | b.keys() if a.get(pid) != b.get(pid))


@dataclass(frozen=True)
class Analysis:
    """A baseline solve, the relaxations and the levers, each measured by a re-solve.

    `current`: the figures of today's circles when `analyse` was given them (read, not
    solved); the costs (`Change.changed`, `kept_changed`) were then counted against them
    and the kept variants solved from them. Gains stay against `baseline`."""

    baseline: Figures
    relaxations: tuple[Change, ...]  # costliest constraint first
    levers: tuple[Change, ...]  # best lever first
    elapsed: float = field(default=0.0, compare=False)  # seconds, all solves included
    solves: int = 0
    criteria: tuple[str, ...] = field(default=())  # the criteria of entre_soi, in problem order
    current: Figures | None = None  # today's circles, when given

    @property
    def costliest(self) -> Change | None:
        """The relaxation that gains most, if relaxing anything gains at all."""
        if self.relaxations and self.relaxations[0].score() > (0, 0.0):
            return self.relaxations[0]
        return None

    @property
    def best_lever(self) -> Change | None:
        if self.levers and self.levers[0].score() > (0, 0.0):
            return self.levers[0]
        return None

    def sentences(self) -> list[str]:
        """Plain English with the numbers (the web writes its own translated ones)."""
        b = self.baseline
        out = []
        if self.current is not None:
            c = self.current
            out.append(
                f"Today's circles: {c.placed} people placed, {c.unplaced} unplaced"
                + (f"; entre-soi {_entre_soi_text(c.entre_soi)}." if c.entre_soi else ".")
            )
        out += [
            f"{'A fresh composition' if self.current is not None else 'Now'}: "
            f"{b.placed} people placed, {b.unplaced} unplaced; diversity {b.diversity:.2f}, "
            f"{100 * b.ratio:.1f}% of the upper bound {b.upper_bound:.2f}"
            + (f"; entre-soi {_entre_soi_text(b.entre_soi)}." if b.entre_soi else ".")
        ]
        top = self.costliest
        if top is None:
            out.append(
                "No single constraint measurably limits the mix: relaxing any one gains nothing."
            )
        else:
            name, world = RELAXATION_WORDS[top.kind]
            out.append(f"The costliest constraint is {name}: {world}, {_gain_text(top, b)}.")
        for change in self.relaxations:
            if change is top:
                continue
            name, world = RELAXATION_WORDS[change.kind]
            out.append(f"{world[0].upper()}{world[1:]}: {_gain_text(change, b)}.")
        best = self.best_lever
        if best is None and self.levers:
            out.append("None of the levers tried would raise the mix.")
        for k, change in enumerate(self.levers):
            head = "Best lever" if change is best else f"Lever {k + 1}"
            out.append(f"{head}: {lever_text(change)}: {_lever_text(change, b)}.")
            if change.spread is not None:
                out.append(_spread_text(change.spread))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline.to_dict(),
            "relaxations": [c.to_dict() for c in self.relaxations],
            "levers": [c.to_dict() for c in self.levers],
            "elapsed": round(self.elapsed, 3),
            "solves": self.solves,
            "criteria": list(self.criteria),
            "current": None if self.current is None else self.current.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Analysis:
        """Read `to_dict`'s output back; dicts written before `current` existed read as None."""
        current = data.get("current")
        return cls(
            baseline=Figures.from_dict(data["baseline"]),
            relaxations=tuple(Change.from_dict(c) for c in data["relaxations"]),
            levers=tuple(Change.from_dict(c) for c in data["levers"]),
            elapsed=float(data.get("elapsed", 0.0)),
            solves=int(data.get("solves", 0)),
            criteria=tuple(str(c) for c in data.get("criteria", ())),
            current=None if current is None else Figures.from_dict(current),
        )


def lever_text(change: Change) -> str:
    p = change.params
    if change.kind == "open_slot":
        return f"open venue {p['venue']} on {p['slot']}"
    if change.kind == "add_venue":
        return f"add a venue at {p.get('label') or f'{p["lat"]}, {p["lon"]}'}"
    if change.kind == "online":
        return (
            f"offer online circles to the {int(float(p.get('people', 0)))} people who accept them"
        )
    if change.kind == "widen":
        return f"ask the people of {p['sector']} to widen their availabilities to every time"
    return change.kind


def _entre_soi_text(values: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in values.items())


def _gain_text(change: Change, baseline: Figures) -> str:
    parts = []
    for name, before in baseline.entre_soi.items():
        after = change.figures.entre_soi.get(name)
        if after is not None and round(after, 2) != round(before, 2):
            parts.append(f"{name} would be mixed {after:.2f} instead of {before:.2f}")
    if baseline.entre_soi and not parts:
        parts.append("the entre-soi would not change")
    parts.append(_placed_text(change.gain_placed, " people"))
    return _and(parts)


def _lever_text(change: Change, baseline: Figures) -> str:
    """Both ways of applying a lever: recomposing everything, and keeping today's circles."""
    fresh = [
        _placed_text(change.gain_placed, " people"),
        *_moves(baseline, change.figures),
    ]
    text = f"recomposing everything, {_and(fresh)} ({_circles_change(change.changed)})"
    if change.kept is None:
        return text
    kept = [_placed_text(change.kept_gain_placed, ""), *_moves(baseline, change.kept)]
    return (
        f"{text}; keeping today's circles, {', '.join(kept)} and "
        f"{_circles_change(change.kept_changed)}"
    )


def _spread_text(spread: Spread) -> str:
    """ "Likely, 8 compositions in 10 (from 3 draws): 126 people placed, gender 1.32-1.62." """
    lo, hi = min(spread.placed), max(spread.placed)
    parts = [f"{lo} people placed" if lo == hi else f"{lo}-{hi} people placed"]
    parts += [f"{name} {a:.2f}-{b:.2f}" for name, (a, b) in spread.likely.items()]
    return f"Likely, 8 compositions in 10 (from {spread.draws} draws): {', '.join(parts)}."


def _moves(baseline: Figures, figures: Figures) -> list[str]:
    """ "occupation 1.92 → 1.61" for each entre-soi that moves (at 2 decimals)."""
    out = []
    for name, before in baseline.entre_soi.items():
        after = figures.entre_soi.get(name)
        if after is not None and round(after, 2) != round(before, 2):
            out.append(f"{name} {before:.2f} → {after:.2f}")
    return out


def _placed_text(gain: int, noun: str) -> str:
    if gain > 0:
        return f"{gain} more{noun} placed"
    if gain < 0:
        return f"{-gain} fewer{noun} placed"
    return f"as many{noun} placed"


def _circles_change(count: int) -> str:
    return "1 person's circle changes" if count == 1 else f"{count} people's circles change"


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _ranked(changes: list[Change]) -> tuple[Change, ...]:
    """Best score first; ties keep their order (the screening's, or the fixed relaxation order)."""
    order = sorted(
        range(len(changes)), key=lambda k: (-changes[k].score()[0], -changes[k].score()[1], k)
    )
    return tuple(changes[k] for k in order)


def solves_of(kind: str, keep: bool | None = None) -> int:
    """How many solves `evaluate` runs for a change of this kind (2 for a lever kept)."""
    return 2 if (kind in LEVERS if keep is None else keep) else 1


def evaluate(
    problem: Problem,
    kind: str,
    params: Mapping[str, str | float],
    *,
    baseline: Figures,
    sectors: Mapping[str, str] | None = None,
    slots: Sequence[str] | None = None,
    accept_online: frozenset[str] = frozenset(),
    time_limit: float = 5.0,
    seed: int = 0,
    params_solve: SolveParams | None = None,
    keep: bool | None = None,
    progress: ProgressFn | None = None,
    current: Solution | None = None,
    figures_without: frozenset[str] = frozenset(),
) -> Change:
    """One change (e.g. a venue at coordinates the facilitator typed), by a real re-solve.

    A lever is also solved keeping today's circles (`keep`: default for levers only):
    `solve(..., previous=current)`, or `previous=baseline.solution()` without `current`.
    `current` (today's circles: round-0 groups, ids of `problem`; ProblemError on an
    unknown or repeated id) is also what `changed`/`kept_changed` count against; the
    gains stay against `baseline` (apples to apples: both are solves with the same seed
    and limits, whereas today's circles may come from an older problem or by hand).
    `progress` receives the share of this evaluation done, within each solve too.
    `figures_without`: criteria solved on but left out of every figure (see `analyse`)."""
    hidden = frozenset(figures_without)
    now = None if current is None else figures_of_solution(problem, current, hidden)
    changed = apply_change(
        problem, kind, params, sectors=sectors, slots=slots, accept_online=accept_online
    )
    total = solves_of(kind, keep)
    track = _Tracker(total, progress)
    figures = figures_of(
        solve(
            changed, time_limit=time_limit, seed=seed, params=params_solve, progress=track.during()
        ),
        hidden,
    )
    track.solved()
    kept = None
    if total == 2:
        previous = baseline.solution() if current is None else current
        kept = figures_of(
            solve(
                changed,
                time_limit=time_limit,
                seed=seed,
                params=params_solve,
                progress=track.during(),
                previous=previous,
            ),
            hidden,
        )
        track.solved()
    return compare(kind, params, figures, baseline, kept, now)


class _Tracker:
    """Turns each solve's own progress into the share of a whole run of `total` solves,
    never going back."""

    def __init__(self, total: int, report: ProgressFn | None) -> None:
        self.total = max(1, total)
        self.report = report
        self.done = 0
        self.last = 0.0

    def _send(self, share: float) -> None:
        share = min(1.0, max(self.last, share))
        self.last = share
        if self.report is not None:
            self.report(share)

    def during(self) -> ProgressCallback | None:
        if self.report is None:
            return None

        def on_solve(p: Progress) -> None:
            self._send((self.done + min(1.0, max(0.0, p.fraction))) / self.total)

        return on_solve

    def part(self, solves: int) -> ProgressFn | None:
        """A progress function for a sub-task of `solves` solves (e.g. one `evaluate`)."""
        if self.report is None:
            return None
        start = self.done

        def on_part(share: float) -> None:
            self._send((start + share * solves) / self.total)

        return on_part

    def solved(self, count: int = 1) -> None:
        self.done += count
        self._send(self.done / self.total)


def analyse(
    problem: Problem,
    *,
    sectors: Mapping[str, str] | None = None,
    sector_points: Mapping[str, Location] | None = None,
    slots: Sequence[str] | None = None,
    accept_online: frozenset[str] = frozenset(),
    time_limit: float = 5.0,
    seed: int = 0,
    params: SolveParams | None = None,
    max_levers: int = 6,
    progress: ProgressFn | None = None,
    current: Solution | None = None,
    figures_without: frozenset[str] = frozenset(),
    draws: int = DRAWS,
) -> Analysis:
    """Solve the problem, then each relaxation and the `max_levers` best-screened levers
    (each lever twice: recomposing everything, and keeping today's circles), then the
    best lever's recomposition again with `draws - 1` other seeds (`Change.spread`).

    `current`: today's circles (round-0 groups, ids of `problem`; ProblemError on an
    unknown or repeated id). When given, `Analysis.current` holds their figures (read
    by `build_report`, not solved), each change's `changed`/`kept_changed` counts
    people whose circle differs from them, and each lever's kept variant is solved with
    `previous=current`. Without it, the baseline solve plays today's circles. Gains
    (`gain_*`, `kept_gain_*`) are always against the fresh baseline: apples to apples,
    both are solves with the same seed and limits.

    `progress` receives the share of the whole analysis done: (solves done + the share
    of the current solve) / solves planned, during each solve too.

    `figures_without`: names of criteria that every solve mixes on but that no figure
    speaks of: entre-soi, diversity and upper bound (of the baseline, of each change and
    of `current`) are `build_report`'s on the problem without them, for the same groups;
    the levers are screened on that problem too. (The web solves stand-ins for the
    sensitive questions this way: the engine spends its effort as the real composition
    does, and no figure reads them.)"""
    if max_levers < 0:
        raise ProblemError("max_levers must be >= 0", where="what-if")
    if draws < 1:
        raise ProblemError("draws must be >= 1", where="what-if")
    if current is not None:
        check_solution(problem, current)  # before any solve
    started = time.perf_counter()
    accept = frozenset(accept_online)
    kinds = [k for k in RELAXATIONS if applies(problem, k)]
    # Screening needs the baseline; the total is known once it is done, so the baseline
    # counts as one solve of a provisional total until then.
    track = _Tracker(1 + len(kinds) + 2 * max_levers, progress)
    hidden = frozenset(figures_without)
    baseline = figures_of(
        solve(problem, time_limit=time_limit, seed=seed, params=params, progress=track.during()),
        hidden,
    )
    candidates = screen_levers(
        without_criteria(problem, hidden),
        baseline,
        sectors=sectors,
        sector_points=sector_points,
        slots=slots,
        accept_online=accept,
        max_levers=max_levers,
    )
    again = draws - 1 if candidates else 0
    total = (
        1 + sum(solves_of(k) for k in kinds) + sum(solves_of(c.kind) for c in candidates) + again
    )
    track.total = total
    track.solved()
    common: dict[str, Any] = {
        "baseline": baseline,
        "sectors": sectors,
        "slots": slots,
        "accept_online": accept,
        "time_limit": time_limit,
        "seed": seed,
        "params_solve": params,
        "current": current,
        "figures_without": hidden,
    }
    relaxations = []
    for kind in kinds:
        n = solves_of(kind)
        params_kind = _relaxation_params(problem, kind)
        relaxations.append(evaluate(problem, kind, params_kind, progress=track.part(n), **common))
        track.solved(n)
    levers = []
    for candidate in candidates:
        n = solves_of(candidate.kind)
        levers.append(
            evaluate(problem, candidate.kind, candidate.params, progress=track.part(n), **common)
        )
        track.solved(n)
    ranked = _ranked(levers)
    if again and ranked and ranked[0].score() > (0, 0.0):
        best = ranked[0]
        figures = [best.figures]
        for k in range(1, draws):
            redrawn = evaluate(
                problem,
                best.kind,
                best.params,
                keep=False,
                progress=track.part(1),
                **{**common, "seed": seed + k},
            )
            figures.append(redrawn.figures)
            track.solved()
        ranked = (dataclasses.replace(best, spread=Spread.of(figures)), *ranked[1:])
    elif again:
        track.solved(again)  # no lever gains: nothing to draw again
    return Analysis(
        baseline=baseline,
        relaxations=_ranked(relaxations),
        levers=ranked,
        elapsed=time.perf_counter() - started,
        solves=total,
        criteria=tuple(baseline.entre_soi),
        current=None if current is None else figures_of_solution(problem, current, hidden),
    )


def _relaxation_params(problem: Problem, kind: str) -> dict[str, str | float]:
    if kind == "sizes":
        low = min(problem.min_size, max(2, problem.min_size - 1))
        return {"min_size": low, "max_size": problem.max_size + 1}
    return {}
