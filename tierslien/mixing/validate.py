"""An independent checker: recomputes every hard constraint of the spec from the
problem, sharing no code with the solver (so a solver bug cannot hide itself)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from tierslien.mixing.problem import Problem
from tierslien.mixing.solution import Solution

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Violation:
    round: int
    group: int  # -1 when the violation is not about one group
    message: str


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def violations(
    problem: Problem, solution: Solution, *, tolerance_km: float = 1e-9
) -> list[Violation]:
    """Every broken hard constraint (an empty list: the solution is valid)."""
    out: list[Violation] = []
    people = {p.id: p for p in problem.people}
    venues = {v.id: v for v in problem.venues}
    if len(solution.rounds) != problem.rounds:
        out.append(Violation(-1, -1, f"{len(solution.rounds)} rounds, expected {problem.rounds}"))
    apart = {frozenset(pair) for pair in problem.apart}
    shared = problem.shared_criteria
    for r, rnd in enumerate(solution.rounds):
        seen: Counter[str] = Counter()
        where: dict[str, int] = {}
        hosted: Counter[tuple[str, str | None]] = Counter()
        for g, group in enumerate(rnd.groups):
            bad = [m for m in group.members if m not in people]
            if bad:
                out.append(Violation(r, g, f"unknown people {bad}"))
                continue
            size = len(group.members)
            if not problem.min_size <= size <= problem.max_size:
                out.append(
                    Violation(r, g, f"size {size} outside [{problem.min_size}, {problem.max_size}]")
                )
            for m in group.members:
                seen[m] += 1
                where[m] = g
            members = [people[m] for m in group.members]
            if group.slot is None and any(p.slots is not None for p in members):
                out.append(Violation(r, g, "no slot although members gave their times"))
            if group.slot is not None:
                for p in members:
                    if p.slots is not None and group.slot not in p.slots:
                        out.append(Violation(r, g, f"{p.id} is not free at {group.slot}"))
            if problem.venues:
                if group.venue is None or group.venue not in venues:
                    out.append(Violation(r, g, f"missing or unknown venue {group.venue!r}"))
                else:
                    venue = venues[group.venue]
                    hosted[(venue.id, group.slot)] += 1
                    if venue.slots is not None and group.slot not in venue.slots:
                        out.append(Violation(r, g, f"{venue.id} is not open at {group.slot}"))
                    for p in members:
                        if not p.needs <= venue.features:
                            out.append(Violation(r, g, f"{venue.id} lacks a need of {p.id}"))
                        if p.max_km is not None and p.location is not None:
                            assert venue.location is not None
                            km = great_circle_km(
                                p.location.lat,
                                p.location.lon,
                                venue.location.lat,
                                venue.location.lon,
                            )
                            if km > p.max_km + tolerance_km:
                                out.append(
                                    Violation(r, g, f"{venue.id} is {km:.2f} km from {p.id}")
                                )
            ids = set(group.members)
            for pair in apart:
                if pair <= ids:
                    out.append(Violation(r, g, f"apart pair {sorted(pair)} together"))
            for c in shared:
                answers = [p.attributes.get(c.name) for p in members]
                answers = [a for a in answers if a is not None]
                if c.kind == "categorical":
                    if len(set(answers)) > 1:
                        out.append(Violation(r, g, f"shared criterion {c.name} differs"))
                else:
                    sets = [a for a in answers if isinstance(a, frozenset) and a]
                    if sets and not frozenset.intersection(*sets):
                        out.append(Violation(r, g, f"shared criterion {c.name}: no common label"))
        for pid, count in seen.items():
            if count > 1:
                out.append(Violation(r, -1, f"{pid} is in {count} groups"))
        for (vid, slot), count in hosted.items():
            if count > venues[vid].capacity:
                out.append(Violation(r, -1, f"{vid} hosts {count} groups at {slot}"))
        for a, b in problem.together:
            if (a in where) != (b in where) or (a in where and where[a] != where[b]):
                out.append(Violation(r, -1, f"together pair {a}, {b} split"))
    return out


def is_valid(problem: Problem, solution: Solution) -> bool:
    return not violations(problem, solution)
