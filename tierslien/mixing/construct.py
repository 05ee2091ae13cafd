"""Greedy construction of a first valid grouping, and the reasons for the unplaced.

The numeric core only improves a feasible assignment; deciding how many groups
meet at which (venue, slot) and who cannot be placed at all happens here:

1. `together` pairs are merged into units (a unit moves as one);
2. units are taken most constrained first; each joins the open group it adds the
   most diversity to among those still below the minimum size, or opens a group
   at the site where most unplaced people could still come, or tops up a group;
3. groups left below the minimum borrow members from larger groups, else are
   dissolved into groups with room, else their members are unplaced;
4. small groups whose members all fit elsewhere are merged away: fewer, fuller
   groups hold more pairs, hence more diversity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tierslien.mixing.distance import Encoded
from tierslien.mixing.feasibility import Sites
from tierslien.mixing.problem import Problem
from tierslien.mixing.solution import Reason

IntArray = npt.NDArray[np.int64]


@dataclass
class Layout:
    """Groups bound to sites; `members[g]` lists person indices."""

    site: list[int]
    members: list[list[int]]
    locked: set[int] = field(default_factory=set)  # people the search must not move
    reasons: dict[int, Reason] = field(default_factory=dict)  # unplaced people

    def assignment(self, n: int) -> IntArray:
        out = -np.ones(n, dtype=np.int64)
        for g, members in enumerate(self.members):
            out[members] = g
        return out

    def compact(self) -> None:
        """Drop empty groups."""
        keep = [g for g, m in enumerate(self.members) if m]
        self.site = [self.site[g] for g in keep]
        self.members = [self.members[g] for g in keep]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def together_units(problem: Problem, people: list[int]) -> list[list[int]]:
    """People merged by `together` pairs (only among `people`)."""
    index = problem.index
    chosen = set(people)
    uf = _UnionFind(problem.n)
    for a, b in problem.together:
        ia, ib = index[a], index[b]
        if ia in chosen and ib in chosen:
            uf.union(ia, ib)
    units: dict[int, list[int]] = defaultdict(list)
    for i in people:
        units[uf.find(i)].append(i)
    return list(units.values())


def apart_map(problem: Problem) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for a, b in problem.apart:
        ia, ib = problem.index[a], problem.index[b]
        out[ia].add(ib)
        out[ib].add(ia)
    return out


class Builder:
    def __init__(
        self,
        problem: Problem,
        enc: Encoded,
        sites: Sites,
        rng: np.random.Generator,
        *,
        use_gain: bool = True,
    ) -> None:
        self.problem = problem
        self.enc = enc
        self.sites = sites
        self.rng = rng
        self.use_gain = use_gain
        self.limit = 24 if use_gain else 1
        self.a = problem.min_size
        self.b = problem.max_size
        self.apart = apart_map(problem)
        self.layout = Layout(site=[], members=[])
        self.at_site: dict[int, list[int]] = defaultdict(list)
        # Per site, how many open groups have room / are below the minimum: lets a
        # person skip in bulk (NumPy) the many reachable sites with no useful group.
        self.n_room = np.zeros(sites.count, dtype=np.int64)
        self.n_under = np.zeros(sites.count, dtype=np.int64)
        self.used = np.zeros(len(sites.capacity), dtype=np.int64)
        self.group_of: dict[int, int] = {}
        self.unit_sites: dict[int, IntArray] = {}  # unit head -> sites (multi-person units)
        self.unit_of: dict[int, list[int]] = {}  # person -> their unit

    # ----- small helpers -----

    def sites_of(self, unit: list[int]) -> IntArray:
        if len(unit) == 1:
            return self.sites.of(unit[0])
        return self.unit_sites[unit[0]]

    def eligible(self, unit: list[int], site: int) -> bool:
        s = self.sites_of(unit)
        k = int(np.searchsorted(s, site))
        return k < len(s) and int(s[k]) == site

    def conflict(self, unit: list[int], group: int) -> bool:
        members = self.layout.members[group]
        return (
            any(self.apart.get(i, set()).intersection(members) for i in unit)
            if self.apart
            else False
        )

    def _count(self, g: int, sign: int) -> None:
        size = len(self.layout.members[g])
        site = self.layout.site[g]
        if size < self.b:
            self.n_room[site] += sign
        if size < self.a:
            self.n_under[site] += sign

    def open_group(self, site: int) -> int:
        g = len(self.layout.site)
        self.layout.site.append(site)
        self.layout.members.append([])
        self.at_site[site].append(g)
        self.used[self.sites.key[site]] += 1
        self._count(g, +1)
        return g

    def close_group(self, g: int) -> None:
        site = self.layout.site[g]
        self._count(g, -1)
        self.at_site[site].remove(g)
        self.used[self.sites.key[site]] -= 1

    def put(self, unit: list[int], g: int) -> None:
        self._count(g, -1)
        self.layout.members[g].extend(unit)
        self._count(g, +1)
        for i in unit:
            self.group_of[i] = g

    def take(self, unit: list[int], g: int) -> None:
        self._count(g, -1)
        members = self.layout.members[g]
        for i in unit:
            members.remove(i)
            del self.group_of[i]
        self._count(g, +1)

    def candidates(
        self, unit: list[int], *, exclude: int = -1, under: bool = False, limit: int = 0
    ) -> list[int]:
        """Open groups the unit may join (only those below the minimum if `under`);
        at most `limit` of them when `limit` > 0 (large problems, no gain ranking)."""
        size = len(unit)
        out = []
        own = self.sites_of(unit)
        useful = own[(self.n_under if under else self.n_room)[own] > 0]
        members = self.layout.members
        check = bool(self.apart)
        for s in useful.tolist():
            for g in self.at_site.get(s, ()):
                fits = len(members[g]) + size <= self.b and (not under or len(members[g]) < self.a)
                if g != exclude and fits:
                    if check and self.conflict(unit, g):
                        continue
                    out.append(g)
                    if limit and len(out) >= limit:
                        return out
        return out

    def best(self, unit: list[int], groups: list[int]) -> int:
        if len(groups) == 1 or not self.use_gain:
            return groups[0]
        members = [self.layout.members[g] for g in groups]
        flat = np.fromiter((i for m in members for i in m), dtype=np.int64)
        if flat.size == 0:
            return groups[0]
        gain = self.enc.block(np.asarray(unit, dtype=np.int64), flat).sum(axis=0)
        starts = np.cumsum([0] + [len(m) for m in members[:-1]])
        sums = np.add.reduceat(gain, starts)
        sums[np.array([len(m) == 0 for m in members])] = 0.0
        return groups[int(np.argmax(sums))]

    # ----- construction -----

    def seed(self, groups: list[tuple[int, list[int]]]) -> None:
        """Start from existing groups (incremental use); their members are locked."""
        for site, members in groups:
            g = self.open_group(site)
            self.put(members, g)
            self.layout.locked.update(members)

    def build(self, people: list[int]) -> Layout:
        units = self._units(people)
        demand = np.zeros(self.sites.count, dtype=np.int64)
        for unit in units:
            demand[self.sites_of(unit)] += len(unit)
        # Most constrained first, but only coarsely (powers of two of the number of
        # sites): neighbours have similar counts, and a fine order would fill each
        # group with next-door neighbours. Random within a bucket mixes them.
        ties = self.rng.permutation(len(units))
        order = sorted(
            range(len(units)),
            key=lambda k: (int(np.log2(1 + len(self.sites_of(units[k])))), ties[k]),
        )
        for k in order:
            unit = units[k]
            own = self.sites_of(unit)
            demand[own] -= len(unit)
            under = [
                g
                for g in self.candidates(unit, under=True, limit=self.limit)
                if len(self.layout.members[g]) < self.a
            ]
            if under:
                self.put(unit, self.best(unit, under))
                continue
            cands = self.candidates(unit, limit=self.limit)
            free_sites = own[
                self.used[self.sites.key[own]] < self.sites.capacity[self.sites.key[own]]
            ]
            if free_sites.size:
                site = int(free_sites[np.argmax(demand[free_sites])])
                if demand[site] + len(unit) >= self.a or not cands:
                    self.put(unit, self.open_group(site))
                    continue
            if cands:
                self.put(unit, self.best(unit, cands))
                continue
            for i in unit:
                self.layout.reasons[i] = Reason(
                    "venues_full",
                    "every venue they can reach is already full at their times",
                )
        self._repair()
        self._consolidate()
        self.layout.compact()
        return self.layout

    def _units(self, people: list[int]) -> list[list[int]]:
        reasons = self.layout.reasons
        out = []
        for unit in together_units(self.problem, people):
            for i in unit:
                self.unit_of[i] = unit
            names = [self.problem.people[i].id for i in unit]
            if len(unit) > 1:
                if any(self.apart.get(i, set()).intersection(unit) for i in unit):
                    for i in unit:
                        reasons[i] = Reason(
                            "together_and_apart",
                            "the 'together' and 'apart' wishes around them contradict each other",
                            {"people": names},
                        )
                    continue
                if len(unit) > self.b:
                    for i in unit:
                        reasons[i] = Reason(
                            "together_too_large",
                            f"their 'together' wishes chain {len(unit)} people, "
                            f"more than a group of {self.b}",
                            {"people": names, "max": self.b},
                        )
                    continue
                common = self.sites.of(unit[0])
                for i in unit[1:]:
                    common = np.intersect1d(common, self.sites.of(i))
                self.unit_sites[unit[0]] = common.astype(np.int64)
                if common.size == 0:
                    for i in unit:
                        reasons[i] = Reason(
                            "together_no_common_site",
                            "they must be with "
                            + ", ".join(x for x in names if x != self.problem.people[i].id)
                            + ", but they have no place and time in common",
                            {"people": names},
                        )
                    continue
            out.append(unit)
        return out

    def _unit_in(self, g: int) -> list[list[int]]:
        seen: set[int] = set()
        units = []
        for i in self.layout.members[g]:
            if i not in seen:
                unit = self.unit_of.get(i, [i])
                seen.update(unit)
                units.append(unit)
        return units

    def _repair(self) -> None:
        members = self.layout.members
        dissolved: set[int] = set()
        # Borrowing keeps donors at the minimum and dissolving only fills groups with
        # room, so no new small group appears: one list, one pass.
        small = sorted(
            (g for g, m in enumerate(members) if 0 < len(m) < self.a),
            key=lambda x: (len(members[x]), x),
        )
        all_donors = sorted(
            (h for h, m in enumerate(members) if len(m) > self.a), key=lambda h: -len(members[h])
        )
        for g in small:
            if not 0 < len(members[g]) < self.a:
                continue  # grown by a dissolved group's members
            site = self.layout.site[g]
            # Borrow movable units from groups above the minimum at sites this one can use.
            donors = [h for h in all_donors if len(members[h]) > self.a and h != g]
            # Locked people (an existing grouping) are borrowed only as a last resort.
            for allow_locked in (False, True):
                for h in donors:
                    for unit in self._unit_in(h):
                        if len(members[g]) >= self.a:
                            break
                        if (
                            len(members[h]) - len(unit) >= self.a
                            and len(members[g]) + len(unit) <= self.b
                            and (allow_locked or not self.layout.locked.intersection(unit))
                            and self.eligible(unit, site)
                            and not self.conflict(unit, g)
                        ):
                            self.take(unit, h)
                            self.put(unit, g)
                    if len(members[g]) >= self.a:
                        break
                if len(members[g]) >= self.a:
                    break
            if len(members[g]) >= self.a:
                continue
            # Dissolve: members go to groups with room, or stay unplaced.
            for unit in self._unit_in(g):
                self.take(unit, g)
                cands = [h for h in self.candidates(unit, exclude=g) if h not in dissolved]
                if cands:
                    self.put(unit, self.best(unit, cands))
                    continue
                for i in unit:
                    self.layout.reasons[i] = Reason(
                        "too_few_nearby",
                        f"too few other people can meet at the same place and time "
                        f"(a group needs at least {self.a})",
                        {"min": self.a},
                    )
            self.close_group(g)
            dissolved.add(g)

    def _consolidate(self) -> None:
        members = self.layout.members
        order = sorted((g for g, m in enumerate(members) if m), key=lambda g: (len(members[g]), g))
        for g in order:
            if not members[g] or self.layout.locked.intersection(members[g]):
                continue
            plan: list[tuple[list[int], int]] = []
            extra: dict[int, int] = defaultdict(int)
            for unit in self._unit_in(g):
                target = -1
                for h in self.candidates(unit, exclude=g):
                    room = len(members[h]) > 0 and len(members[h]) + extra[h] + len(unit) <= self.b
                    if room and not any(self._conflict_plan(unit, h, plan)):
                        target = h
                        break
                if target < 0:
                    plan = []
                    break
                plan.append((unit, target))
                extra[target] += len(unit)
            if not plan:
                continue
            for unit, h in plan:
                self.take(unit, g)
                self.put(unit, h)
            self.close_group(g)

    def _conflict_plan(
        self, unit: list[int], h: int, plan: list[tuple[list[int], int]]
    ) -> list[bool]:
        if not self.apart:
            return []
        incoming = {i for u, t in plan if t == h for i in u}
        return [bool(self.apart.get(i, set()) & incoming) for i in unit]
