"""Figures about a grouping, and each person's explanation of their groups.

The objective splits criterion by criterion, so the separable bound does too:
each criterion is bounded alone, as if it were the only one and anyone could
meet anyone (see `criterion_bound`). The upper bound reported is the smallest of
that, the same summed over people who can never share a group (`component_bounds`),
the site LP and the star bound of `bound.py`, which know who can meet whom (venues,
slots, travel, needs, shared criteria, capacities, apart pairs, sizes).
The explanation of a circle (of each round's group, when there are several
rounds) gives only counts ("5 occupations"), never anyone's answers.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tierslien.mixing.bound import (
    LAGRANGE_WORK,
    categorical_pairs_bound,
    meeting_bound,
    meeting_components,
    site_lp_bound,
)
from tierslien.mixing.distance import Encoded, EncodedCriterion
from tierslien.mixing.problem import Problem
from tierslien.mixing.solution import Solution
from tierslien.mixing.validate import violations

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
EXACT_MEAN_LIMIT = 3000  # above, the mean pair dissimilarity of 'multi' criteria is sampled
NUMERIC_BRACKETS = 5
# The report's share of bound.py: its iterations stop after this many seconds, and
# rounds whose options need more work than the iterations allow keep the separable
# bound (a facilitator's edit recomputes the report: it must stay quick).
BOUND_SECONDS = 0.5
# The site LP (bound.py) in the report: above this many person-type x site variables
# it is skipped (HiGHS's interior point: 0.7 s at 10,000 on the bench machine, 5.5 s
# at 74,000).
REPORT_LP_VARIABLES = 10_000


@dataclass(frozen=True)
class CriterionReport:
    name: str
    kind: str
    diversity: float  # this criterion's weighted share of the total diversity
    upper_bound: float  # the most this criterion alone could contribute
    same_value_pairs: int | None = None  # categorical: pairs sharing a value in a group
    fewest_same_value_pairs: int | None = None  # the mathematical minimum for these sizes
    random_same_value_pairs: float | None = None  # expected under a random grouping
    # 1 + (same - fewest) / (random - fewest): 1.0 = as mixed as mathematically
    # possible, 2.0 = as much "entre-soi" as a random draw, above 2 = segregated.
    entre_soi: float | None = None


@dataclass(frozen=True)
class Report:
    placed: int  # people placed in the first round
    unplaced: int  # people unplaced in the first round
    groups: int  # groups over all rounds
    diversity: float  # total over all groups of all rounds
    # No grouping of the same people in groups of these sizes can exceed it: the
    # smaller of separable_bound and the bound of bound.py (who can meet whom).
    upper_bound: float
    ratio_to_bound: float  # diversity / upper_bound (1.0 when the bound is 0)
    random_diversity: float  # expected diversity of a random grouping of the same sizes
    lift: float  # diversity / random_diversity
    weakest_group_diversity: float
    weakest_group: tuple[int, int]  # (round, group index), (-1, -1) without groups
    mean_group_diversity: float
    repeats: int  # pairs grouped again: in several rounds or despite met_before
    criteria: tuple[CriterionReport, ...]
    # No valid grouping places more people in a round (placement.py); placed ==
    # placeable_bound proves the placement maximal. None when not computed.
    placeable_bound: int | None = None
    # The bound criterion by criterion alone (what upper_bound was before issue 14);
    # None in a report not built by build_report.
    separable_bound: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["weakest_group"] = list(self.weakest_group)
        for key in ("diversity", "upper_bound", "random_diversity", "weakest_group_diversity"):
            out[key] = round(out[key], 6)
        for key in ("ratio_to_bound", "lift", "mean_group_diversity"):
            out[key] = round(out[key], 6)
        if self.separable_bound is not None:
            out["separable_bound"] = round(self.separable_bound, 6)
        return out

    def _gap_text(self) -> str:
        """The distance to the best possible, in words."""
        gap = max(0.0, self.upper_bound - self.diversity)
        if gap <= 1e-9 * max(1.0, self.upper_bound):
            text = " No grouping of these people can be more mixed."
        else:
            text = f" The best possible grouping would be at most {gap:.2f} more diverse."
        if self.separable_bound is not None and self.upper_bound < self.separable_bound - 1e-9:
            text += (
                " A finer count (who can meet whom, unanswered questions) lowers that"
                f" bound from {self.separable_bound:.2f} (each criterion bounded alone)."
            )
        return text

    def _bound_text(self) -> str:
        if self.placeable_bound is None:
            return ""
        if self.placed >= self.placeable_bound:
            return f" At most {self.placeable_bound} can be placed: the placement is maximal."
        return f" At most {self.placeable_bound} could be placed (an upper bound)."

    def summary(self) -> str:
        """A few lines for a facilitator."""
        lines = [
            f"{self.placed} people placed in {self.groups} groups, {self.unplaced} unplaced."
            + self._bound_text(),
            f"Diversity {self.diversity:.2f}: {100 * self.ratio_to_bound:.1f}% of the upper bound "
            f"{self.upper_bound:.2f}, {self.lift:.2f}x a random grouping." + self._gap_text(),
            f"Weakest group: {self.weakest_group_diversity:.2f} "
            f"(mean {self.mean_group_diversity:.2f}); repeated encounters: {self.repeats}.",
        ]
        for c in self.criteria:
            if c.entre_soi is not None:
                lines.append(
                    f"  {c.name}: {c.same_value_pairs} same-value pairs "
                    f"(fewest possible {c.fewest_same_value_pairs}, random "
                    f"{c.random_same_value_pairs:.0f}), entre-soi index {c.entre_soi:.2f}"
                )
        return "\n".join(lines)


@dataclass(frozen=True)
class RoundExplanation:
    """One round of a person's explanation: counts only, never answers."""

    round: int
    group: int
    size: int
    counts: tuple[tuple[str, int], ...]  # (criterion, number of distinct answers)
    new: int  # people of the group this person had not met in an earlier round
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "group": self.group,
            "size": self.size,
            "counts": dict(self.counts),
            "new": self.new,
            "text": self.text,
        }


@dataclass(frozen=True)
class Explanation:
    """What a person may learn about their circle: counts only, never answers.

    `round`, `group`, `size` and `counts` describe the first round the person is
    placed in; `rounds` has one entry per round they are placed in, and with
    several rounds `text` covers them all."""

    person: str
    round: int
    group: int
    size: int
    counts: tuple[tuple[str, int], ...]  # (criterion, number of distinct answers)
    text: str
    rounds: tuple[RoundExplanation, ...] = ()
    met: int = 0  # different people met over all the rounds

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "round": self.round,
            "group": self.group,
            "size": self.size,
            "counts": dict(self.counts),
            "text": self.text,
        }
        if len(self.rounds) > 1:
            out["rounds"] = [r.to_dict() for r in self.rounds]
            out["met"] = self.met
        return out


# ----- pair sums per group, vectorised over groups of equal size -----


def _by_size(groups: list[IntArray]) -> dict[int, tuple[IntArray, IntArray]]:
    """size -> (positions of those groups, their members as a (G, size) array)."""
    buckets: dict[int, list[int]] = defaultdict(list)
    for k, g in enumerate(groups):
        buckets[len(g)].append(k)
    return {
        s: (np.array(ks, dtype=np.int64), np.array([groups[k] for k in ks], dtype=np.int64))
        for s, ks in buckets.items()
        if s > 0
    }


def _pair_sums(ec: EncodedCriterion, idx: IntArray) -> FloatArray:
    """Sum of delta_c over the pairs of each row of idx (G, s), unscaled."""
    if ec.codes is not None:
        c = ec.codes[idx]
        diff = (c[:, :, None] != c[:, None, :]) & (c[:, :, None] >= 0) & (c[:, None, :] >= 0)
        return np.asarray(diff.sum(axis=(1, 2)) / 2.0, dtype=np.float64)
    if ec.values is not None:
        v = ec.values[idx]
        d = np.nan_to_num(np.abs(v[:, :, None] - v[:, None, :]), nan=0.0)
        return np.asarray(d.sum(axis=(1, 2)) / 2.0, dtype=np.float64)
    assert ec.labels is not None and ec.answered is not None
    lab = ec.labels[idx].astype(np.float64)
    inter = np.einsum("gil,gjl->gij", lab, lab)
    count = lab.sum(axis=2)
    union = count[:, :, None] + count[:, None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(union > 0, 1.0 - inter / np.maximum(union, 1.0), 0.0)
    ans = ec.answered[idx]
    delta = np.where(ans[:, :, None] & ans[:, None, :], delta, 0.0)
    return np.asarray(delta.sum(axis=(1, 2)) / 2.0, dtype=np.float64)


def group_diversities(enc: Encoded, groups: list[IntArray]) -> tuple[FloatArray, FloatArray]:
    """(total diversity per group, per-criterion weighted sums as (C, G))."""
    total = np.zeros(len(groups))
    per = np.zeros((len(enc.criteria), len(groups)))
    for _s, (pos, idx) in _by_size(groups).items():
        if enc.matrix is not None:
            d = enc.matrix[idx[:, :, None], idx[:, None, :]]
            total[pos] = d.sum(axis=(1, 2)) / 2.0 - np.einsum("gii->g", d) / 2.0
            continue
        for c, ec in enumerate(enc.criteria):
            part = ec.scale * _pair_sums(ec, idx)
            per[c, pos] = part
            total[pos] += part
    return total, per


# ----- bounds -----


def _pairs(k: float) -> float:
    return k * (k - 1) / 2.0


def _max_pairs(k: int, sizes: list[int]) -> float:
    """Most pairs among k people spread over groups of these sizes (largest first)."""
    out, left = 0.0, k
    for s in sorted(sizes, reverse=True):
        take = min(s, left)
        out += _pairs(take)
        left -= take
        if left <= 0:
            break
    return out


def _fewest_pairs(count: int, sizes: list[int]) -> int:
    """Fewest same-value pairs: spread `count` people over the groups as evenly as
    the group sizes allow (water-filling, smallest groups first)."""
    if count <= 0 or not sizes:
        return 0
    left = min(count, sum(sizes))
    remaining = len(sizes)
    out = 0
    for cap, m in sorted(Counter(sizes).items()):
        if cap <= left // remaining:
            out += m * (cap * (cap - 1) // 2)  # these groups are filled up
            left -= m * cap
            remaining -= m
            continue
        # Every group left can take its fair share: floor or ceil of left / remaining.
        q, rem = divmod(left, remaining)
        return out + rem * (q + 1) * q // 2 + (remaining - rem) * q * (q - 1) // 2
    return out


def criterion_bound(ec: EncodedCriterion, placed: IntArray, sizes: list[int]) -> float:
    if ec.codes is not None:
        codes = ec.codes[placed]
        answered = codes[codes >= 0]
        counts = np.bincount(answered) if answered.size else np.zeros(0, dtype=np.int64)
        fewest = sum(_fewest_pairs(int(c), sizes) for c in counts if c > 1)
        return ec.scale * max(0.0, _max_pairs(int(answered.size), sizes) - fewest)
    if ec.values is not None:
        y = ec.values[placed]
        y = np.sort(y[~np.isnan(y)])[::-1]
        if y.size < 2:
            return 0.0
        y = y - y.min()
        coef = np.sort(np.concatenate([np.arange(s - 1, -s, -2, dtype=np.float64) for s in sizes]))[
            ::-1
        ][: y.size]
        return ec.scale * float(max(0.0, np.dot(coef, y)))
    assert ec.answered is not None
    return ec.scale * _max_pairs(int(ec.answered[placed].sum()), sizes)


def _mean_pair(ec: EncodedCriterion, placed: IntArray, rng: np.random.Generator) -> float:
    """Mean of delta_c over all pairs of placed people (unscaled)."""
    n = placed.size
    total_pairs = _pairs(n)
    if total_pairs == 0:
        return 0.0
    if ec.codes is not None:
        codes = ec.codes[placed]
        answered = codes[codes >= 0]
        counts = np.bincount(answered) if answered.size else np.zeros(0, dtype=np.int64)
        diff = _pairs(answered.size) - float(sum(_pairs(float(c)) for c in counts))
        return diff / total_pairs
    if ec.values is not None:
        y = np.sort(ec.values[placed][~np.isnan(ec.values[placed])])
        k = y.size
        # sum_{i<j} (y_j - y_i) for sorted y: coefficient (2r - k + 1) at rank r.
        s = float(np.dot(2 * np.arange(k) - k + 1, y)) if k else 0.0
        return s / total_pairs
    if n <= EXACT_MEAN_LIMIT:
        d = ec.block(placed, placed)
        return float((d.sum() - np.trace(d)) / 2.0 / total_pairs)
    assert ec.labels is not None and ec.answered is not None
    a = placed[rng.integers(0, n, 50_000)]
    b = placed[rng.integers(0, n, 50_000)]
    keep = a != b
    a, b = a[keep], b[keep]
    la, lb = ec.labels[a], ec.labels[b]
    inter = (la & lb).sum(axis=1)
    union = (la | lb).sum(axis=1)
    delta = np.where(union > 0, 1.0 - inter / np.maximum(union, 1), 0.0)
    delta = np.where(ec.answered[a] & ec.answered[b], delta, 0.0)
    return float(delta.mean()) if delta.size else 0.0


def _matrix_bound(matrix: FloatArray, placed: IntArray, sizes: list[int]) -> float:
    """Distances input: the sum of the largest pair distances, as many as there are pairs."""
    k = int(sum(_pairs(s) for s in sizes))
    if k == 0:
        return 0.0
    sub = matrix[np.ix_(placed, placed)]
    upper = sub[np.triu_indices(placed.size, 1)]
    if k >= upper.size:
        return float(upper.sum())
    return float(np.partition(upper, upper.size - k)[upper.size - k :].sum())


# ----- the report -----


def build_report(problem: Problem, enc: Encoded, solution: Solution) -> Report:
    index = problem.index
    rng = np.random.default_rng(0)
    diversity = bound = random_div = best_bound = 0.0
    # The meeting bound holds for valid groupings only; a facilitator may force a
    # move that breaks a rule (a longer trip), and then only the separable one holds.
    meeting = not violations(problem, solution)
    seen_rounds: dict[tuple[bytes, tuple[int, ...]], float] = {}
    refined_seen: dict[tuple[int, tuple[bytes, tuple[int, ...]]], float] = {}
    weakest, weakest_at = math.inf, (-1, -1)
    all_divs: list[float] = []
    n_groups = 0
    crit_div = np.zeros(len(enc.criteria))
    crit_bound = np.zeros(len(enc.criteria))
    same = np.zeros(len(enc.criteria))
    fewest = np.zeros(len(enc.criteria))
    random_same = np.zeros(len(enc.criteria))
    pair_rounds: Counter[tuple[int, int]] = Counter()
    for r, rnd in enumerate(solution.rounds):
        groups = [np.array([index[m] for m in g.members], dtype=np.int64) for g in rnd.groups]
        n_groups += len(groups)
        if not groups:
            continue
        sizes = [len(g) for g in groups]
        placed = np.concatenate(groups)
        total, per = group_diversities(enc, groups)
        diversity += float(total.sum())
        all_divs.extend(total.tolist())
        k = int(np.argmin(total))
        if total[k] < weakest:
            weakest, weakest_at = float(total[k]), (r, k)
        pair_count = sum(_pairs(s) for s in sizes)
        round_bound = 0.0
        round_refined = 0.0  # the same, unanswered categorical answers counted exactly
        # The same bounds summed over who can never share a group (valid groupings only).
        apart = component_bounds(problem, enc, groups) if meeting else None
        refined_per = np.zeros(len(enc.criteria))
        round_key = (np.sort(placed).tobytes(), tuple(sorted(sizes)))
        if enc.matrix is not None:
            round_bound += _matrix_bound(enc.matrix, placed, sizes)
            round_refined = round_bound if apart is None else min(round_bound, apart[0])
            sub = enc.matrix[np.ix_(placed, placed)]
            mean = (sub.sum() - np.trace(sub)) / 2.0 / max(1.0, _pairs(placed.size))
            random_div += pair_count * float(mean)
        for c, ec in enumerate(enc.criteria):
            crit_div[c] += per[c].sum()
            cb = criterion_bound(ec, placed, sizes)
            crit_bound[c] += cb
            round_bound += cb
            # Rounds of the same people in the same sizes (an evening's) share it: the
            # Lagrangian of unanswered answers costs about 10 ms a criterion at 200 people.
            refined_key = (c, round_key)
            if refined_key not in refined_seen:
                refined_seen[refined_key] = _refined_bound(ec, placed, sizes, cb)
            refined = refined_seen[refined_key]
            if apart is not None:
                refined = min(refined, float(apart[1][c]))
            refined_per[c] = refined
            round_refined += refined
            random_div += pair_count * ec.scale * _mean_pair(ec, placed, rng)
            if ec.codes is not None:
                codes = ec.codes[placed]
                counts = np.bincount(codes[codes >= 0]) if (codes >= 0).any() else np.zeros(0)
                fewest[c] += sum(_fewest_pairs(int(x), sizes) for x in counts)
                all_pairs = _pairs(placed.size)
                if all_pairs:
                    random_same[c] += pair_count * sum(_pairs(float(x)) for x in counts) / all_pairs
                for g in groups:
                    gc = ec.codes[g]
                    same[c] += sum(_pairs(float(x)) for x in np.bincount(gc[gc >= 0]))
        bound += round_bound
        best_bound += (
            round_refined
            if not meeting
            else _round_bound(
                problem,
                enc,
                placed,
                sizes,
                separable=round_refined,
                per_criterion=refined_per,
                diversity=float(total.sum()),
                seen=seen_rounds,
            )
        )
        for g in groups:
            ids = sorted(g.tolist())
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    pair_rounds[(ids[x], ids[y])] += 1
    repeats = sum(c - 1 for c in pair_rounds.values() if c > 1)
    for a, b in problem.met_before:
        i, j = sorted((index[a], index[b]))
        repeats += pair_rounds.get((i, j), 0)
    criteria = []
    for c, ec in enumerate(enc.criteria):
        categorical = ec.codes is not None
        criteria.append(
            CriterionReport(
                name=ec.criterion.name,
                kind=ec.criterion.kind,
                diversity=round(float(crit_div[c]), 6),
                upper_bound=round(float(crit_bound[c]), 6),
                same_value_pairs=int(same[c]) if categorical else None,
                fewest_same_value_pairs=int(fewest[c]) if categorical else None,
                random_same_value_pairs=round(float(random_same[c]), 2) if categorical else None,
                entre_soi=_entre_soi(same[c], fewest[c], random_same[c]) if categorical else None,
            )
        )
    first = solution.rounds[0] if solution.rounds else None
    placed_first = sum(len(g.members) for g in first.groups) if first else 0
    return Report(
        placed=placed_first,
        unplaced=problem.n - placed_first,
        groups=n_groups,
        diversity=diversity,
        upper_bound=best_bound,
        ratio_to_bound=diversity / best_bound if best_bound > 0 else 1.0,
        random_diversity=random_div,
        lift=diversity / random_div if random_div > 0 else 1.0,
        weakest_group_diversity=weakest if all_divs else 0.0,
        weakest_group=weakest_at,
        mean_group_diversity=float(np.mean(all_divs)) if all_divs else 0.0,
        repeats=repeats,
        criteria=tuple(criteria),
        separable_bound=bound,
    )


def _refined_bound(
    ec: EncodedCriterion, placed: IntArray, sizes: list[int], separable: float | None = None
) -> float:
    """`criterion_bound`, with unanswered categorical answers counted exactly."""
    cb = criterion_bound(ec, placed, sizes) if separable is None else separable
    if ec.codes is not None and (ec.codes[placed] < 0).any():
        return min(cb, ec.scale * categorical_pairs_bound(ec.codes[placed], sizes))
    return cb


def component_bounds(
    problem: Problem, enc: Encoded, groups: list[IntArray]
) -> tuple[float, FloatArray] | None:
    """The refined separable bound summed over the components of `meeting_components`
    (people who can never share a group): (the distances part, the bound per criterion).

    Each component is bounded for its own people and the sizes of the round's groups
    lying in it, so the sum bounds every valid grouping of the same people with the same
    group sizes in each component. None when there is only one component, or when a
    group straddles two (the grouping breaks a rule: nothing to split)."""
    placed = np.concatenate(groups)
    labels = meeting_components(problem, people=placed)
    of_group = []
    for g in groups:
        mine = np.unique(labels[g])
        if mine.size != 1 or mine[0] < 0:
            return None
        of_group.append(int(mine[0]))
    if len(set(of_group)) < 2:
        return None
    matrix_part = 0.0
    per = np.zeros(len(enc.criteria))
    for label in sorted(set(of_group)):
        mine_groups = [g for g, k in zip(groups, of_group, strict=True) if k == label]
        people = np.concatenate(mine_groups)
        sizes = [len(g) for g in mine_groups]
        if enc.matrix is not None:
            matrix_part += _matrix_bound(enc.matrix, people, sizes)
        for c, ec in enumerate(enc.criteria):
            per[c] += _refined_bound(ec, people, sizes)
    return matrix_part, per


def _round_bound(
    problem: Problem,
    enc: Encoded,
    placed: IntArray,
    sizes: list[int],
    *,
    separable: float,
    per_criterion: FloatArray,
    diversity: float,
    seen: dict[tuple[bytes, tuple[int, ...]], float],
) -> float:
    """One round's upper bound, the smallest of: the separable one (`separable`, with
    unanswered categorical answers counted by `categorical_pairs_bound` and people who
    can never meet bounded apart; `per_criterion` its terms); the categorical criteria
    through the site LP (`site_lp_bound`, each kept under its separable term) plus the
    others' separable terms; for a distance matrix, the star bound of `meeting_bound`.
    Rounds of the same people in the same sizes share one computation."""
    key = (np.sort(placed).tobytes(), tuple(sorted(sizes)))
    if key not in seen:
        best = separable
        if enc.matrix is None:
            others = sum(
                float(per_criterion[c]) for c, ec in enumerate(enc.criteria) if ec.codes is None
            )
            lp = site_lp_bound(
                problem,
                enc,
                placed,
                sizes,
                caps=per_criterion.tolist(),
                max_variables=REPORT_LP_VARIABLES,
            )
            best = min(best, others + lp)
        else:
            # The star (who can meet whom, pair by pair) is tighter for a distance matrix;
            # with criteria it stayed 11-31 % above the other bounds on every bench town
            # and took 0.7 s of a 1.2 s report at 1,000 people, recomputed on every edit.
            found = meeting_bound(
                problem,
                enc,
                people=placed,
                sizes=sizes,
                target=diversity,
                stop_above=best,
                time_budget=BOUND_SECONDS,
                max_work=LAGRANGE_WORK,
            )
            best = min(best, found.value)
        seen[key] = best
    return seen[key]


def _entre_soi(same: float, fewest: float, random: float) -> float:
    if random - fewest <= 1e-9:
        return 1.0
    return round(1.0 + max(0.0, same - fewest) / (random - fewest), 4)


# ----- explanations -----


def _plural(name: str) -> str:
    name = name.replace("_", " ")
    return name if name.endswith("s") else name + "s"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _group_counts(
    enc: Encoded, idx: IntArray, brackets: dict[str, FloatArray]
) -> tuple[tuple[tuple[str, int], ...], list[str]]:
    """Distinct answers per criterion in a group, and the phrases for counts >= 2."""
    counts: list[tuple[str, int]] = []
    words: list[str] = []
    for ec in enc.criteria:
        name = ec.criterion.name
        if ec.codes is not None:
            k = len({int(x) for x in ec.codes[idx] if x >= 0})
            word = _plural(name)
        elif ec.values is not None:
            vals = ec.values[idx]
            vals = vals[~np.isnan(vals)]
            if ec.criterion.kind == "numeric":
                k = len(set(np.searchsorted(brackets.get(name, np.zeros(0)), vals).tolist()))
                word = f"{name.replace('_', ' ')} brackets"
            else:
                k = len(set(np.round(vals, 9).tolist()))
                word = f"{name.replace('_', ' ')} levels"
        else:
            assert ec.labels is not None and ec.answered is not None
            rows = ec.labels[idx][ec.answered[idx]]
            k = int(rows.any(axis=0).sum()) if rows.size else 0
            word = _plural(name)
        counts.append((name, k))
        if k >= 2:
            words.append(f"{k} {word}")
    return tuple(counts), words


def explain(problem: Problem, enc: Encoded, solution: Solution) -> dict[str, Explanation]:
    """Per person, the variety of their group in every round, in counts only.

    With one round: "Your circle brings together 5 occupations and 3 age
    brackets." With several, one sentence per round (with how many of the
    group are new to them) and how many different people they meet in all."""
    out: dict[str, Explanation] = {}
    if not solution.rounds:
        return out
    index = problem.index
    brackets: dict[str, FloatArray] = {}
    for ec in enc.criteria:
        if ec.criterion.kind == "numeric" and ec.values is not None:
            seen = ec.values[~np.isnan(ec.values)]
            if seen.size:
                qs = np.quantile(seen, np.linspace(0, 1, NUMERIC_BRACKETS + 1)[1:-1])
                brackets[ec.criterion.name] = np.unique(qs)
    several = len(solution.rounds) > 1
    per_person: dict[str, list[RoundExplanation]] = {}
    met: dict[str, set[str]] = {}
    for r, rnd in enumerate(solution.rounds):
        for g, group in enumerate(rnd.groups):
            idx = np.array([index[m] for m in group.members], dtype=np.int64)
            counts, words = _group_counts(enc, idx, brackets)
            for m in group.members:
                seen_before = met.setdefault(m, set())
                others = [x for x in group.members if x != m]
                new = sum(x not in seen_before for x in others)
                if not several:
                    text = (
                        f"Your circle brings together {_listed(words)}."
                        if words
                        else "Your circle mixes people as much as the constraints allow."
                    )
                else:
                    text = f"Round {r + 1}: your group of {len(group.members)}"
                    text += (
                        f" brings together {_listed(words)}"
                        if words
                        else " is as mixed as possible"
                    )
                    if r > 0:
                        text += f"; {new} of the {len(others)} others are new to you"
                    text += "."
                per_person.setdefault(m, []).append(
                    RoundExplanation(r, g, len(group.members), counts, new, text)
                )
                seen_before.update(others)
    for m, entries in per_person.items():
        first = entries[0]
        text = first.text
        if several:
            total = len(met[m])
            text = " ".join(e.text for e in entries)
            text += f" In all you meet {total} different {'person' if total == 1 else 'people'}."
        out[m] = Explanation(
            m,
            first.round,
            first.group,
            first.size,
            first.counts,
            text,
            rounds=tuple(entries),
            met=len(met[m]),
        )
    return out
