"""An upper bound on diversity that knows who can meet whom (issue 14, item 1).

The separable bound of `report.py` bounds each criterion alone, as if anyone
could sit with anyone. This one follows the groups' geography: a group meets at
one *option* (a site of `feasibility.py`: a venue, a slot and the values of the
shared criteria), so all of a person's partners are eligible at one option the
person is eligible for, none is an "apart" pair with them, and they number at
most `max_size - 1`.

**The star relaxation.** A grouping's diversity is the sum, over people, of
half the dissimilarity to each of their partners. Let every person choose alone
one option and up to `max_size - 1` partners there: the best such choice is
worth at least what the grouping gives them, so the sum of everyone's best
bounds every valid grouping. It is loose where many people want the same rare
partners: a person may choose someone who does not choose them back.

**The Lagrangian on symmetry.** In a grouping, i counts j as a partner exactly
when j counts i. Moving an amount mu_ij of the pair's value from i's side to
j's (i sees d_ij / 2 - mu_ij, j sees d_ij / 2 + mu_ij) changes no grouping's
value, so the star of the shifted values is a valid bound for every mu.
Subgradient steps lower it (i picks j but j not i: i's side gets cheaper, j's
dearer); the best bound seen is kept, so stopping early only loosens it. The
limit is the bound of the b-matching relaxation restricted to who can meet
(Held and Karp's 1-tree bound for the travelling salesman uses the same device).
A second multiplier prices partners: a grouping has at most so many pairs (the
sum of C(s, 2) over its group sizes, or as many full groups as fit), so adding
nu * (2 * pairs - partners chosen), nu >= 0, keeps the bound valid. With the
people placed and their group sizes given (the report's case), everyone also
has at least `min(sizes) - 1` partners.

**Criteria bounded apart.** Diversity is a sum over criteria, so criteria can
be bounded by different relaxations and the bounds added. A star lets a person
of a yes/no answer pick five people of the other answer, while in a group of six
at most 9 of the 15 pairs differ: criteria with few values are better bounded by
counting (`report.criterion_bound`); `few_valued` names them and `without`
leaves them out of the star, the caller adds their counted bound.

**Unanswered answers.** A person who did not answer a categorical question
differs from nobody on it. The separable bound counts the pairs of people who
answered as if those who did not sat together, while it spreads every answer
over all the groups: both cannot happen at once. `categorical_pairs_bound`
bounds the criterion alone with the unanswered as a value of their own, by a
Lagrangian on how many people give each answer: for any prices, each group size
has an exact best composition (the pairs an answer adds are concave in its
count, so answers are added greedily), and the bound is the prices times the
supply plus the groups' best values. The report takes, criterion by criterion,
the smaller of this and the separable count.

**Who can never meet.** `meeting_components` links people through the sites
usable by at least `min_size` of them: a valid group lies within one component,
so any bound summed over components (each with its own people and the sizes of
its groups) holds; the report does so with its separable count.

**The site LP.** `site_lp_bound` assigns people fractionally to the sites they
can use, a site holding a fractional number of groups (venue capacities kept),
and bounds each site's same-answer pairs from below by cuts exact whenever the
answer's people per group is an integer. One assignment serves every categorical
criterion at once, which the separable count cannot see; each criterion is also
capped by its separable term, so the LP is never above it.

Work is done option by option on the people eligible there. Options whose
people all belong to a larger option are dropped (a choice there is also a
choice in the larger one), and so are options with fewer than `min_size`
people, which can host no group. Cost: the sum over options of their number of
people squared per iteration. Over `LAGRANGE_WORK` the star is computed without
iterations; over `STAR_WORK` or `DENSE_LIMIT` active people the bound is not
computed at all (`value` is `math.inf`, callers keep their other bound).
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.distance import Encoded
from tierslien.mixing.feasibility import compute_sites
from tierslien.mixing.problem import Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DENSE_LIMIT = 6000  # active people: above, the m x m matrices would not fit comfortably
LAGRANGE_WORK = 40_000_000  # sum over options of people^2, for iterations
STAR_WORK = 400_000_000  # the same, for the star alone
DOMINANCE_LIMIT = 400  # options: above, dominated options are not looked for
FEW_VALUES = 3  # categorical criteria with at most this many answers are counted apart
ITERATIONS = 150
TIME_BUDGET = 2.0  # seconds of subgradient iterations at most


@dataclass(frozen=True)
class MeetingBound:
    """The bound and how it was obtained."""

    value: float  # the bound; math.inf when not computed (over the work budget)
    star: float  # the star relaxation, before any iteration
    iterations: int
    options: int  # options kept (after dropping dominated and too small ones)
    people: int  # people with at least one option
    seconds: float


@dataclass(frozen=True)
class Options:
    """Who may meet whom: each option's people, as positions in `active`."""

    active: IntArray  # people with at least one option (problem indices, sorted)
    members: tuple[IntArray, ...]

    @property
    def work(self) -> int:
        return sum(int(m.size) ** 2 for m in self.members)


def site_people(problem: Problem, *, people: IntArray | None = None) -> list[IntArray]:
    """The people (problem indices) eligible at each site of `feasibility.compute_sites`
    that has any, restricted to `people` when given."""
    sites = compute_sites(problem)
    n = problem.n
    keep = np.ones(n, dtype=np.bool_)
    if people is not None:
        keep[:] = False
        keep[np.asarray(people, dtype=np.int64)] = True
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(sites.elig_ptr))
    site = sites.elig_idx.astype(np.int64)
    owner, site = owner[keep[owner]], site[keep[owner]]
    order = np.lexsort((owner, site))
    owner, site = owner[order], site[order]
    return np.split(owner, np.flatnonzero(np.diff(site)) + 1) if owner.size else []


def meeting_options(problem: Problem, *, people: IntArray | None = None) -> Options:
    """The options of `problem` (its sites), restricted to `people` when given."""
    groups = site_people(problem, people=people)
    return distinct_options(groups, problem.n, min_size=problem.min_size)


def meeting_components(problem: Problem, *, people: IntArray | None = None) -> IntArray:
    """Who can never share a group: a label per person of `problem` (problem order),
    equal for two people linked by a chain of usable sites, -1 for people left out
    (not in `people`, or with no usable site).

    A site (venue x slot x values of the shared criteria) is usable when at least
    `min_size` of `people` are eligible there; every valid group meets at one usable
    site, all its members eligible, so it lies within one component. Apart pairs are
    ignored (they only split groups, never join components)."""
    n = problem.n
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    inside = np.zeros(n, dtype=np.bool_)
    for members in site_people(problem, people=people):
        if members.size < max(problem.min_size, 1):
            continue
        inside[members] = True
        first = root(int(members[0]))
        for i in members[1:].tolist():
            r = root(i)
            if r != first:
                parent[r] = first
    roots = np.array([root(i) for i in range(n)], dtype=np.int64)
    labels = np.full(n, -1, dtype=np.int64)
    if inside.any():
        _, labels[inside] = np.unique(roots[inside], return_inverse=True)
    return labels


def distinct_options(groups: Sequence[IntArray], n: int, *, min_size: int) -> Options:
    """Keep the groups of people with at least `min_size` people, without duplicates
    and without those contained in another."""
    seen: set[bytes] = set()
    unique: list[IntArray] = []
    for g in sorted(groups, key=lambda g: -g.size):
        if g.size < max(min_size, 2):
            continue
        g = np.sort(g)
        if g.tobytes() not in seen:
            seen.add(g.tobytes())
            unique.append(g)
    if 1 < len(unique) <= DOMINANCE_LIMIT:
        masks = np.zeros((len(unique), n), dtype=np.float32)
        for k, g in enumerate(unique):
            masks[k, g] = 1.0
        common = masks @ masks.T  # common[a, b] = |M_a & M_b|
        dominated = np.zeros(len(unique), dtype=np.bool_)
        for a in range(len(unique)):  # largest first: only an earlier one can contain a
            for b in range(a):
                if not dominated[b] and common[a, b] >= unique[a].size:
                    dominated[a] = True
                    break
        unique = [g for g, d in zip(unique, dominated, strict=True) if not d]
    active = np.unique(np.concatenate(unique)) if unique else np.zeros(0, dtype=np.int64)
    position = np.full(n, -1, dtype=np.int64)
    position[active] = np.arange(active.size)
    return Options(active=active, members=tuple(position[g] for g in unique))


def star_bound(
    half: FloatArray,
    options: Sequence[IntArray],
    most: int,
    *,
    least: int = 0,
    pairs: float | None = None,
    iterations: int = ITERATIONS,
    time_budget: float = TIME_BUDGET,
    target: float | None = None,
    stop_above: float | None = None,
) -> tuple[float, float, int]:
    """(best bound, star bound, iterations done).

    `half` (m x m) holds each side's share of a pair's value, -inf on the diagonal
    and for pairs that may never meet; each person has between `least` and `most`
    partners, all within one of `options` (positions in `half`), or is left out when
    `least` is 0. `pairs`: the most pairs a grouping can have; each partner then
    costs a multiplier nu >= 0 and the bound gains 2 * pairs * nu. `target`, a value
    some grouping reaches, only sizes the steps; iterations stop early when after 10
    the bound is still 10 % above `stop_above` (the caller has a better bound)."""
    m = half.shape[0]
    if m == 0 or most <= 0 or not options:
        return 0.0, 0.0, 0
    least = min(least, most)
    mu = np.zeros((m, m)) if iterations > 0 else None
    nu = 0.0  # the price of a partner, for the limit on the number of pairs
    started = time.perf_counter()
    best = star = math.inf
    theta, stall, done = 1.0, 0, 0
    for it in range(iterations + 1):
        value = np.full(m, -np.inf if least > 0 else 0.0)
        best_option = np.full(m, -1, dtype=np.int64)
        picks: list[tuple[IntArray, IntArray, int]] = []
        for o, idx in enumerate(options):
            k = min(most, idx.size - 1)
            if k <= 0 or k < least:
                continue
            w = half[np.ix_(idx, idx)]
            if mu is not None:
                w = w + mu[np.ix_(idx, idx)] - nu
            part = np.argpartition(w, -k, axis=1)[:, -k:]
            top = np.take_along_axis(w, part, axis=1)
            order = np.argsort(-top, axis=1)  # each row's k best, best first
            top = np.take_along_axis(top, order, axis=1)
            part = np.take_along_axis(part, order, axis=1)
            taken = np.arange(k)[None, :] < least  # the first `least` partners are forced
            taken = taken | (top > 0)
            total = np.where(taken, top, 0.0).sum(axis=1)
            better = total > value[idx]
            if not better.any():
                continue
            rows_better = idx[better]
            value[rows_better] = total[better]
            best_option[rows_better] = o
            sel = taken[better]
            rows = np.repeat(rows_better, k).reshape(-1, k)[sel]
            cols = idx[part[better]][sel]
            picks.append((rows, cols, o))
        bound = float(value[np.isfinite(value)].sum()) if least == 0 else float(value.sum())
        if pairs is not None:
            bound += 2.0 * pairs * nu
        if not math.isfinite(bound):
            return math.inf, math.inf, 0  # someone cannot have `least` partners: no bound
        if it == 0:
            star = bound
        if bound < best - 1e-9 * max(1.0, abs(bound)):
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= 4:
                theta, stall = theta / 2, 0
        done = it
        if mu is None or it == iterations or time.perf_counter() - started > time_budget:
            break
        if stop_above is not None and it >= 10 and best > 1.1 * stop_above:
            break
        y = np.zeros((m, m), dtype=np.int8)
        for rows, cols, o in picks:
            final = best_option[rows] == o
            y[rows[final], cols[final]] = 1
        g = y - y.T  # +1 where i picks j and j not i
        # d bound / d nu = 2 * pairs - partners picked; nu stays >= 0.
        g_nu = 2.0 * pairs - float(y.sum()) if pairs is not None else 0.0
        if g_nu > 0 and nu <= 0:
            g_nu = 0.0
        norm = float(np.abs(g).sum()) + g_nu**2
        if norm == 0 or theta < 1e-4:
            break  # the picks are symmetric and as many as allowed: no lower this way
        goal = target if target is not None and target < bound else 0.97 * bound
        step = theta * (bound - goal) / norm
        mu -= step * g
        nu = max(0.0, nu - step * g_nu)
    return best, star, done


def categorical_pairs_bound(
    codes: IntArray, sizes: Sequence[int], *, iterations: int = 200
) -> float:
    """The most pairs of different answers (both answered) that groups of these sizes
    can hold, for these answers (`codes`: one per person placed, -1 when unanswered).

    Lagrangian on the supply of each answer (and of "unanswered"): with prices pi,
    a group of size s is worth max over its composition of
    C(answered, 2) - sum_v C(n_v, 2) - pi . n, found exactly (for each number of
    unanswered, answers are added greedily: each one's marginal value -n_v - pi_v
    falls as it repeats). Every price vector gives a valid bound; subgradient steps
    lower it, the smallest seen is returned."""
    answered = codes[codes >= 0]
    # Plain Python lists: a handful of answers, where NumPy's per-call cost dominated
    # (5-10 ms per criterion, a third of a 0.1-s evening's time past its limit).
    supply = np.bincount(answered).astype(np.float64).tolist() if answered.size else []
    values = range(len(supply))
    unanswered = float((codes < 0).sum())
    kinds, counts = np.unique(np.asarray(sizes, dtype=np.int64), return_counts=True)
    prices = [0.0] * len(supply)
    price_none = 0.0
    best, theta, stall = math.inf, 1.0, 0
    for _ in range(iterations):
        total = sum(p * q for p, q in zip(prices, supply, strict=True)) + price_none * unanswered
        used = [0.0] * len(supply)
        used_none = 0.0
        for size, groups in zip(kinds.tolist(), counts.tolist(), strict=True):
            held = [0.0] * len(supply)
            inner = [0.0]  # inner[c]: the best answers' value with c answered members
            holds = [held.copy()]
            for _c in range(size):
                if not supply:
                    break
                v = max(values, key=lambda u: -held[u] - prices[u])  # the first best, as argmax
                inner.append(inner[-1] + (-held[v] - prices[v]))
                held[v] += 1
                holds.append(held.copy())
            options = [
                (size - x) * (size - x - 1) / 2.0 - price_none * x + inner[size - x]
                if size - x < len(inner)
                else -math.inf
                for x in range(size + 1)
            ]
            x = max(range(size + 1), key=options.__getitem__)
            total += groups * options[x]
            for u, h in enumerate(holds[size - x]):
                used[u] += groups * h
            used_none += groups * x
        if total < best - 1e-12 * max(1.0, abs(total)):
            best, stall = total, 0
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2.0, 0
        g = [q - u for q, u in zip(supply, used, strict=True)]
        g_none = unanswered - used_none
        norm = sum(d * d for d in g) + g_none**2
        if norm == 0 or theta < 1e-6:
            break  # the best compositions use exactly the supply: the bound is exact
        step = theta * 0.01 * max(total, 1.0) / norm
        prices = [p - step * d for p, d in zip(prices, g, strict=True)]
        price_none -= step * g_none
    return best


def few_valued(enc: Encoded) -> frozenset[int]:
    """Criteria (positions in `enc.criteria`) better bounded by counting than by a star:
    categorical ones with at most `FEW_VALUES` different answers."""
    out = set()
    for c, ec in enumerate(enc.criteria):
        if ec.codes is not None and np.unique(ec.codes[ec.codes >= 0]).size <= FEW_VALUES:
            out.add(c)
    return frozenset(out)


def meeting_bound(
    problem: Problem,
    enc: Encoded,
    *,
    people: IntArray | None = None,
    sizes: Sequence[int] | None = None,
    without: Collection[int] = (),
    target: float | None = None,
    stop_above: float | None = None,
    iterations: int = ITERATIONS,
    time_budget: float = TIME_BUDGET,
    max_work: int = STAR_WORK,
) -> MeetingBound:
    """An upper bound on the diversity of one round of any valid grouping.

    With `people` (and `sizes`), only groupings of exactly those people (in groups of
    those sizes) are bounded, as the report does for a solution's round. Criteria in
    `without` are left out (the caller bounds them otherwise); `target` and
    `stop_above` only steer the iterations. Above `max_work` (the sum over options
    of their people squared) nothing is computed and `value` is `math.inf`. For
    `rounds > 1`, the rounds' bounds add up (each round is a grouping)."""
    started = time.perf_counter()
    if (problem.n if people is None else len(people)) > DENSE_LIMIT:
        return MeetingBound(math.inf, math.inf, 0, 0, 0, 0.0)  # not even the sites
    opts = meeting_options(problem, people=people)
    m = int(opts.active.size)
    work = opts.work
    if m > DENSE_LIMIT or work > min(max_work, STAR_WORK):
        return MeetingBound(math.inf, math.inf, 0, len(opts.members), m, 0.0)
    kept = tuple(ec for c, ec in enumerate(enc.criteria) if c not in without)
    part = Encoded(n=enc.n, criteria=kept, matrix=enc.matrix)
    half = part.block(opts.active, opts.active) / 2.0
    np.fill_diagonal(half, -np.inf)
    position = np.full(problem.n, -1, dtype=np.int64)
    position[opts.active] = np.arange(m)
    for a, b in problem.apart:
        i, j = position[problem.index[a]], position[problem.index[b]]
        if i >= 0 and j >= 0:
            half[i, j] = half[j, i] = -np.inf
    everyone = people is not None and sizes is not None and m == len(people)
    least = min(sizes) - 1 if everyone and sizes else 0
    most = (max(sizes) if sizes else problem.max_size) - 1
    if sizes is not None:
        pairs = float(sum(s * (s - 1) // 2 for s in sizes))
    else:  # as many full groups as possible hold the most pairs
        full, rest = divmod(m, problem.max_size)
        pairs = float(
            full * problem.max_size * (problem.max_size - 1) // 2 + rest * (rest - 1) // 2
        )
    value, star, done = star_bound(
        half,
        opts.members,
        most,
        least=least,
        pairs=pairs,
        iterations=iterations if work <= LAGRANGE_WORK else 0,
        time_budget=time_budget,
        target=target,
        stop_above=stop_above,
    )
    return MeetingBound(value, star, done, len(opts.members), m, time.perf_counter() - started)


def most_pairs(min_sizes: Sequence[int], max_sizes: Sequence[int], people: int) -> int:
    """The most pairs groups with these size ranges hold when they hold `people` in all
    (dynamic programming over the groups); -1 when they cannot hold exactly that many."""
    best = {0: 0}
    for lo, hi in zip(min_sizes, max_sizes, strict=True):
        nxt: dict[int, int] = {}
        for total, count in best.items():
            for size in range(int(lo), int(hi) + 1):
                if total + size <= people:
                    value = count + size * (size - 1) // 2
                    if value > nxt.get(total + size, -1):
                        nxt[total + size] = value
        best = nxt
    return best.get(people, -1)


def matrix_bound(
    weights: FloatArray,
    min_sizes: Sequence[int],
    max_sizes: Sequence[int],
    *,
    target: float | None = None,
    iterations: int = ITERATIONS,
    time_budget: float = TIME_BUDGET,
) -> MeetingBound:
    """The same bound for a plain weights matrix where everyone is placed, group g
    holding `min_sizes[g]` to `max_sizes[g]` people (MDGPLIB instances): one option,
    everyone in it, between min - 1 and max - 1 partners, at most `most_pairs` pairs."""
    started = time.perf_counter()
    m = weights.shape[0]
    pairs = most_pairs(min_sizes, max_sizes, m)
    if pairs < 0:
        return MeetingBound(-math.inf, -math.inf, 0, 1, m, 0.0)  # no grouping at all
    half = weights / 2.0
    np.fill_diagonal(half, -np.inf)
    value, star, done = star_bound(
        half,
        (np.arange(m, dtype=np.int64),),
        max(max_sizes) - 1,
        least=min(min_sizes) - 1,
        pairs=float(pairs),
        iterations=iterations,
        time_budget=time_budget,
        target=target,
    )
    return MeetingBound(value, star, done, 1, m, time.perf_counter() - started)


SITE_LP_VARIABLES = 200_000  # people-type x site pairs: above, the LP is not built


def site_lp_bound(
    problem: Problem,
    enc: Encoded,
    placed: IntArray,
    sizes: Sequence[int],
    *,
    caps: Sequence[float] | None = None,
    max_variables: int = SITE_LP_VARIABLES,
    merge_sites: bool = True,
) -> float:
    """An upper bound on the categorical criteria's diversity of any valid round that
    places exactly `placed` in groups of `sizes` (venue capacities kept), by a linear
    programme over who can meet where.

    Each person goes (fractionally) to one usable site they are eligible for; site k
    holds G_k groups (sum = the number of groups, at most the capacity of its venue
    and slot, between min(sizes) G_k and max(sizes) G_k people) and N_kv people of
    answer v. However N people of one answer spread over G groups, their same-answer
    pairs are at least a N - a (a + 1) G / 2 for every integer a >= 0 (Jensen on the
    convex interpolation of x^2 at the integers; exact when N / G is an integer), so
    the programme minimises the same-answer pairs over these cuts. A group of size s
    with u unanswered people has at least u (s - 1) / 2 pairs involving them (the chord
    of a concave function). Every valid round is a feasible point: the bound is the
    pairs of the sizes minus those, weighted by each criterion's scale. Criteria other
    than categorical ones are not counted (the caller adds their own bounds).
    `caps`, one per criterion of `enc` (for the categorical ones): a bound already known
    on each criterion's diversity (the separable one, say), kept as a constraint, so
    the result is never above their sum and gains where one assignment to sites must
    serve every criterion at once.
    `math.inf` when someone placed has no usable site (the round breaks a rule) or the
    programme is over `max_variables` or fails. `merge_sites=False` solves the
    programme without merging sites usable by the same people (for tests: same value)."""
    cats = [(c, ec) for c, ec in enumerate(enc.criteria) if ec.codes is not None]
    if not cats or not sizes or placed.size == 0:
        return 0.0
    lo, hi = min(sizes), max(sizes)
    pairs = float(sum(s * (s - 1) // 2 for s in sizes))
    constants = []
    for _c, ec in cats:
        assert ec.codes is not None
        unanswered = float((ec.codes[placed] < 0).sum())
        constants.append(ec.scale * (pairs - unanswered * (lo - 1) / 2.0))
    sites = compute_sites(problem)
    eligible = [sites.of(int(i)) for i in placed]
    users = np.bincount(np.concatenate(eligible), minlength=sites.count) if eligible else None
    if users is None:
        return math.inf
    usable = users >= lo
    types: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
    for i, own in zip(placed.tolist(), eligible, strict=True):
        where = tuple(own[usable[own]].tolist())
        if not where:
            return math.inf
        assert all(ec.codes is not None for _c, ec in cats)
        key = (tuple(int(ec.codes[i]) for _c, ec in cats), where)  # type: ignore[index]
        types[key] = types.get(key, 0) + 1
    if sum(len(where) for _v, where in types) > max_variables:
        return math.inf
    site_ids = sorted({k for _v, where in types for k in where})
    site_pos = {k: p for p, k in enumerate(site_ids)}
    n_sites = len(site_ids)
    if n_sites == 1 and caps is not None:
        # One site (an evening, a town with one venue): the programme's only cuts are
        # Jensen's on each answer's count over all the groups, which the separable
        # terms already count exactly, so it cannot go below `caps`; skipping it spares
        # a short solve its SciPy import and HiGHS start (bench/short_budget.py).
        return float(sum(float(caps[c]) for c, _ec in cats))
    from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]
    from scipy.sparse import coo_array  # type: ignore[import-untyped, unused-ignore]

    # Sites usable by exactly the same people form one class: the same venue on two
    # evenings, say. A class holds the people, answers and cuts of its sites summed
    # (their groups stay apart, for the venues' capacities), which loses nothing: a
    # class's solution split over its sites in proportion to their groups is a
    # solution of the unmerged programme of the same value (the cuts are homogeneous).
    # On the demo season: 7,693 variables instead of 9,178, 0.96 s instead of 1.30 s.
    types_at: dict[int, list[int]] = {k: [] for k in site_ids}
    for t, (_values, where) in enumerate(types):
        for k in where:
            types_at[k].append(t)
    class_of_users: dict[tuple[int, ...], int] = {}
    site_class = [
        class_of_users.setdefault(tuple(types_at[k]) if merge_sites else (k,), len(class_of_users))
        for k in site_ids
    ]
    n_classes = len(class_of_users)
    class_sites: list[list[int]] = [[] for _ in range(n_classes)]
    for p, c in enumerate(site_class):
        class_sites[c].append(p)
    # Variables: x (type, class), then G (site), then N and z (criterion, class, answer).
    x_of: list[tuple[int, int, tuple[int, ...]]] = []  # (type, class, answers)
    for t, (values, where) in enumerate(types):
        x_of.extend((t, c, values) for c in sorted({site_class[site_pos[k]] for k in where}))
    n_x = len(x_of)
    g0 = n_x
    nz: dict[tuple[int, int, int], int] = {}  # (criterion position, class, answer) -> N index
    for _t, c, values in x_of:
        for q, v in enumerate(values):
            if v >= 0 and (q, c, v) not in nz:
                nz[(q, c, v)] = len(nz)
    n0 = g0 + n_sites
    z0 = n0 + len(nz)
    w0 = z0 + len(nz)  # w_q: criterion q's diversity, maximised
    n_vars = w0 + len(cats)
    cost = np.zeros(n_vars)
    cost[w0:] = -1.0
    bounds: list[tuple[float | None, float | None]] = [(0.0, None)] * w0
    for c, _ec in cats:
        cap = None if caps is None else float(caps[c]) + 1e-9 * max(1.0, abs(float(caps[c])))
        bounds.append((None, cap))
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    eq_rhs: list[float] = []

    def eq(cols: list[int], vals: list[float], rhs: float) -> None:
        row = len(eq_rhs)
        eq_rows.extend([row] * len(cols))
        eq_cols.extend(cols)
        eq_vals.extend(vals)
        eq_rhs.append(rhs)

    counts = list(types.values())
    by_type: list[list[int]] = [[] for _ in counts]
    for j, (t, _c, _values) in enumerate(x_of):
        by_type[t].append(j)
    for t, cols in enumerate(by_type):
        eq(cols, [1.0] * len(cols), float(counts[t]))
    eq([g0 + p for p in range(n_sites)], [1.0] * n_sites, float(len(sizes)))
    members: dict[int, list[int]] = {j: [] for j in range(len(nz))}
    for j, (_t, c, values) in enumerate(x_of):
        for q, v in enumerate(values):
            if v >= 0:
                members[nz[(q, c, v)]].append(j)
    for j, cols in members.items():
        eq([*cols, n0 + j], [1.0] * len(cols) + [-1.0], 0.0)
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_vals: list[float] = []
    ub_rhs: list[float] = []

    def le(cols: list[int], vals: list[float], rhs: float) -> None:
        row = len(ub_rhs)
        ub_rows.extend([row] * len(cols))
        ub_cols.extend(cols)
        ub_vals.extend(vals)
        ub_rhs.append(rhs)

    in_class: list[list[int]] = [[] for _ in range(n_classes)]
    for j, (_t, c, _values) in enumerate(x_of):
        in_class[c].append(j)
    for c, cols in enumerate(in_class):
        groups = [g0 + p for p in class_sites[c]]
        le([*cols, *groups], [-1.0] * len(cols) + [float(lo)] * len(groups), 0.0)
        le([*cols, *groups], [1.0] * len(cols) + [-float(hi)] * len(groups), 0.0)
    by_key: dict[int, list[int]] = {}
    for p, k in enumerate(site_ids):
        by_key.setdefault(int(sites.key[k]), []).append(p)
    for venue_slot, ps in by_key.items():
        cap = int(sites.capacity[venue_slot])
        if cap < len(sizes):
            le([g0 + p for p in ps], [1.0] * len(ps), float(cap))
    by_criterion: list[list[int]] = [[] for _ in cats]
    for (q, _c, _v), j in nz.items():
        by_criterion[q].append(j)
    for q, js in enumerate(by_criterion):
        scale = float(cats[q][1].scale)
        le([w0 + q, *(z0 + j for j in js)], [1.0] + [scale] * len(js), constants[q])
    for (_q, c, _v), j in nz.items():
        groups = [g0 + p for p in class_sites[c]]
        for a in range(1, hi):
            le(
                [n0 + j, *groups, z0 + j],
                [float(a), *([-a * (a + 1) / 2.0] * len(groups)), -1.0],
                0.0,
            )
    a_eq = coo_array((eq_vals, (eq_rows, eq_cols)), shape=(len(eq_rhs), n_vars)).tocsr()
    a_ub = coo_array((ub_vals, (ub_rows, ub_cols)), shape=(len(ub_rhs), n_vars)).tocsr()
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.array(ub_rhs),
        A_eq=a_eq,
        b_eq=np.array(eq_rhs),
        bounds=bounds,
        method="highs-ipm",  # interior point: 3 to 4 times faster here than the simplex
    )
    if result.status != 0:
        return math.inf
    return float(-result.fun) + 1e-7 * max(1.0, abs(float(result.fun)))
