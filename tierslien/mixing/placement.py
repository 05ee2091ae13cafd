"""Priority 1: place everyone who can be placed, and bound how many can be.

`fill` repairs a grouping (the construction's, then the search's) by moves that
keep it valid, repeated until none applies:

1. *insert*: an unplaced unit (a person, or people who must stay together)
   joins a group with room at a site they are all eligible for, if nobody
   there must be kept apart from them;
2. *displace*: a full group takes an unplaced person after one of its movable
   members (not locked, not bound to a partner) moves to another group with
   room that they may join;
3. *new group*: at a site whose (venue, slot) has a table left, unplaced
   people who may meet there form a group (at least the minimum size, no
   `apart` pair), borrowing movable people when they are too few: from groups
   above the minimum, or from a group at the minimum when someone from a group
   above it can take the lent person's place (a chain of two moves).

When it ends, no unplaced unit can join any group directly and no `min_size`
unplaced people able to meet at one free site are left together.

`placeable_bound` is an upper bound on how many people any valid grouping can
place in a round. A group at a site needs `min_size` people eligible there, so
sites with fewer eligible people are struck off, then people left with no site,
until nothing changes. The rest are split into *compatible clusters* (connected by
sharing an eligible site: nobody can share a group across clusters); a cluster
of N people with tables for at most K groups holds at most the largest number
<= N that k groups of sizes in [min, max] can hold, k <= K. Every rule left out
(apart pairs, together units, other clusters' use of shared tables) only
lowers what is achievable, so the bound is valid; placed == bound proves the
placement maximal.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from tierslien.mixing.construct import Layout, apart_map, together_units
from tierslien.mixing.feasibility import Sites
from tierslien.mixing.problem import Problem

EXHAUSTIVE = 16  # up to this many candidates, a new group is searched exhaustively


def fill(problem: Problem, sites: Sites, layout: Layout, unplaced: list[int]) -> list[int]:
    """Place as many of `unplaced` as valid moves allow; returns those placed."""
    return _Filler(problem, sites, layout).run(unplaced)


def close_groups(problem: Problem, sites: Sites, layout: Layout) -> int:
    """Close the groups whose members all fit in other groups by valid moves.

    Fewer, fuller groups hold more pairs, hence more diversity (a group of 5
    closed into five groups of 5 holds 25 pairs instead of 10); the
    construction's own merge only moves people straight into groups with room,
    this one also makes room by moving someone out of a full group (fill's
    *displace*). Groups are tried smallest first, one pass; groups holding locked
    people are kept. Returns how many were closed. The layout keeps its empty
    groups (call `compact`).
    """
    filler = _Filler(problem, sites, layout)
    filler.retag = False
    b = problem.max_size
    order = sorted(
        (g for g, m in enumerate(layout.members) if m), key=lambda g: (len(layout.members[g]), g)
    )
    placed = sum(len(m) for m in layout.members)
    groups = len(order)
    closed = 0
    for g in order:
        if (groups - 1) * b < placed:
            break  # the others cannot hold everyone
        if filler.close(g):
            closed += 1
            groups -= 1
    return closed


def placeable_bound(problem: Problem, sites: Sites, placeable: list[int]) -> int:
    """Upper bound on the people any valid grouping places in one round."""
    a, b = problem.min_size, problem.max_size
    n, k = problem.n, sites.count
    counts = np.diff(sites.elig_ptr)
    rows = np.repeat(np.arange(n, dtype=np.int64), counts)
    cols = sites.elig_idx.astype(np.int64)
    person = np.zeros(n, dtype=np.bool_)
    person[np.asarray(placeable, dtype=np.int64)] = True
    live = person[rows]
    # A group at a site needs `min_size` people eligible there: strike off the sites
    # with fewer, then the people left with no site, until nothing changes.
    while True:
        dead = np.bincount(cols[live], minlength=k) < a
        keep = live & ~dead[cols]
        person = np.bincount(rows[keep], minlength=n) > 0
        keep &= person[rows]
        if (keep == live).all():
            break
        live = keep
    rows, cols = rows[live], cols[live]
    if rows.size == 0:
        return 0
    # Compatible clusters: label propagation over the person-site graph.
    label = np.arange(n, dtype=np.int64)
    while True:
        at_site = np.full(k, n, dtype=np.int64)
        np.minimum.at(at_site, cols, label[rows])
        new = label.copy()
        np.minimum.at(new, rows, at_site[cols])
        if (new == label).all():
            break
        label = new
    roots = label[person]
    sizes = np.bincount(roots, minlength=n)
    site_root = np.full(k, -1, dtype=np.int64)
    site_root[cols] = label[rows]
    tables: dict[int, int] = defaultdict(int)
    for root, key in {(int(r), int(sites.key[s])) for s, r in enumerate(site_root) if r >= 0}:
        tables[root] += int(sites.capacity[key])
    return sum(largest_fill(int(sizes[r]), a, b, tables[r]) for r in np.unique(roots).tolist())


def largest_fill(n: int, a: int, b: int, tables: int) -> int:
    """The most of n people that at most `tables` groups of a..b people can hold."""
    best = 0
    for k in range(1, min(tables, n // a) + 1):
        best = max(best, min(n, k * b))
    return best


class _Filler:
    def __init__(self, problem: Problem, sites: Sites, layout: Layout) -> None:
        self.problem = problem
        self.sites = sites
        self.layout = layout
        self.a, self.b = problem.min_size, problem.max_size
        self.apart = apart_map(problem)
        self.partnered = {problem.index[x] for pair in problem.together for x in pair}
        self.elig: dict[int, frozenset[int]] = {}
        self.group_of: dict[int, int] = {}
        self.at_site: dict[int, list[int]] = defaultdict(list)
        self.used: dict[int, int] = defaultdict(int)
        for g, members in enumerate(layout.members):
            for i in members:
                self.group_of[i] = g
            if members:
                self.at_site[layout.site[g]].append(g)
                self.used[int(sites.key[layout.site[g]])] += 1
        self._people_at: dict[int, list[int]] | None = None
        self.budget = 20 * problem.n + 10_000  # people examined for a displacement
        self.retag = True  # may `insert` move a group to another site of its table?
        self.journal: list[tuple[int, int]] | None = None  # (person, previous group)

    # ----- helpers -----

    def sites_of(self, i: int) -> frozenset[int]:
        out = self.elig.get(i)
        if out is None:
            out = self.elig[i] = frozenset(self.sites.of(i).tolist())
        return out

    def clash(self, unit: list[int], others: list[int]) -> bool:
        if not self.apart:
            return False
        return any(self.apart.get(i, set()).intersection(others) for i in unit)

    def movable(self, j: int) -> bool:
        return j not in self.layout.locked and j not in self.partnered

    def free_table(self, site: int) -> bool:
        key = int(self.sites.key[site])
        return self.used[key] < int(self.sites.capacity[key])

    def people_at(self, site: int) -> list[int]:
        if self._people_at is None:
            at: dict[int, list[int]] = defaultdict(list)
            for i in self.group_of:
                for s in self.sites_of(i):
                    at[s].append(i)
            self._people_at = at
        return self._people_at.get(site, [])

    def move(self, i: int, g: int) -> None:
        old = self.group_of.get(i, -1)
        if self.journal is not None:
            self.journal.append((i, old))
        if old >= 0:
            self.layout.members[old].remove(i)
        self.layout.members[g].append(i)
        self.group_of[i] = g
        if self._people_at is not None and old < 0:
            for s in self.sites_of(i):
                self._people_at.setdefault(s, []).append(i)

    def close(self, g: int) -> bool:
        """Move every member of g into other groups (insert, displace); undone unless
        all of them fit."""
        members = list(self.layout.members[g])
        if not members or self.layout.locked.intersection(members):
            return False
        site = self.layout.site[g]
        self.at_site[site].remove(g)
        self.journal = []
        for i in members:
            del self.group_of[i]
        self.layout.members[g] = []
        fits = True
        for unit in together_units(self.problem, members):
            common = frozenset.intersection(*(self.sites_of(i) for i in unit))
            if not (self.insert(unit, common) or self.displace(unit, common)):
                fits = False
                break
        journal, self.journal = self.journal, None
        if fits:
            self.used[int(self.sites.key[site])] -= 1
            return True
        for i, old in reversed(journal):
            self.layout.members[self.group_of[i]].remove(i)
            if old >= 0:
                self.group_of[i] = old
                self.layout.members[old].append(i)
            else:
                del self.group_of[i]
        for i in members:
            self.group_of[i] = g
        self.layout.members[g] = members
        self.at_site[site].append(g)
        return False

    # ----- the repair -----

    def run(self, unplaced: list[int]) -> list[int]:
        chosen = set(unplaced)
        units = []
        index = self.problem.index
        for unit in together_units(self.problem, unplaced):
            common = frozenset.intersection(*(self.sites_of(i) for i in unit))
            if not common or len(unit) > self.b or self.clash(unit, unit):
                continue
            bound_out = len(unit) > 1 or unit[0] in self.partnered
            if bound_out:  # a partner outside the unit (already placed): not alone
                members = set(unit)
                bound_out = any(
                    (index[x] in members) != (index[y] in members)
                    for x, y in self.problem.together
                    if index[x] in chosen or index[y] in chosen
                )
            if not bound_out:
                units.append((unit, common))
        placed: list[int] = []
        changed = True
        while changed and units:
            changed = False
            left = []
            for unit, common in units:
                if self.insert(unit, common) or self.displace(unit, common):
                    placed.extend(unit)
                    changed = True
                else:
                    left.append((unit, common))
            units = left
            while units:
                formed = self.new_group(units)
                if not formed:
                    break
                placed.extend(i for unit in formed for i in unit)
                units = [(u, c) for u, c in units if u not in formed]
                changed = True
        return placed

    def insert(self, unit: list[int], common: frozenset[int]) -> bool:
        best, best_size = -1, self.b + 1
        for s in common:
            for g in self.at_site.get(s, ()):
                size = len(self.layout.members[g])
                fits = size + len(unit) <= self.b and size < best_size
                if fits and not self.clash(unit, self.layout.members[g]):
                    best, best_size = g, size
        if best < 0:
            return self.retag and self.insert_retagged(unit, common)
        for i in unit:
            self.move(i, best)
        return True

    def insert_retagged(self, unit: list[int], common: frozenset[int]) -> bool:
        """Join a group at the same venue and slot whose members all share another
        value of the shared criteria with the unit: the group moves to that site."""
        if not self.problem.shared_criteria:
            return False
        by_key: dict[int, list[int]] = defaultdict(list)
        for s in common:
            by_key[int(self.sites.key[s])].append(s)
        for t, groups in list(self.at_site.items()):
            options = by_key.get(int(self.sites.key[t]), [])
            if not options:
                continue
            for g in list(groups):
                members = self.layout.members[g]
                if len(members) + len(unit) > self.b or self.clash(unit, members):
                    continue
                for s in sorted(options):
                    if all(s in self.sites_of(i) for i in members):
                        groups.remove(g)
                        self.at_site[s].append(g)
                        self.layout.site[g] = s
                        for i in unit:
                            self.move(i, g)
                        return True
        return False

    def displace(self, unit: list[int], common: frozenset[int]) -> bool:
        """A member of a full group moves to a group with room; the unit takes the place."""
        if len(unit) != 1:
            return False
        for s in sorted(common):
            for g in self.at_site.get(s, ()):
                members = self.layout.members[g]
                for j in list(members):
                    if not self.movable(j):
                        continue
                    rest = [x for x in members if x != j]
                    if len(rest) + 1 > self.b or self.clash(unit, rest):
                        continue
                    target = self.room_for(j, exclude=g)
                    if target >= 0:
                        self.move(j, target)
                        self.move(unit[0], g)
                        return True
        return False

    def room_for(self, j: int, *, exclude: int) -> int:
        if self.budget <= 0:  # displacements are a bounded extra, not a search
            return -1
        self.budget -= 1
        for s in self.sites_of(j):
            for h in self.at_site.get(s, ()):
                members = self.layout.members[h]
                if h != exclude and len(members) < self.b and not self.clash([j], members):
                    return h
        return -1

    def new_group(self, units: list[tuple[list[int], frozenset[int]]]) -> list[list[int]]:
        """Open one group at a free site for unplaced units; [] when none can be formed."""
        by_site: dict[int, list[list[int]]] = defaultdict(list)
        for unit, common in units:
            for s in common:
                by_site[s].append(unit)
        for s in sorted(by_site, key=lambda s: (-sum(len(u) for u in by_site[s]), s)):
            if not self.free_table(s):
                continue
            chosen = self.pick(by_site[s])
            borrowed: list[tuple[int, int]] = []
            if sum(len(u) for u in chosen) < self.a:
                borrowed = self.borrow(s, chosen)
                if not borrowed:
                    continue
            g = len(self.layout.site)
            self.layout.site.append(s)
            self.layout.members.append([])
            self.at_site[s].append(g)
            self.used[int(self.sites.key[s])] += 1
            for i, target in borrowed:
                self.move(i, g if target < 0 else target)
            for unit in chosen:
                for i in unit:
                    self.move(i, g)
            return chosen
        return []

    def pick(self, candidates: list[list[int]]) -> list[list[int]]:
        """Units for one group (at most max size, no apart pair): as many people as possible."""
        chosen: list[list[int]] = []
        count = 0
        for unit in sorted(candidates, key=len, reverse=True):
            flat = [i for u in chosen for i in u]
            if count + len(unit) <= self.b and not self.clash(unit, flat):
                chosen.append(unit)
                count += len(unit)
        if count >= self.a or len(candidates) > EXHAUSTIVE:
            return chosen
        for k in range(len(candidates), 0, -1):
            for combo in itertools.combinations(candidates, k):
                people = [i for u in combo for i in u]
                if self.a <= len(people) <= self.b and not self._inner_clash(list(combo)):
                    return list(combo)
        return chosen

    def _inner_clash(self, combo: list[list[int]]) -> bool:
        return any(self.clash(x, y) for x, y in itertools.combinations(combo, 2))

    def borrow(self, site: int, chosen: list[list[int]]) -> list[tuple[int, int]]:
        """Moves bringing movable people who may join `site` out of their groups.

        A group above the minimum lends directly; a group at the minimum lends one
        person if someone from a group above the minimum can take their place
        (a chain of two moves). Returns (person, group) moves ending with the
        people for the new group (group -1), or [] when too few are found."""
        need = self.a - sum(len(u) for u in chosen)
        inside = [i for u in chosen for i in u]
        spare: dict[int, int] = {}
        touched: set[int] = set()  # groups at the minimum already lending one person
        refills: list[tuple[int, int]] = []
        lent: list[int] = []

        def left(g: int) -> int:
            return spare.setdefault(g, len(self.layout.members[g]) - self.a)

        for direct in (True, False):
            for j in self.people_at(site):
                g = self.group_of[j]
                busy = j in lent or any(x == j for x, _ in refills)
                if busy or not self.movable(j) or self.clash([j], inside):
                    continue
                if direct:
                    if left(g) <= 0:
                        continue
                    spare[g] -= 1
                else:
                    if left(g) > 0 or g in touched:
                        continue
                    x = self.refill(g, j, left, set(lent) | {x for x, _ in refills})
                    if x < 0:
                        continue
                    spare[self.group_of[x]] -= 1
                    touched.add(g)
                    refills.append((x, g))
                lent.append(j)
                inside.append(j)
                if len(lent) >= need:
                    return refills + [(j, -1) for j in lent]
        return []

    def refill(self, g: int, j: int, left: Callable[[int], int], taken: set[int]) -> int:
        """Someone from a group above the minimum who may take j's place in g; -1 if none."""
        rest = [i for i in self.layout.members[g] if i != j]
        for x in self.people_at(self.layout.site[g]):
            h = self.group_of[x]
            if h == g or x in taken or not self.movable(x) or left(h) <= 0:
                continue
            if not self.clash([x], rest):
                return x
        return -1


def unplaced_people(layout: Layout, n: int) -> list[int]:
    """Indices of people in no group of `layout`."""
    placed = np.zeros(n, dtype=np.bool_)
    for members in layout.members:
        placed[members] = True
    return np.nonzero(~placed)[0].tolist()
