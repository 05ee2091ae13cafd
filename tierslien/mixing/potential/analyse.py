"""What limits the mix, and what would raise it: relax one constraint at a time, try
the levers a facilitator can pull, and measure each by a real re-solve.

Every figure in an `Analysis` comes from `solve` with the baseline's seed and time
limit (deterministic when `SolveParams.max_iterations` is set); the cheap screening
in `changes.py` only decides which levers are worth solving.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tierslien.mixing.potential.changes import (
    RELAXATIONS,
    applies,
    apply_change,
    screen_levers,
)
from tierslien.mixing.potential.figures import Figures, figures_of
from tierslien.mixing.problem import Location, Problem, ProblemError
from tierslien.mixing.solver import Result, SolveParams, solve

ProgressFn = Callable[[float], None]

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


@dataclass(frozen=True)
class Change:
    """A relaxation or a lever, evaluated by re-solving."""

    kind: str
    params: dict[str, str | float]
    figures: Figures
    gain_placed: int  # figures.placed - baseline.placed
    gain_entre_soi: dict[str, float]  # baseline - figures, per criterion (positive = more mixed)
    changed: int  # people whose circle changes vs the baseline

    def score(self) -> tuple[int, float]:
        """(people gained, mean entre-soi gain): how levers and relaxations are ranked."""
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
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            kind=str(data["kind"]),
            params=dict(data["params"]),
            figures=Figures.from_dict(data["figures"]),
            gain_placed=int(data["gain_placed"]),
            gain_entre_soi={str(k): float(v) for k, v in dict(data["gain_entre_soi"]).items()},
            changed=int(data["changed"]),
        )


def compare(
    kind: str, params: Mapping[str, str | float], figures: Figures, baseline: Figures
) -> Change:
    """The gains and cost of `figures` against the baseline's."""
    gains = {
        name: round(before - figures.entre_soi[name], 4)
        for name, before in baseline.entre_soi.items()
        if name in figures.entre_soi
    }
    return Change(
        kind=kind,
        params=dict(params),
        figures=figures,
        gain_placed=figures.placed - baseline.placed,
        gain_entre_soi=gains,
        changed=changed_circles(baseline, figures),
    )


def changed_circles(before: Figures, after: Figures) -> int:
    """People whose co-members differ, or who went from placed to unplaced or back."""
    a, b = before.circles(), after.circles()
    return sum(1 for pid in a.keys() | b.keys() if a.get(pid) != b.get(pid))


@dataclass(frozen=True)
class Analysis:
    baseline: Figures
    relaxations: tuple[Change, ...]  # costliest constraint first
    levers: tuple[Change, ...]  # best lever first
    elapsed: float = field(default=0.0, compare=False)  # seconds, all solves included
    solves: int = 0
    criteria: tuple[str, ...] = field(default=())  # the criteria of entre_soi, in problem order

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
        out = [
            f"Now: {b.placed} people placed, {b.unplaced} unplaced; diversity {b.diversity:.2f}, "
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
            out.append(
                f"{head}: {lever_text(change)}: {_gain_text(change, b)}; "
                f"{change.changed} people's circle changes."
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline.to_dict(),
            "relaxations": [c.to_dict() for c in self.relaxations],
            "levers": [c.to_dict() for c in self.levers],
            "elapsed": round(self.elapsed, 3),
            "solves": self.solves,
            "criteria": list(self.criteria),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Analysis:
        return cls(
            baseline=Figures.from_dict(data["baseline"]),
            relaxations=tuple(Change.from_dict(c) for c in data["relaxations"]),
            levers=tuple(Change.from_dict(c) for c in data["levers"]),
            elapsed=float(data.get("elapsed", 0.0)),
            solves=int(data.get("solves", 0)),
            criteria=tuple(str(c) for c in data.get("criteria", ())),
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
    g = change.gain_placed
    if g > 0:
        parts.append(f"{g} more people placed")
    elif g < 0:
        parts.append(f"{-g} fewer people placed")
    else:
        parts.append("as many people placed")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _ranked(changes: list[Change]) -> tuple[Change, ...]:
    """Best score first; ties keep their order (the screening's, or the fixed relaxation order)."""
    order = sorted(
        range(len(changes)), key=lambda k: (-changes[k].score()[0], -changes[k].score()[1], k)
    )
    return tuple(changes[k] for k in order)


def _solve(problem: Problem, time_limit: float, seed: int, params: SolveParams | None) -> Result:
    return solve(problem, time_limit=time_limit, seed=seed, params=params)


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
) -> Change:
    """One change (e.g. a venue at coordinates the facilitator typed), by a real re-solve."""
    changed = apply_change(
        problem, kind, params, sectors=sectors, slots=slots, accept_online=accept_online
    )
    figures = figures_of(_solve(changed, time_limit, seed, params_solve))
    return compare(kind, params, figures, baseline)


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
) -> Analysis:
    """Solve the problem, then each relaxation and the `max_levers` best-screened levers.

    `progress` receives the fraction of solves done after each one."""
    if max_levers < 0:
        raise ProblemError("max_levers must be >= 0", where="what-if")
    started = time.perf_counter()
    accept = frozenset(accept_online)
    baseline = figures_of(_solve(problem, time_limit, seed, params))
    kinds = [k for k in RELAXATIONS if applies(problem, k)]
    candidates = screen_levers(
        problem,
        baseline,
        sectors=sectors,
        sector_points=sector_points,
        slots=slots,
        accept_online=accept,
        max_levers=max_levers,
    )
    total = 1 + len(kinds) + len(candidates)
    done = [1]

    def step() -> None:
        if progress is not None:
            progress(min(1.0, done[0] / total))
        done[0] += 1

    step()
    common: dict[str, Any] = {
        "baseline": baseline,
        "sectors": sectors,
        "slots": slots,
        "accept_online": accept,
        "time_limit": time_limit,
        "seed": seed,
        "params_solve": params,
    }
    relaxations = []
    for kind in kinds:
        relaxations.append(evaluate(problem, kind, _relaxation_params(problem, kind), **common))
        step()
    levers = []
    for candidate in candidates:
        levers.append(evaluate(problem, candidate.kind, candidate.params, **common))
        step()
    return Analysis(
        baseline=baseline,
        relaxations=_ranked(relaxations),
        levers=_ranked(levers),
        elapsed=time.perf_counter() - started,
        solves=total,
        criteria=tuple(baseline.entre_soi),
    )


def _relaxation_params(problem: Problem, kind: str) -> dict[str, str | float]:
    if kind == "sizes":
        low = min(problem.min_size, max(2, problem.min_size - 1))
        return {"min_size": low, "max_size": problem.max_size + 1}
    return {}
