"""True reasons for the unplaced, named by counterfactual.

The construction's reasons describe where *it* gave up ("too few nearby", "no
place and time in common"), not what stands in the way. Here each unplaced
person (or `together` unit) is checked against a small feasibility model: is
there a (venue, slot) they may all use, with a table left or a group with room,
and at least `min_size - len(unit)` other people who may meet there too and
share a value of every `shared` criterion with them? Then one obstacle at a
time is relaxed, in the order a facilitator can act on:

1. ``times``: the venues they can reach open at every slot;
2. ``distance``: their travel limit lifted;
3. ``criterion:<name>``: that shared criterion no longer required;
4. ``circles``: every placed person free to move (not only those a circle
   above the minimum size can lend);
5. ``size``: a smaller group (one other person is enough);
6. ``capacity``: a table left at every venue and slot;
7. ``apart``: the pairs kept apart ignored;
8. ``partner``: the person alone, without their `together` partners.

The reason names the first obstacle whose removal alone makes the check pass;
when none does, the smallest set found (greedily) is listed. When the check
already passes, the people they could meet are in circles already: that is the
reason (``compatible_in_circles``). The check counts the unplaced who have some
place and time and, from each circle, the members it can lend while keeping its
minimum size: it is a relaxation of placing, not a solve.

Sensitive questions never take part: they are only ever mixed on ("diverse"),
never shared, so no reason or count here depends on them.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.feasibility import haversine_km
from tierslien.mixing.problem import Criterion, Problem
from tierslien.mixing.solution import Reason, ReasonParam, Solution, Unplaced

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Codes whose words came from where the construction gave up: re-examined here.
# The others (no time at all, no venue in range, contradicting wishes...) are
# exact statements about the person and stay as they are.
REEXAMINED = frozenset({"too_few_nearby", "venues_full", "together_no_common_site", "not_placed"})
# Codes that rule a person out whatever happens around them: they count as no one's
# possible companion.
RULED_OUT = frozenset(
    {
        "no_time",
        "no_venue_in_range",
        "no_venue_open",
        "no_venue_with_needs",
        "no_shared_group",
        "no_site",
        "together_and_apart",
        "together_too_large",
        "partner_unplaced",
    }
)
MAX_COMBOS = 512

# Old codes and the obstacle each one claims (for checking them the same way).
CLAIMED: dict[str, tuple[str, ...]] = {
    "together_no_common_site": ("times",),
    "no_common_time": ("times",),
    "too_far": ("distance",),
    "too_few_nearby": ("size",),
    "circles_cannot_spare": ("circles",),
    "venues_full": ("capacity",),
    "kept_apart": ("apart",),
    "partner_constraints": ("partner",),
}


# The construction's codes kept when the counterfactual confirms them.
KEPT = frozenset({"too_few_nearby", "venues_full", "together_no_common_site"})


@dataclass(frozen=True)
class Spot:
    """Where a unit could meet under some relaxation, and with how many others."""

    venue: int  # -1 without venues
    slot: int
    others: int  # compatible others there (before joining/forming a group)


class Analysis:
    """The feasibility model of one grouping, for counterfactual checks."""

    def __init__(self, problem: Problem, solution: Solution) -> None:
        self.problem = problem
        self.a, self.b = problem.min_size, problem.max_size
        people = problem.people
        n = problem.n
        slot_names = sorted(
            {s for p in people if p.slots for s in p.slots}
            | {s for v in problem.venues if v.slots for s in v.slots}
        )
        self.slots: list[str | None] = list(slot_names) or [None]
        slot_pos = {s: k for k, s in enumerate(self.slots)}
        venues = problem.venues
        n_v, n_s = max(1, len(venues)), len(self.slots)
        self.free = np.ones((n, n_s), dtype=np.bool_)
        for i, p in enumerate(people):
            if p.slots is not None:
                self.free[i] = False
                self.free[i, [slot_pos[s] for s in p.slots]] = True
        self.open_ = np.ones((n_v, n_s), dtype=np.bool_)
        self.capacity = np.full((n_v, n_s), 1 << 40, dtype=np.int64)
        for v, venue in enumerate(venues):
            self.capacity[v] = venue.capacity
            if venue.slots is not None:
                self.open_[v] = [s in venue.slots for s in self.slots]
        self.open_ &= self.capacity > 0
        # Travel: km from each home to each venue (inf when unknown: no limit applies).
        self.km = np.zeros((n, n_v), dtype=np.float64)
        self.within = np.ones((n, n_v), dtype=np.bool_)
        self.needs_ok = np.ones((n, n_v), dtype=np.bool_)
        if venues:
            lat = np.array([p.location.lat if p.location else np.nan for p in people])
            lon = np.array([p.location.lon if p.location else np.nan for p in people])
            vlat = np.array([v.location.lat if v.location else np.nan for v in venues])
            vlon = np.array([v.location.lon if v.location else np.nan for v in venues])
            limit = np.array([p.max_km if p.max_km is not None else np.inf for p in people])
            known = ~np.isnan(lat)
            if known.any() and not np.isnan(vlat).all():
                d = haversine_km(lat[known], lon[known], vlat, vlon)
                self.km[known] = np.nan_to_num(d, nan=0.0)
            limited = known & np.isfinite(limit)
            self.within[limited] = self.km[limited] <= limit[limited][:, None] + 1e-9
            features = [v.features for v in venues]
            for i, p in enumerate(people):
                if p.needs:
                    self.needs_ok[i] = [p.needs <= f for f in features]
        self.reach = self.within & self.needs_ok
        self.limited = np.array(
            [p.max_km is not None and p.location is not None for p in people], dtype=np.bool_
        )
        # The grouping: tables used and groups per (venue, slot).
        venue_pos = {v.id: k for k, v in enumerate(venues)}
        self.used = np.zeros((n_v, n_s), dtype=np.int64)
        self.groups: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
        self.placed = np.zeros(n, dtype=np.bool_)
        self.group_of = -np.ones(n, dtype=np.int64)
        spare: list[int] = []  # per group, members it can lend and keep its minimum
        for g, group in enumerate(solution.rounds[0].groups if solution.rounds else ()):
            v = venue_pos.get(group.venue, 0) if group.venue is not None else 0
            s = slot_pos.get(group.slot, 0) if group.slot is not None else 0
            members = [problem.index[m] for m in group.members if m in problem.index]
            self.used[v, s] += 1
            self.groups[(v, s)].append(members)
            self.placed[members] = True
            self.group_of[members] = g
            spare.append(max(0, len(members) - self.a))
        self.spare = np.asarray(spare, dtype=np.int64)
        # People bound to a partner move only with them: not lent alone.
        for x, y in problem.together:
            for pid in (x, y):
                i = problem.index[pid]
                if self.group_of[i] >= 0:
                    self.group_of[i] = -2
        # Pairs.
        self.apart: dict[int, set[int]] = defaultdict(set)
        for x, y in problem.apart:
            i, j = problem.index[x], problem.index[y]
            self.apart[i].add(j)
            self.apart[j].add(i)
        # Who counts as a possible companion: anyone with some place and time,
        # except those whose own reason rules them out whatever happens around them.
        ruled_out = np.zeros(n, dtype=np.bool_)
        for u in solution.unplaced:
            if u.round == 0 and u.reason.code in RULED_OUT and u.id in problem.index:
                ruled_out[problem.index[u.id]] = True
        self.available = ~ruled_out
        self._compat: dict[tuple[str, ...], BoolArray] = {}

    # ----- shared criteria -----

    def compat(self, criteria: tuple[Criterion, ...]) -> BoolArray:
        """(n, combos) person i shares the combination t of values of `criteria`."""
        key = tuple(c.name for c in criteria)
        if key not in self._compat:
            self._compat[key] = _compat_matrix(self.problem, criteria)
        return self._compat[key]

    # ----- the check -----

    def check(
        self,
        unit: Sequence[int],
        relax: Iterable[str] = (),
    ) -> Spot | None:
        """Where `unit` could meet with obstacles `relax` removed; None if nowhere.

        Others count when unplaced, or placed in a circle that can lend them and keep
        its minimum size; with ``circles`` relaxed, every placed person counts."""
        relaxed = set(relax)
        members = np.asarray(unit, dtype=np.int64)
        reach = self.needs_ok if "distance" in relaxed else self.reach
        unit_reach = reach[members].all(axis=0)
        unit_free = self.free[members].all(axis=0)
        hours = self.capacity > 0 if "times" in relaxed else self.open_
        keys = unit_reach[:, None] & unit_free[None, :] & hours
        if not keys.any():
            return None
        criteria = tuple(
            c for c in self.problem.shared_criteria if f"criterion:{c.name}" not in relaxed
        )
        compat = self.compat(criteria)
        unit_combos = np.nonzero(compat[members].all(axis=0))[0]
        if unit_combos.size == 0:
            return None
        others = self.available.copy()
        others[members] = False
        apart = set().union(*(self.apart.get(int(i), set()) for i in members))
        if apart and "apart" not in relaxed:
            others[list(apart)] = False
        venues_here = np.nonzero(keys.any(axis=1))[0]
        cand = np.nonzero(others & self.reach[:, venues_here].any(axis=1))[0]
        vs = np.argwhere(keys)  # (k, 2) venue, slot
        at = (
            self.reach[cand][:, vs[:, 0]] & self.free[cand][:, vs[:, 1]] & hours[vs[:, 0], vs[:, 1]]
        )
        counts = np.zeros(len(vs), dtype=np.int64)
        lendable = "circles" not in relaxed and bool(self.placed[cand].any())
        if lendable:
            free_now = ~self.placed[cand]
            # Lendable candidates sorted by circle, so that a circle's rows are contiguous.
            lent = np.nonzero(self.group_of[cand] >= 0)[0]
            lent = lent[np.argsort(self.group_of[cand][lent], kind="stable")]
            circles, starts = np.unique(self.group_of[cand][lent], return_index=True)
        for t in unit_combos.tolist():
            here = at & compat[cand, t][:, None]
            if not lendable:
                counts = np.maximum(counts, here.sum(axis=0))
                continue
            # Placed people count up to what their circle can spare.
            total = here[free_now].sum(axis=0)
            if lent.size:
                per_circle = np.add.reduceat(here[lent].astype(np.int64), starts, axis=0)
                total = total + np.minimum(per_circle, self.spare[circles][:, None]).sum(axis=0)
            counts = np.maximum(counts, total)
        need = max(0, (2 if "size" in relaxed else self.a) - len(members))
        tables = (
            np.ones(len(vs), dtype=np.bool_)
            if "capacity" in relaxed
            else self.used[vs[:, 0], vs[:, 1]] < self.capacity[vs[:, 0], vs[:, 1]]
        )
        best: Spot | None = None
        for k in np.argsort(-counts, kind="stable").tolist():
            v, s = int(vs[k, 0]), int(vs[k, 1])
            if (tables[k] and counts[k] >= need) or self._joinable(
                members, (v, s), compat, unit_combos, apart if "apart" not in relaxed else set()
            ):
                best = Spot(v if self.problem.venues else -1, s, int(counts[k]))
                break
        return best

    def _joinable(
        self,
        members: IntArray,
        key: tuple[int, int],
        compat: BoolArray,
        combos: IntArray,
        apart: set[int],
    ) -> bool:
        for group in self.groups.get(key, ()):
            if len(group) + len(members) > self.b or apart.intersection(group):
                continue
            if compat[np.asarray(group, dtype=np.int64)][:, combos].all(axis=0).any():
                return True
        return False

    def best_spot(self, unit: Sequence[int], relax: Iterable[str] = ()) -> Spot | None:
        """The (venue, slot) with the most compatible others, placed or not, tables or not."""
        return self.check(unit, {*relax, "size", "capacity", "circles"})

    def obstacles(self, unit: Sequence[int]) -> list[str]:
        """The obstacles that apply to `unit`, in the order a facilitator can act on."""
        out = ["times"]
        if self.limited[list(unit)].any():
            out.append("distance")
        out += [f"criterion:{c.name}" for c in self.problem.shared_criteria]
        if self.placed.any():
            out.append("circles")
        out += ["size", "capacity"]
        if any(self.apart.get(i) for i in unit):
            out.append("apart")
        return out

    # ----- the reasons -----

    def reasons_for(
        self, people: Sequence[int], claimed: Reason | None = None
    ) -> dict[int, Reason]:
        """The true reason for each member of an unplaced unit. A `claimed` reason (the
        construction's) that the counterfactual confirms keeps its code, with numbers."""
        unit = list(people)
        names = [self.problem.people[i].id for i in unit]
        if (spot := self.check(unit)) is not None:
            return dict.fromkeys(unit, self._in_circles(spot))
        candidates = self.obstacles(unit)
        if claimed is not None and claimed.code in KEPT and self.confirms(unit, claimed):
            if claimed.code == "together_no_common_site":
                return dict.fromkeys(unit, claimed)
            (obstacle,) = CLAIMED[claimed.code]
            spot = self.check(unit, (obstacle,))
            if spot is not None:
                return dict.fromkeys(unit, self._named(unit, obstacle, spot, names))
        for obstacle in candidates:
            spot = self.check(unit, (obstacle,))
            if spot is not None:
                reason = self._named(unit, obstacle, spot, names)
                return dict.fromkeys(unit, reason)
        out: dict[int, Reason] = {}
        if len(unit) > 1:
            alone = [i for i in unit if self.check([i]) is not None]
            if alone and self._no_common(unit):
                return {
                    i: Reason(
                        "together_no_common_site",
                        "they must be with "
                        + ", ".join(x for x in names if x != self.problem.people[i].id)
                        + ", but they have no place and time in common",
                        {"people": names},
                    )
                    for i in unit
                }
            for i in alone:
                partners = [x for x in names if x != self.problem.people[i].id]
                out[i] = Reason(
                    "partner_constraints",
                    "they could meet in a circle alone, but not together with "
                    + ", ".join(partners),
                    {"partners": partners},
                )
        several = self._several(unit, [c for c in candidates if c != "partner"])
        for i in unit:
            out.setdefault(i, several)
        return out

    def _several(self, unit: list[int], candidates: list[str]) -> Reason:
        if self.check(unit, candidates) is None:
            return Reason(
                "not_placed",
                "no valid circle could take them, even with every obstacle removed",
            )
        needed = list(candidates)
        for obstacle in reversed(candidates):
            trial = [c for c in needed if c != obstacle]
            if self.check(unit, trial) is not None:
                needed = trial
        words = ", ".join(_OBSTACLE_WORDS.get(o, o) for o in needed)
        return Reason(
            "several_obstacles",
            f"no single change would place them; together these would: {words}",
            {"obstacles": needed},
        )

    def _in_circles(self, spot: Spot) -> Reason:
        params = self._where(spot)
        params["count"] = spot.others
        return Reason(
            "compatible_in_circles",
            f"{spot.others} people could meet with them{self._at(spot)}, but they are "
            "already in other circles; composing again may place them",
            params,
        )

    def _where(self, spot: Spot) -> dict[str, ReasonParam]:
        out: dict[str, ReasonParam] = {}
        if spot.venue >= 0:
            out["venue"] = self.problem.venues[spot.venue].id
        slot = self.slots[spot.slot]
        if slot is not None:
            out["slot"] = slot
        return out

    def _at(self, spot: Spot) -> str:
        where = self._where(spot)
        text = f" at {where['venue']}" if "venue" in where else ""
        return text + (f" on {where['slot']}" if "slot" in where else "")

    def _named(self, unit: list[int], obstacle: str, spot: Spot, names: list[str]) -> Reason:
        params = self._where(spot)
        params["count"] = spot.others
        at = self._at(spot)
        together = len(unit) > 1
        if together:
            params["people"] = names
        if obstacle == "times":
            code = (
                "together_no_common_site"
                if together and self._no_common(unit)
                else "no_common_time"
            )
            return Reason(
                code,
                f"no venue they can reach is open when enough compatible people are free; "
                f"opening one{at} would let a circle form",
                params,
            )
        if obstacle == "distance":
            km = float(self.km[unit, spot.venue].max()) if spot.venue >= 0 else 0.0
            limits = [self.problem.people[i].max_km for i in unit]
            params["km"] = round(km, 2)
            params["max_km"] = float(min(x for x in limits if x is not None))
            return Reason(
                "too_far",
                f"enough compatible people meet{at}, {km:.1f} km away, beyond the "
                f"{params['max_km']:g} km they can travel",
                params,
            )
        if obstacle.startswith("criterion:"):
            name = obstacle.split(":", 1)[1]
            params["criterion"] = name
            whom = "they and the people they must be with share" if together else "they share"
            return Reason(
                "shared_criterion",
                f"{whom} no value of {name!r} with enough people who can meet at a common "
                f"place and time ({spot.others} could{at} without that condition)",
                params,
            )
        if obstacle == "circles":
            return Reason(
                "circles_cannot_spare",
                f"{spot.others} people could meet with them{at}, but they are in circles "
                f"that cannot spare anyone (circles of {self.a} to {self.b})",
                params,
            )
        if obstacle == "size":
            # Everyone counts here, placed or not, at the places with a table left.
            best = self.check(unit, ("size", "circles"))
            params["count"] = best.others if best else 0
            params["min"] = self.a
            return Reason(
                "too_few_nearby",
                f"at most {params['count']} other people can meet with them at one place and "
                f"time (a group needs at least {self.a})",
                params,
            )
        if obstacle == "capacity":
            return Reason(
                "venues_full",
                f"enough people could meet with them{at}, but every table there is taken",
                params,
            )
        return Reason(
            "kept_apart",
            f"they could meet{at} but for people they must be kept apart from",
            params,
        )

    def _no_common(self, unit: list[int]) -> bool:
        members = np.asarray(unit, dtype=np.int64)
        keys = self.reach[members].all(axis=0)[:, None] & self.free[members].all(axis=0)[None, :]
        return not (keys & self.open_).any()

    def confirms(self, unit: Sequence[int], reason: Reason) -> bool:
        """Does removing the obstacle the reason names make the unit placeable (and is
        it not placeable as it stands)? Reasons that name no obstacle: False."""
        if reason.code == "compatible_in_circles":
            return self.check(unit) is not None
        if self.check(unit) is not None:
            return False
        if reason.code == "shared_criterion":
            relax: tuple[str, ...] = (f"criterion:{reason.params.get('criterion')}",)
        elif reason.code == "several_obstacles":
            raw = reason.params.get("obstacles", [])
            relax = tuple(raw) if isinstance(raw, list) else ()
        elif reason.code in CLAIMED:
            relax = CLAIMED[reason.code]
        else:
            return False
        alone = any(self.check([i]) is not None for i in unit)
        if reason.code == "together_no_common_site":
            # True when they share no place and time, and a change there or parting places them.
            return self._no_common(list(unit)) and (alone or self.check(unit, relax) is not None)
        if relax == ("partner",):
            return alone
        if reason.code == "too_few_nearby" and self.check(unit, ("circles",)) is not None:
            return False  # enough people could meet with them: not "too few"
        return bool(relax) and self.check(unit, relax) is not None


_OBSTACLE_WORDS = {
    "times": "a venue open at other times",
    "distance": "a longer journey",
    "circles": "people free to leave their circles",
    "size": "a smaller circle",
    "capacity": "more tables",
    "apart": "no one kept apart",
}


def _compat_matrix(problem: Problem, criteria: tuple[Criterion, ...]) -> BoolArray:
    """(n, combos): person i is compatible with combination t of the criteria's values."""
    n = problem.n
    if not criteria:
        return np.ones((n, 1), dtype=np.bool_)
    values: list[list[str]] = []
    for c in criteria:
        seen: set[str] = set()
        for p in problem.people:
            v = p.attributes.get(c.name)
            if isinstance(v, frozenset):
                seen |= v
            elif isinstance(v, str):
                seen.add(v)
        values.append(sorted(seen) or [""])
    combos = list(itertools.islice(itertools.product(*values), MAX_COMBOS))
    out = np.ones((n, len(combos)), dtype=np.bool_)
    for i, p in enumerate(problem.people):
        for k, c in enumerate(criteria):
            mine = p.attributes.get(c.name)
            if mine is None or (isinstance(mine, frozenset) and not mine):
                continue
            for t, combo in enumerate(combos):
                value = combo[k]
                if isinstance(mine, frozenset):
                    if value not in mine:
                        out[i, t] = False
                elif mine != value:
                    out[i, t] = False
    return out


def units_of(problem: Problem, people: Iterable[int]) -> list[list[int]]:
    """`people` grouped by their `together` wishes (only among themselves)."""
    chosen = set(people)
    parent = {i: i for i in chosen}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in problem.together:
        i, j = problem.index[x], problem.index[y]
        if i in chosen and j in chosen:
            parent[root(i)] = root(j)
    out: dict[int, list[int]] = defaultdict(list)
    for i in sorted(chosen):
        out[root(i)].append(i)
    return list(out.values())


def reexamined_units(problem: Problem, solution: Solution) -> list[list[int]]:
    """The unplaced units (round 0) whose reason is re-examined."""
    people = [
        problem.index[u.id]
        for u in solution.unplaced
        if u.round == 0 and u.reason.code in REEXAMINED and u.id in problem.index
    ]
    return units_of(problem, people)


def true_reasons(problem: Problem, solution: Solution) -> Solution:
    """The solution with the unplaced's reasons re-examined by counterfactual (one round)."""
    if problem.rounds != 1 or not solution.unplaced:
        return solution
    units = reexamined_units(problem, solution)
    if not units:
        return solution
    analysis = Analysis(problem, solution)
    told = {u.id: u.reason for u in solution.unplaced if u.round == 0}
    new: dict[str, Reason] = {}
    for unit in units:
        claimed = told.get(problem.people[unit[0]].id)
        for i, reason in analysis.reasons_for(unit, claimed).items():
            new[problem.people[i].id] = reason
    unplaced = tuple(
        Unplaced(u.id, u.round, new[u.id]) if u.round == 0 and u.id in new else u
        for u in solution.unplaced
    )
    return Solution(rounds=solution.rounds, unplaced=unplaced)


def timed_true_reasons(problem: Problem, solution: Solution) -> tuple[Solution, float]:
    """`true_reasons` and the seconds it took (benchmarks)."""
    started = time.perf_counter()
    out = true_reasons(problem, solution)
    return out, time.perf_counter() - started
