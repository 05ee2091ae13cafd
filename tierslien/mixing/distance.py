"""Dissimilarity between people, criterion by criterion (spec: "Dissimilarity").

`Encoded` turns the attributes into arrays once; `block` then computes d(i, j)
for any two index sets. The full n x n matrix is only ever built for a block of
the problem (the solver decomposes large problems), never for 100,000 people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tierslien.mixing.problem import Criterion, Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class EncodedCriterion:
    """One diverse criterion as arrays; `scale` is w_c / sum of weights."""

    criterion: Criterion
    scale: float
    codes: IntArray | None = None  # categorical: value index, -1 when not answered
    values: FloatArray | None = None  # ordinal / numeric, normalised to [0, 1]; NaN: unanswered
    labels: npt.NDArray[np.bool_] | None = None  # multi: n x L membership
    answered: npt.NDArray[np.bool_] | None = None  # multi: whether the person answered
    categories: tuple[str, ...] = ()  # categorical: the value of each code

    def block(self, rows: IntArray, cols: IntArray) -> FloatArray:
        """delta_c(i, j) for i in rows, j in cols; 0 where one did not answer."""
        if self.codes is not None:
            a = self.codes[rows][:, None]
            b = self.codes[cols][None, :]
            out: FloatArray = ((a != b) & (a >= 0) & (b >= 0)).astype(np.float64)
            return out
        if self.values is not None:
            diff = np.abs(self.values[rows][:, None] - self.values[cols][None, :])
            return np.nan_to_num(diff, nan=0.0)
        assert self.labels is not None and self.answered is not None
        a = self.labels[rows].astype(np.float64)
        b = self.labels[cols].astype(np.float64)
        inter = a @ b.T
        union = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.where(union > 0, 1.0 - inter / np.maximum(union, 1.0), 0.0)
        both = self.answered[rows][:, None] & self.answered[cols][None, :]
        return np.where(both, delta, 0.0)


@dataclass(frozen=True)
class Encoded:
    """All diverse criteria of a problem (or its distance matrix) as arrays."""

    n: int
    criteria: tuple[EncodedCriterion, ...]
    matrix: FloatArray | None = None

    def block(self, rows: IntArray, cols: IntArray) -> FloatArray:
        if self.matrix is not None:
            return np.asarray(self.matrix[np.ix_(rows, cols)], dtype=np.float64)
        out = np.zeros((len(rows), len(cols)))
        for enc in self.criteria:
            out += enc.scale * enc.block(rows, cols)
        return out

    def square(self, members: IntArray) -> FloatArray:
        """The dissimilarity matrix of `members`, zero on the diagonal."""
        d = self.block(members, members)
        np.fill_diagonal(d, 0.0)
        return d

    def group_diversity(self, members: IntArray) -> float:
        d = self.square(members)
        return float(d.sum() / 2.0)


def encode(problem: Problem) -> Encoded:
    n = problem.n
    if problem.distances is not None:
        return Encoded(n=n, criteria=(), matrix=problem.distances)
    diverse = problem.diverse_criteria
    total = sum(c.weight for c in diverse)
    out: list[EncodedCriterion] = []
    for c in diverse:
        if c.weight == 0 or total == 0:
            continue
        scale = c.weight / total
        raw = [p.attributes.get(c.name) for p in problem.people]
        if c.kind == "categorical":
            categories = sorted({str(v) for v in raw if v is not None})
            lookup = {v: k for k, v in enumerate(categories)}
            codes = np.array([lookup[str(v)] if v is not None else -1 for v in raw], dtype=np.int64)
            out.append(EncodedCriterion(c, scale, codes=codes, categories=tuple(categories)))
        elif c.kind == "ordinal":
            rank = {level: k for k, level in enumerate(c.levels)}
            top = len(c.levels) - 1
            values = np.array(
                [rank[v] / top if isinstance(v, str) else np.nan for v in raw], dtype=np.float64
            )
            out.append(EncodedCriterion(c, scale, values=values))
        elif c.kind == "numeric":
            x = np.array([v if isinstance(v, float) else np.nan for v in raw], dtype=np.float64)
            seen = x[~np.isnan(x)]
            span = float(seen.max() - seen.min()) if seen.size else 0.0
            values = (x - seen.min()) / span if span > 0 else np.where(np.isnan(x), np.nan, 0.0)
            out.append(EncodedCriterion(c, scale, values=values))
        else:
            vocabulary = sorted({label for v in raw if isinstance(v, frozenset) for label in v})
            lookup = {label: k for k, label in enumerate(vocabulary)}
            labels = np.zeros((n, max(len(vocabulary), 1)), dtype=np.bool_)
            for i, v in enumerate(raw):
                if isinstance(v, frozenset):
                    for label in v:
                        labels[i, lookup[label]] = True
            answered = np.array([isinstance(v, frozenset) for v in raw], dtype=np.bool_)
            out.append(EncodedCriterion(c, scale, labels=labels, answered=answered))
    return Encoded(n=n, criteria=tuple(out))
