"""The lottery's inputs and outputs: a pool of applicants, quotas, a problem, a panel.

Applicants are known only by a pseudonymous id and one category value per
criterion (e.g. ``age=30-44``, ``neighbourhood=north``): that is all the draw
needs, and all that is published so that anyone can rerun it.

Every check raises :class:`LotteryInputError` with a message naming the
offending row, applicant, criterion or value, in words a facilitator can act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property


class LotteryInputError(ValueError):
    """Unusable input: the message names the offending row or category."""


@dataclass(frozen=True)
class Quota:
    """At least `min` and at most `max` seats go to applicants with `criterion` = `value`."""

    criterion: str
    value: str
    min: int
    max: int

    def __post_init__(self) -> None:
        where = f"quota {self.criterion}={self.value}"
        if not self.criterion or not self.value:
            raise LotteryInputError(f"{where}: criterion and value must not be empty")
        if self.min < 0:
            raise LotteryInputError(f"{where}: minimum {self.min} is negative")
        if self.max < self.min:
            raise LotteryInputError(f"{where}: maximum {self.max} is below minimum {self.min}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.criterion, self.value)


@dataclass(frozen=True)
class Quotas:
    """Minimum and maximum seat counts per (criterion, value).

    A criterion named here must have a row for every value that occurs among the
    applicants; criteria of the pool that are not named here are not constrained.
    """

    rows: tuple[Quota, ...]

    def __post_init__(self) -> None:
        seen: set[tuple[str, str]] = set()
        for quota in self.rows:
            if quota.key in seen:
                raise LotteryInputError(
                    f"quota {quota.criterion}={quota.value} is given more than once"
                )
            seen.add(quota.key)

    @classmethod
    def of(cls, rows: Iterable[Quota]) -> Quotas:
        return cls(tuple(rows))

    @cached_property
    def criteria(self) -> tuple[str, ...]:
        """Criteria in order of first appearance."""
        return tuple(dict.fromkeys(q.criterion for q in self.rows))

    @cached_property
    def by_key(self) -> Mapping[tuple[str, str], Quota]:
        return {q.key: q for q in self.rows}

    def values(self, criterion: str) -> tuple[str, ...]:
        return tuple(q.value for q in self.rows if q.criterion == criterion)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Pool:
    """Applicants: pseudonymous ids and, per applicant, one value per criterion.

    `values[i][j]` is applicant `ids[i]`'s value for `criteria[j]`.
    """

    criteria: tuple[str, ...]
    ids: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if len(set(self.criteria)) != len(self.criteria):
            raise LotteryInputError(f"criteria repeated in {list(self.criteria)}")
        if len(self.values) != len(self.ids):
            raise LotteryInputError(
                f"{len(self.ids)} ids but {len(self.values)} rows of category values"
            )
        seen: dict[str, int] = {}
        for index, (ident, row) in enumerate(zip(self.ids, self.values, strict=True)):
            if not ident:
                raise LotteryInputError(f"applicant {index + 1}: empty id")
            if ident in seen:
                raise LotteryInputError(
                    f"applicant {index + 1}: id {ident!r} already used by applicant "
                    f"{seen[ident] + 1}"
                )
            seen[ident] = index
            if len(row) != len(self.criteria):
                raise LotteryInputError(
                    f"applicant {ident!r}: {len(row)} values for {len(self.criteria)} criteria"
                )
            for criterion, value in zip(self.criteria, row, strict=True):
                if not value:
                    raise LotteryInputError(f"applicant {ident!r}: no value for {criterion!r}")

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, str]], *, id_key: str = "id") -> Pool:
        """Build a pool from dicts such as ``{"id": "a1", "gender": "woman", ...}``."""
        criteria: tuple[str, ...] = ()
        if records:
            criteria = tuple(k for k in records[0] if k != id_key)
        ids: list[str] = []
        rows: list[tuple[str, ...]] = []
        for index, record in enumerate(records):
            if id_key not in record:
                raise LotteryInputError(f"applicant {index + 1}: no {id_key!r}")
            missing = [c for c in criteria if c not in record]
            if missing:
                raise LotteryInputError(f"applicant {record[id_key]!r}: no value for {missing}")
            ids.append(record[id_key])
            rows.append(tuple(record[c] for c in criteria))
        return cls(criteria, tuple(ids), tuple(rows))

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, criterion: str) -> tuple[str, ...]:
        j = self.criteria.index(criterion)
        return tuple(row[j] for row in self.values)

    def count(self, criterion: str, value: str) -> int:
        return sum(1 for v in self.column(criterion) if v == value)


@dataclass(frozen=True)
class ApplicantType:
    """Applicants who share every constrained category: interchangeable for the lottery."""

    categories: tuple[str, ...]
    members: tuple[str, ...]  # ids, sorted (Python string order)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class LotteryProblem:
    """Draw `seats` applicants from `pool` so that every quota holds."""

    pool: Pool
    quotas: Quotas
    seats: int
    type_list: tuple[ApplicantType, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seats < 1:
            raise LotteryInputError(f"seats must be at least 1, not {self.seats}")
        if self.seats > len(self.pool):
            raise LotteryInputError(
                f"{self.seats} seats for {len(self.pool)} applicants: everyone gets a seat, "
                "no lottery is needed"
            )
        if not self.quotas.rows:
            raise LotteryInputError("no quotas given")
        for criterion in self.quotas.criteria:
            if criterion not in self.pool.criteria:
                raise LotteryInputError(
                    f"quota criterion {criterion!r} is not a column of the pool "
                    f"(columns: {', '.join(self.pool.criteria)})"
                )
        columns = [self.pool.criteria.index(c) for c in self.quotas.criteria]
        allowed = {c: set(self.quotas.values(c)) for c in self.quotas.criteria}
        groups: dict[tuple[str, ...], list[str]] = {}
        for ident, row in zip(self.pool.ids, self.pool.values, strict=True):
            key = tuple(row[j] for j in columns)
            for criterion, value in zip(self.quotas.criteria, key, strict=True):
                if value not in allowed[criterion]:
                    raise LotteryInputError(
                        f"applicant {ident!r}: value {value!r} of criterion {criterion!r} has no "
                        f"quota (quotas exist for {', '.join(sorted(allowed[criterion]))})"
                    )
            groups.setdefault(key, []).append(ident)
        types = tuple(ApplicantType(key, tuple(sorted(groups[key]))) for key in sorted(groups))
        object.__setattr__(self, "type_list", types)

    @property
    def criteria(self) -> tuple[str, ...]:
        """The constrained criteria, in the order of `ApplicantType.categories`."""
        return self.quotas.criteria

    def has_value(self, type_index: int, quota: Quota) -> bool:
        j = self.criteria.index(quota.criterion)
        return self.type_list[type_index].categories[j] == quota.value

    def panel_counts(self, ids: Iterable[str]) -> dict[tuple[str, str], int]:
        """Seats per (criterion, value) in a panel given by ids."""
        index = {ident: i for i, ident in enumerate(self.pool.ids)}
        columns = [self.pool.criteria.index(c) for c in self.criteria]
        counts = {q.key: 0 for q in self.quotas.rows}
        for ident in ids:
            row = self.pool.values[index[ident]]
            for criterion, j in zip(self.criteria, columns, strict=True):
                counts[(criterion, row[j])] += 1
        return counts

    def quota_violations(self, ids: Sequence[str]) -> list[str]:
        """Why a panel breaks the rules (size, quotas), in words; empty when it is valid."""
        problems: list[str] = []
        if len(ids) != self.seats:
            problems.append(f"{len(ids)} people for {self.seats} seats")
        if len(set(ids)) != len(ids):
            problems.append("someone is selected twice")
        counts = self.panel_counts(ids)
        for quota in self.quotas.rows:
            got = counts[quota.key]
            if got < quota.min:
                problems.append(f"{quota.criterion}={quota.value}: {got} < minimum {quota.min}")
            if got > quota.max:
                problems.append(f"{quota.criterion}={quota.value}: {got} > maximum {quota.max}")
        return problems


@dataclass(frozen=True)
class Panel:
    """The drawn panel: selected ids (sorted) and which lottery ticket won."""

    ids: tuple[str, ...]
    ticket: int  # the winning ticket, in [0, RESOLUTION)
    composition: int  # index of the drawn composition in the lottery

    def __contains__(self, ident: object) -> bool:
        return ident in self.ids

    def __len__(self) -> int:
        return len(self.ids)
