"""Where and when each person can meet, and why not.

A *site* is a (venue, slot, shared-criteria tags) triple: every group is bound to
one site, and a person may join a group only at a site they are eligible for
(free at the slot; venue open, within reach and offering their needs; compatible
with the site's value of every `shared` criterion). Binding shared criteria to
the site turns "every member speaks a common language" into a per-person mask,
which the numeric core understands. Eligibility is stored sparsely (CSR), so
100,000 people times thousands of sites never becomes a dense matrix.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.problem import Problem
from tierslien.mixing.solution import Reason

IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]
EARTH_RADIUS_KM = 6371.0088
UNLIMITED = 1 << 40
MAX_TAG_COMBINATIONS = 512
CHUNK = 2048


@dataclass(frozen=True)
class Sites:
    venue: IntArray  # (K,) venue index, -1 without venues
    slot: tuple[str | None, ...]  # (K,)
    tags: tuple[tuple[str | None, ...], ...]  # (K,) one value per shared criterion
    key: IntArray  # (K,) index of the (venue, slot) pair, whose capacity the sites share
    capacity: IntArray  # (number of keys,) groups a (venue, slot) can host per round
    elig_ptr: IntArray  # (n + 1,) CSR: person i may join sites elig_idx[ptr[i]:ptr[i+1]]
    elig_idx: npt.NDArray[np.int32]
    reasons: dict[int, Reason]  # people eligible for no site, with why

    @property
    def count(self) -> int:
        return len(self.venue)

    def of(self, person: int) -> IntArray:
        return self.elig_idx[self.elig_ptr[person] : self.elig_ptr[person + 1]].astype(np.int64)


def haversine_km(
    lat1: npt.NDArray[np.float64],
    lon1: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Great-circle distances between every row point and every column point."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dp = p2 - p1
    dl = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))))


def _fmt_km(km: float) -> str:
    return f"{km:g}"


def _fmt_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def compute_sites(problem: Problem, *, people: IntArray | None = None) -> Sites:
    """The sites of the problem and each person's eligible sites.

    `people` restricts eligibility to those indices (others get no site, no reason).
    """
    n = problem.n
    selected = np.arange(n) if people is None else np.asarray(people, dtype=np.int64)
    slot_names = sorted(
        {s for p in problem.people if p.slots for s in p.slots}
        | {s for v in problem.venues if v.slots for s in v.slots}
    )
    slots: list[str | None] = list(slot_names) if slot_names else [None]
    n_slots = len(slots)
    slot_pos = {s: k for k, s in enumerate(slots)}

    # Tag combinations for shared criteria: one value (or label) per criterion.
    shared = problem.shared_criteria
    values_per: list[list[str | None]] = []
    for c in shared:
        seen: set[str] = set()
        for p in problem.people:
            v = p.attributes.get(c.name)
            if isinstance(v, frozenset):
                seen |= v
            elif isinstance(v, str):
                seen.add(v)
        found: list[str | None] = [*sorted(seen)]
        values_per.append(found or [None])
    combos = list(itertools.product(*values_per)) if shared else [()]
    if len(combos) > MAX_TAG_COMBINATIONS:
        # Keep the combinations most people are compatible with (bounded site count).
        popular = [sum(_compatible(problem, i, combo) for i in range(n)) for combo in combos]
        order = np.argsort(-np.array(popular), kind="stable")[:MAX_TAG_COMBINATIONS]
        combos = [combos[k] for k in sorted(order.tolist())]
    n_tags = len(combos)

    venues = problem.venues
    n_venues = max(len(venues), 1)
    # open_[v, s]: venue v hosts groups at slot s.
    open_ = np.ones((n_venues, n_slots), dtype=np.bool_)
    capacity_vs = np.full((n_venues, n_slots), UNLIMITED, dtype=np.int64)
    for v, venue in enumerate(venues):
        capacity_vs[v, :] = venue.capacity
        if venue.slots is not None:
            open_[v, :] = [s in venue.slots for s in slots]
        if venue.capacity == 0:
            open_[v, :] = False
    vs_pairs = np.argwhere(open_)  # (n_keys, 2) in (venue, slot) order
    key_of = -np.ones((n_venues, n_slots), dtype=np.int64)
    key_of[vs_pairs[:, 0], vs_pairs[:, 1]] = np.arange(len(vs_pairs))
    capacity = capacity_vs[vs_pairs[:, 0], vs_pairs[:, 1]].astype(np.int64)

    # Site k = key * n_tags + t.
    site_venue = np.repeat(vs_pairs[:, 0] if venues else -np.ones(len(vs_pairs), np.int64), n_tags)
    site_slot = tuple(slots[s] for s in vs_pairs[:, 1] for _ in range(n_tags))
    site_tags = tuple(combos[t] for _ in range(len(vs_pairs)) for t in range(n_tags))
    site_key = np.repeat(np.arange(len(vs_pairs), dtype=np.int64), n_tags)

    tag_ok = np.ones((n, n_tags), dtype=np.bool_)
    if shared:
        for i in selected.tolist():
            tag_ok[i] = [_compatible(problem, i, combo) for combo in combos]

    # Person x slot availability.
    free = np.ones((n, n_slots), dtype=np.bool_)
    for i, p in enumerate(problem.people):
        if p.slots is not None:
            free[i] = False
            for s in p.slots:
                free[i, slot_pos[s]] = True

    lat = np.array([p.location.lat if p.location else np.nan for p in problem.people])
    lon = np.array([p.location.lon if p.location else np.nan for p in problem.people])
    km = np.array([p.max_km if p.max_km is not None else np.inf for p in problem.people])
    limited = ~np.isnan(lat) & np.isfinite(km)
    vlat = np.array([v.location.lat if v.location else np.nan for v in venues])
    vlon = np.array([v.location.lon if v.location else np.nan for v in venues])
    features = [v.features for v in venues]

    need_sets: dict[frozenset[str], npt.NDArray[np.bool_]] = {}
    ptr = np.zeros(n + 1, dtype=np.int64)
    chunks_idx: list[IntArray] = []
    counts = np.zeros(n, dtype=np.int64)
    reasons: dict[int, Reason] = {}
    in_selection = np.zeros(n, dtype=np.bool_)
    in_selection[selected] = True
    for start in range(0, n, CHUNK):
        rows = np.arange(start, min(n, start + CHUNK))
        rows = rows[in_selection[rows]]
        if rows.size == 0:
            continue
        if venues:
            reach = np.ones((rows.size, n_venues), dtype=np.bool_)
            lim = limited[rows]
            if lim.any():
                d = haversine_km(lat[rows[lim]], lon[rows[lim]], vlat, vlon)
                reach[lim] = d <= km[rows[lim]][:, None] + 1e-9
            needs_ok = np.ones((rows.size, n_venues), dtype=np.bool_)
            for r, i in enumerate(rows.tolist()):
                needs = problem.people[i].needs
                if needs:
                    if needs not in need_sets:
                        need_sets[needs] = np.array([needs <= f for f in features], dtype=np.bool_)
                    needs_ok[r] = need_sets[needs]
        else:
            reach = np.ones((rows.size, 1), dtype=np.bool_)
            needs_ok = reach
        # ok_vs[r, key]: person rows[r] may meet at (venue, slot) `key`.
        ok_vs = (
            reach[:, vs_pairs[:, 0]] & needs_ok[:, vs_pairs[:, 0]] & free[rows][:, vs_pairs[:, 1]]
        )
        ok_sites = (ok_vs[:, :, None] & tag_ok[rows][:, None, :]).reshape(rows.size, -1)
        r_idx, s_idx = np.nonzero(ok_sites)
        counts[rows] = np.bincount(r_idx, minlength=rows.size)
        chunks_idx.append(s_idx.astype(np.int32))  # int32: half the memory at 100,000 people
        for r in np.nonzero(~ok_sites.any(axis=1))[0].tolist():
            i = int(rows[r])
            reasons[i] = _why_nowhere(problem, i, reach[r], needs_ok[r], open_, free[i], slots)
    ptr[1:] = np.cumsum(counts)
    elig_idx = (np.concatenate(chunks_idx) if chunks_idx else np.zeros(0)).astype(np.int32)
    return Sites(
        venue=site_venue.astype(np.int64),
        slot=site_slot,
        tags=site_tags,
        key=site_key,
        capacity=capacity,
        elig_ptr=ptr,
        elig_idx=elig_idx,
        reasons=reasons,
    )


def _compatible(problem: Problem, i: int, combo: tuple[str | None, ...]) -> bool:
    person = problem.people[i]
    for c, value in zip(problem.shared_criteria, combo, strict=True):
        mine = person.attributes.get(c.name)
        if mine is None or value is None:
            continue
        if isinstance(mine, frozenset):
            if mine and value not in mine:  # an empty list counts as "not answered"
                return False
        elif mine != value:
            return False
    return True


def _why_nowhere(
    problem: Problem,
    i: int,
    reach: npt.NDArray[np.bool_],
    needs_ok: npt.NDArray[np.bool_],
    open_: BoolMatrix,
    free: npt.NDArray[np.bool_],
    slots: list[str | None],
) -> Reason:
    """The plain-words reason a person has no site at all."""
    person = problem.people[i]
    if person.slots is not None and not person.slots:
        return Reason("no_time", "they gave no time at which they are free")
    times = [s for s in (person.slots or ()) if s is not None]
    times_text = _fmt_list(list(times))
    if problem.venues:
        limited = person.max_km is not None and person.location is not None
        within = f"within {_fmt_km(person.max_km or 0.0)} km " if limited else ""
        params: dict[str, str | int | float | list[str]] = {"slots": list(times)}
        if limited:
            params["max_km"] = float(person.max_km or 0.0)
        if not reach.any():
            return Reason("no_venue_in_range", f"no venue {within}of their home", params)
        reach_open = reach[:, None] & open_ & free[None, :]
        if not reach_open.any():
            if times:
                return Reason(
                    "no_venue_open",
                    f"no venue {within}is open on {times_text}",
                    params,
                )
            return Reason("no_venue_open", f"no venue {within}is open", params)
        if not (reach_open & needs_ok[:, None]).any():
            needs = sorted(person.needs)
            params["needs"] = needs
            when = f" on {times_text}" if times else ""
            return Reason(
                "no_venue_with_needs",
                f"no venue {within}open{when} offers {_fmt_list(needs).replace(' or ', ' and ')}",
                params,
            )
    if problem.shared_criteria:
        return Reason(
            "no_shared_group",
            "nobody can share a group with them on the required common criteria",
        )
    return Reason("no_site", "no place and time is possible for them")
