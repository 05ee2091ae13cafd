"""The changes the what-if analysis tries, and the cheap screening of levers.

A *relaxation* removes one kind of constraint to measure what it costs ("travel",
"venues_times", "shared", "sizes"); a *lever* is something a facilitator can do
("open_slot", "add_venue", "online", "widen"). `apply_change` returns the problem
with one of them applied; the analysis re-solves it. Screening (`screen_levers`)
only chooses WHICH levers are worth a re-solve: it never produces a figure.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tierslien.mixing.feasibility import compute_sites, haversine_km
from tierslien.mixing.potential.figures import Figures
from tierslien.mixing.problem import Location, Person, Problem, ProblemError, Venue

RELAXATIONS: tuple[str, ...] = ("travel", "venues_times", "shared", "sizes")
LEVERS: tuple[str, ...] = ("open_slot", "add_venue", "online", "widen")
KINDS: tuple[str, ...] = RELAXATIONS + LEVERS
IN_PERSON = "in-person"
ONLINE_PREFIX = "online@"

Params = Mapping[str, str | float]


def problem_slots(problem: Problem) -> tuple[str, ...]:
    """Every slot named by a person or a venue, sorted."""
    seen = {s for p in problem.people if p.slots for s in p.slots}
    seen |= {s for v in problem.venues if v.slots for s in v.slots}
    return tuple(sorted(seen))


def has_online_venue(problem: Problem) -> bool:
    return any(v.id.startswith(ONLINE_PREFIX) or "online" in v.features for v in problem.venues)


def applies(problem: Problem, kind: str) -> bool:
    """Whether a relaxation changes anything on this problem (no solve for a no-op)."""
    if kind == "travel":
        return bool(problem.venues) and any(
            p.max_km is not None and p.location is not None for p in problem.people
        )
    if kind == "venues_times":
        return bool(problem.venues) or any(p.slots is not None for p in problem.people)
    if kind == "shared":
        return bool(problem.shared_criteria)
    if kind == "sizes":
        return True
    raise ProblemError(f"unknown relaxation {kind!r}", where="what-if")


def apply_change(
    problem: Problem,
    kind: str,
    params: Params,
    *,
    sectors: Mapping[str, str] | None = None,
    slots: Sequence[str] | None = None,
    accept_online: frozenset[str] = frozenset(),
) -> Problem:
    """The problem with one relaxation or lever applied (what `evaluate` solves)."""
    every = tuple(slots) if slots is not None else problem_slots(problem)
    if kind == "travel":
        people = tuple(dataclasses.replace(p, max_km=None) for p in problem.people)
        return dataclasses.replace(problem, people=people)
    if kind == "venues_times":
        return _venues_times(problem, every)
    if kind == "shared":
        keep = tuple(c for c in problem.criteria if c.diverse)
        names = {c.name for c in keep}
        people = tuple(
            dataclasses.replace(p, attributes={k: v for k, v in p.attributes.items() if k in names})
            for p in problem.people
        )
        return dataclasses.replace(problem, criteria=keep, people=people)
    if kind == "sizes":
        low = min(problem.min_size, max(2, problem.min_size - 1))
        return dataclasses.replace(problem, min_size=low, max_size=problem.max_size + 1)
    if kind == "open_slot":
        return _open_slot(problem, _text(params, "venue"), _text(params, "slot"))
    if kind == "add_venue":
        return _add_venue(problem, params, every)
    if kind == "online":
        return _online(problem, accept_online, every)
    if kind == "widen":
        return _widen(problem, _text(params, "sector"), sectors or {}, every)
    raise ProblemError(
        f"unknown change {kind!r} (expected one of {', '.join(KINDS)})", where="what-if"
    )


def _text(params: Params, key: str) -> str:
    value = params.get(key)
    if value is None or value == "":
        raise ProblemError(f"missing parameter {key!r}", where="what-if")
    return str(value)


def _number(params: Params, key: str) -> float:
    value = params.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProblemError(
            f"parameter {key!r} must be a number, got {value!r}", where="what-if"
        ) from None
    if not math.isfinite(number):
        raise ProblemError(f"parameter {key!r} must be a finite number", where="what-if")
    return number


def _venues_times(problem: Problem, every: tuple[str, ...]) -> Problem:
    all_slots = every or None
    groups_needed = max(1, math.ceil(problem.n / max(1, problem.min_size)))
    venues = tuple(
        dataclasses.replace(v, slots=all_slots, capacity=max(v.capacity, groups_needed))
        for v in problem.venues
    )
    people = tuple(dataclasses.replace(p, slots=all_slots) for p in problem.people)
    return dataclasses.replace(problem, venues=venues, people=people)


def _open_slot(problem: Problem, venue_id: str, slot: str) -> Problem:
    venues = []
    found = False
    for v in problem.venues:
        if v.id == venue_id:
            found = True
            if v.slots is not None and slot not in v.slots:
                v = dataclasses.replace(v, slots=(*v.slots, slot))
        venues.append(v)
    if not found:
        raise ProblemError(f"unknown venue {venue_id!r}", where="what-if")
    return dataclasses.replace(problem, venues=tuple(venues))


def _add_venue(problem: Problem, params: Params, every: tuple[str, ...]) -> Problem:
    lat, lon = _number(params, "lat"), _number(params, "lon")
    try:
        location = Location(lat, lon)
    except ProblemError as error:
        raise ProblemError(str(error), where="what-if") from None
    label = str(params.get("label") or f"{lat:.5f},{lon:.5f}")
    existing = [v for v in problem.venues if not v.id.startswith(ONLINE_PREFIX)]
    capacity = int(statistics.median_low([v.capacity for v in existing])) if existing else 1
    features: frozenset[str] = frozenset().union(*(v.features for v in existing))
    ids = {v.id for v in problem.venues}
    vid = f"new@{label}"
    k = 2
    while vid in ids:
        vid, k = f"new@{label}#{k}", k + 1
    venue = Venue(
        id=vid, location=location, slots=every or None, capacity=max(1, capacity), features=features
    )
    return dataclasses.replace(problem, venues=(*problem.venues, venue))


def _online(problem: Problem, accept: frozenset[str], every: tuple[str, ...]) -> Problem:
    """One online venue per distinct location of those who accept online circles, usable
    only by them: the others get the need "in-person" that every existing venue offers."""
    accepting = [p for p in problem.people if p.id in accept]
    if not accepting:
        raise ProblemError("nobody accepts online circles", where="what-if")
    if has_online_venue(problem):
        raise ProblemError("the problem already has an online venue", where="what-if")
    features: frozenset[str] = frozenset().union(*(v.features for v in problem.venues))
    places: list[Location | None] = []
    for p in accepting:
        if p.location not in places:
            places.append(p.location)
    located = [loc for loc in places if loc is not None]
    if None in places and not located:
        located_any = [v.location for v in problem.venues if v.location is not None]
        places = [located_any[0] if located_any else None]
    else:
        places = list(located)
    online = tuple(
        Venue(
            id=f"{ONLINE_PREFIX}{k}",
            location=loc,
            slots=every or None,
            capacity=problem.n,
            features=features,
        )
        for k, loc in enumerate(places)
    )
    venues = tuple(
        dataclasses.replace(v, features=v.features | {IN_PERSON}) for v in problem.venues
    )
    people = tuple(
        p if p.id in accept else dataclasses.replace(p, needs=p.needs | {IN_PERSON})
        for p in problem.people
    )
    return dataclasses.replace(problem, venues=venues + online, people=people)


def _widen(
    problem: Problem, sector: str, sectors: Mapping[str, str], every: tuple[str, ...]
) -> Problem:
    if sector not in set(sectors.values()):
        raise ProblemError(f"unknown sector {sector!r}", where="what-if")
    people: list[Person] = []
    for p in problem.people:
        if sectors.get(p.id) == sector and p.slots is not None:
            merged = tuple(sorted(set(p.slots) | set(every)))
            p = dataclasses.replace(p, slots=merged)
        people.append(p)
    return dataclasses.replace(problem, people=tuple(people))


def sector_centres(problem: Problem, sectors: Mapping[str, str]) -> dict[str, Location]:
    """Sector label -> the mean location of its people (sectors without any: skipped)."""
    sums: dict[str, list[float]] = {}
    for p in problem.people:
        label = sectors.get(p.id)
        if label is None or p.location is None:
            continue
        acc = sums.setdefault(label, [0.0, 0.0, 0.0])
        acc[0] += p.location.lat
        acc[1] += p.location.lon
        acc[2] += 1.0
    return {label: Location(a[0] / a[2], a[1] / a[2]) for label, a in sorted(sums.items())}


# ----- screening -----


@dataclass(frozen=True)
class Candidate:
    kind: str
    params: dict[str, str | float]
    score: float  # screening only: which levers deserve a re-solve


def screen_levers(
    problem: Problem,
    baseline: Figures,
    *,
    sectors: Mapping[str, str] | None = None,
    sector_points: Mapping[str, Location] | None = None,
    slots: Sequence[str] | None = None,
    accept_online: frozenset[str] = frozenset(),
    max_levers: int = 6,
) -> list[Candidate]:
    """The levers worth re-solving, at most `max_levers`, taken in turn from each kind's
    ranking (so one kind with many candidates does not crowd out the others)."""
    every = tuple(slots) if slots is not None else problem_slots(problem)
    weight = _need_weights(problem, baseline)
    options = _options(problem)
    per_kind: list[list[Candidate]] = [
        _screen_open_slot(problem, weight, every),
        _screen_add_venue(problem, weight, options, sectors, sector_points, every),
        _screen_online(problem, weight, accept_online),
        _screen_widen(problem, weight, sectors, every),
    ]
    chosen: list[Candidate] = []
    rank = 0
    while len(chosen) < max_levers and any(rank < len(c) for c in per_kind):
        for ranking in per_kind:
            if rank < len(ranking) and len(chosen) < max_levers:
                chosen.append(ranking[rank])
        rank += 1
    return chosen


def _need_weights(problem: Problem, baseline: Figures) -> np.ndarray:
    """How much each person would gain from a new option: 3 when unplaced, 1 when in a
    poorly mixed group (fewer distinct answers than the median group), else 0.2."""
    weight = np.full(problem.n, 3.0)
    categorical = [c.name for c in problem.diverse_criteria if c.kind == "categorical"]
    spread: list[float] = []
    for members in baseline.groups:
        distinct = 0.0
        for name in categorical:
            values = {problem.people[problem.index[m]].attributes.get(name) for m in members}
            distinct += len(values - {None}) / max(1, len(members))
        spread.append(distinct)
    median = statistics.median(spread) if spread else 0.0
    for members, value in zip(baseline.groups, spread, strict=True):
        for m in members:
            weight[problem.index[m]] = 1.0 if value < median else 0.2
    return weight


def _options(problem: Problem) -> np.ndarray:
    """Each person's number of eligible (venue, slot) sites."""
    sites = compute_sites(problem)
    return np.diff(sites.elig_ptr).astype(np.float64)


def _reach(problem: Problem, point: Location | None) -> np.ndarray:
    """Who can travel to `point` (people without a limit or a location always can)."""
    n = problem.n
    ok = np.ones(n, dtype=np.bool_)
    if point is None:
        return ok
    idx = [
        i for i, p in enumerate(problem.people) if p.location is not None and p.max_km is not None
    ]
    if not idx:
        return ok
    lat = np.array([problem.people[i].location.lat for i in idx])  # type: ignore[union-attr]
    lon = np.array([problem.people[i].location.lon for i in idx])  # type: ignore[union-attr]
    d = haversine_km(lat, lon, np.array([point.lat]), np.array([point.lon]))[:, 0]
    km = np.array([problem.people[i].max_km for i in idx], dtype=np.float64)
    ok[np.array(idx)] = d <= km + 1e-9
    return ok


def _free(problem: Problem, slot: str) -> np.ndarray:
    return np.array([p.slots is None or slot in p.slots for p in problem.people], dtype=np.bool_)


def _needs_met(problem: Problem, features: frozenset[str]) -> np.ndarray:
    return np.array([p.needs <= features for p in problem.people], dtype=np.bool_)


def _screen_open_slot(
    problem: Problem, weight: np.ndarray, every: tuple[str, ...]
) -> list[Candidate]:
    out = []
    for v in problem.venues:
        if v.slots is None or v.capacity == 0 or v.id.startswith(ONLINE_PREFIX):
            continue
        near = _reach(problem, v.location) & _needs_met(problem, v.features)
        for slot in every:
            if slot in v.slots:
                continue
            score = float(weight[near & _free(problem, slot)].sum())
            if score > 0:
                out.append(Candidate("open_slot", {"venue": v.id, "slot": slot}, score))
    out.sort(key=lambda c: -c.score)
    return out


def _screen_add_venue(
    problem: Problem,
    weight: np.ndarray,
    options: np.ndarray,
    sectors: Mapping[str, str] | None,
    sector_points: Mapping[str, Location] | None,
    every: tuple[str, ...],
) -> list[Candidate]:
    if not problem.venues:
        return []
    points = dict(sector_points or {})
    if not points and sectors:
        points = sector_centres(problem, sectors)
    if not points:
        unplaced = [
            p.location for i, p in enumerate(problem.people) if weight[i] >= 3.0 and p.location
        ]
        if unplaced:
            lat = sum(loc.lat for loc in unplaced) / len(unplaced)
            lon = sum(loc.lon for loc in unplaced) / len(unplaced)
            points = {"the centre of the unplaced": Location(lat, lon)}
    few = 1.0 / (1.0 + options)
    free_any = np.array(
        [p.slots is None or bool(set(p.slots) & set(every)) for p in problem.people], dtype=np.bool_
    )
    out = []
    seen: set[bytes] = set()  # two points within reach of the same people: one solve
    for label, point in sorted(points.items()):
        near = _reach(problem, point) & free_any
        score = float((weight * (1.0 + few))[near].sum())
        if score > 0 and near.tobytes() not in seen:
            seen.add(near.tobytes())
            params: dict[str, str | float] = {"lat": point.lat, "lon": point.lon, "label": label}
            out.append(Candidate("add_venue", params, score))
    out.sort(key=lambda c: -c.score)
    return out


def _screen_online(problem: Problem, weight: np.ndarray, accept: frozenset[str]) -> list[Candidate]:
    if not accept or has_online_venue(problem):
        return []
    who = np.array([p.id in accept for p in problem.people], dtype=np.bool_)
    if not who.any():
        return []
    return [Candidate("online", {"people": int(who.sum())}, float(weight[who].sum()))]


def _screen_widen(
    problem: Problem, weight: np.ndarray, sectors: Mapping[str, str] | None, every: tuple[str, ...]
) -> list[Candidate]:
    if not sectors or not every:
        return []
    score: dict[str, float] = {}
    for i, p in enumerate(problem.people):
        label = sectors.get(p.id)
        if label is None or p.slots is None or set(every) <= set(p.slots):
            continue
        score[label] = score.get(label, 0.0) + float(weight[i])
    out = [Candidate("widen", {"sector": label}, s) for label, s in sorted(score.items()) if s > 0]
    out.sort(key=lambda c: -c.score)
    return out
