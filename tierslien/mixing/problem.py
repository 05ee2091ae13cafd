"""The grouping problem as typed, validated dataclasses (JSON v1, see docs/mixing.md).

Every constructor checks its input and raises `ProblemError` with a message that
names the offending field, person or venue, so a facilitator never sees a
traceback for a malformed file.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Kind = Literal["categorical", "ordinal", "numeric", "multi"]
Goal = Literal["diverse", "shared"]
KINDS: tuple[str, ...] = ("categorical", "ordinal", "numeric", "multi")
GOALS: tuple[str, ...] = ("diverse", "shared")

# An attribute value after validation: a label, a number, or a set of labels.
Value = str | float | frozenset[str] | None

log = logging.getLogger(__name__)

# The keys the format defines for each kind of object (../shared/specs/grouping-json-v1.md).
# Any other key is ignored with a warning, as undeclared attributes are: a misspelt
# "slot" would otherwise leave a person free at every time without a word.
FORMAT_KEYS: dict[str, frozenset[str]] = {
    "problem": frozenset(
        {
            "version",
            "group_size",
            "rounds",
            "criteria",
            "people",
            "venues",
            "met_before",
            "apart",
            "together",
            "distances",
        }
    ),
    "group_size": frozenset({"min", "max"}),
    "criterion": frozenset({"name", "kind", "weight", "goal", "levels"}),
    "person": frozenset({"id", "attributes", "slots", "needs", "location", "max_km"}),
    "venue": frozenset({"id", "location", "slots", "capacity", "features"}),
}
# How the warning names several objects of a kind (the problem and group_size are one).
_PLURALS = {"criterion": "criteria", "person": "people", "venue": "venues"}


class _Unknown:
    """Keys the format does not define, counted per (kind of object, key) for one
    warning; in strict mode (`counts` None) the first one is an error."""

    def __init__(self, strict: bool) -> None:
        self.counts: dict[tuple[str, str], int] | None = None if strict else {}

    def check(self, raw: Mapping[str, Any], kind: str, where: str) -> None:
        for key in raw:
            if key in FORMAT_KEYS[kind]:
                continue
            if self.counts is None:
                raise ProblemError(f"{key!r} is not a key of a {kind} in this format", where=where)
            self.counts[(kind, str(key))] = self.counts.get((kind, str(key)), 0) + 1

    def warn(self) -> None:
        if not self.counts:
            return
        kinds = list(FORMAT_KEYS)
        found = sorted(self.counts.items(), key=lambda item: (kinds.index(item[0][0]), item[0][1]))
        parts = []
        for (kind, key), count in found:
            if kind in _PLURALS:
                parts.append(f"{key!r} ({_PLURALS[kind] if count > 1 else kind}, {count})")
            else:
                parts.append(f"{key!r} ({kind})")
        log.warning("ignored key(s) the format does not define: %s", ", ".join(parts))


class ProblemError(ValueError):
    """Malformed or contradictory problem; the message names the culprit."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (_is_number(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ProblemError(f"latitude must be a number in [-90, 90], got {self.lat!r}")
        if not (_is_number(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ProblemError(f"longitude must be a number in [-180, 180], got {self.lon!r}")


@dataclass(frozen=True)
class Criterion:
    name: str
    kind: Kind
    weight: float = 1.0
    goal: Goal = "diverse"
    levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"criterion {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ProblemError("a criterion needs a non-empty name", where="criteria")
        if self.kind not in KINDS:
            raise ProblemError(f"kind must be one of {', '.join(KINDS)}", where=where)
        if self.goal not in GOALS:
            raise ProblemError(f"goal must be one of {', '.join(GOALS)}", where=where)
        if not _is_number(self.weight) or self.weight < 0 or math.isinf(self.weight):
            raise ProblemError("weight must be a finite number >= 0", where=where)
        if self.goal == "shared" and self.kind not in ("categorical", "multi"):
            raise ProblemError("goal 'shared' needs kind categorical or multi", where=where)
        if self.kind == "ordinal":
            if len(self.levels) < 2:
                raise ProblemError("an ordinal criterion needs at least 2 levels", where=where)
            if len(set(self.levels)) != len(self.levels):
                raise ProblemError("levels must be distinct", where=where)

    @property
    def diverse(self) -> bool:
        return self.goal == "diverse"

    def check_value(self, raw: object, *, where: str) -> Value:
        """The validated value of this criterion for one person (None: not answered)."""
        if raw is None:
            return None
        if self.kind == "categorical":
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise ProblemError(f"{self.name!r} must be a label, got {raw!r}", where=where)
            return str(raw)
        if self.kind == "ordinal":
            if not isinstance(raw, str) or raw not in self.levels:
                raise ProblemError(
                    f"{self.name!r} must be one of {list(self.levels)}, got {raw!r}", where=where
                )
            return raw
        if self.kind == "numeric":
            if not _is_number(raw) or not math.isfinite(float(raw)):  # type: ignore[arg-type]
                raise ProblemError(f"{self.name!r} must be a number, got {raw!r}", where=where)
            return float(raw)  # type: ignore[arg-type]
        if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
            raise ProblemError(f"{self.name!r} must be a list of labels, got {raw!r}", where=where)
        labels = frozenset(raw)
        if not all(isinstance(label, str) for label in labels):
            raise ProblemError(f"{self.name!r} must hold only text labels", where=where)
        return labels


@dataclass(frozen=True)
class Person:
    id: str
    attributes: Mapping[str, Value] = field(default_factory=dict)
    slots: tuple[str, ...] | None = None  # None: available at any time
    needs: frozenset[str] = frozenset()
    location: Location | None = None
    max_km: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError("every person needs a non-empty text id", where="people")
        if self.max_km is not None and (not _is_number(self.max_km) or self.max_km < 0):
            raise ProblemError("max_km must be a number >= 0", where=f"person {self.id!r}")


@dataclass(frozen=True)
class Venue:
    id: str
    location: Location | None = None
    slots: tuple[str, ...] | None = None  # None: open at every slot
    capacity: int = 1
    features: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError("every venue needs a non-empty text id", where="venues")
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise ProblemError("capacity must be an integer", where=f"venue {self.id!r}")
        if self.capacity < 0:
            raise ProblemError("capacity must be >= 0", where=f"venue {self.id!r}")


Pair = tuple[str, str]


@dataclass(frozen=True)
class Problem:
    """A grouping problem. Build with `Problem(...)`, `from_dict` or `from_json`."""

    people: tuple[Person, ...]
    min_size: int = 5
    max_size: int = 6
    criteria: tuple[Criterion, ...] = ()
    rounds: int = 1
    venues: tuple[Venue, ...] = ()
    met_before: tuple[Pair, ...] = ()
    apart: tuple[Pair, ...] = ()
    together: tuple[Pair, ...] = ()
    distances: npt.NDArray[np.float64] | None = field(default=None, compare=False)
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("min_size", "max_size", "rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProblemError(f"must be an integer >= 1, got {value!r}", where=name)
        if self.min_size > self.max_size:
            raise ProblemError(
                f"min ({self.min_size}) is larger than max ({self.max_size})", where="group_size"
            )
        index: dict[str, int] = {}
        for k, person in enumerate(self.people):
            if person.id in index:
                raise ProblemError("appears twice", where=f"person {person.id!r}")
            index[person.id] = k
        object.__setattr__(self, "index", index)
        names = [c.name for c in self.criteria]
        for name in names:
            if names.count(name) > 1:
                raise ProblemError("appears twice", where=f"criterion {name!r}")
        known = set(names)
        for person in self.people:
            for key in person.attributes:
                if key not in known:
                    raise ProblemError(
                        f"attribute {key!r} is not a declared criterion",
                        where=f"person {person.id!r}",
                    )
        venue_ids = [v.id for v in self.venues]
        for vid in venue_ids:
            if venue_ids.count(vid) > 1:
                raise ProblemError("appears twice", where=f"venue {vid!r}")
        if self.venues and any(
            p.max_km is not None and p.location is not None for p in self.people
        ):
            for venue in self.venues:
                if venue.location is None:
                    raise ProblemError(
                        "needs a location since people have travel limits",
                        where=f"venue {venue.id!r}",
                    )
        for list_name in ("met_before", "apart", "together"):
            for pair in getattr(self, list_name):
                if len(pair) != 2:
                    raise ProblemError(f"expected a pair of ids, got {pair!r}", where=list_name)
                for pid in pair:
                    if pid not in index:
                        raise ProblemError(f"unknown person {pid!r}", where=list_name)
                if pair[0] == pair[1]:
                    raise ProblemError(f"pair of {pair[0]!r} with themself", where=list_name)
        if self.distances is not None:
            d = self.distances
            n = len(self.people)
            if d.shape != (n, n):
                raise ProblemError(
                    f"must be a {n}x{n} matrix, got shape {d.shape}", where="distances"
                )
            if not np.all(np.isfinite(d)):
                raise ProblemError("must hold only finite numbers", where="distances")
            if not np.allclose(d, d.T):
                raise ProblemError("must be symmetric", where="distances")

    @property
    def n(self) -> int:
        return len(self.people)

    @property
    def diverse_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.diverse)

    @property
    def shared_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.diverse)

    # ----- JSON v1 -----

    @classmethod
    def from_json(cls, path: str | Path, *, strict: bool = False) -> Problem:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ProblemError(f"cannot read the file: {error.strerror}", where=str(path)) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProblemError(
                f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
                where=str(path),
            ) from None
        return cls.from_dict(data, strict=strict)

    @classmethod
    def from_dict(cls, data: object, *, strict: bool = False) -> Problem:
        """Read a JSON v1 problem. Attribute keys that name no declared criterion (a
        spreadsheet's extra columns) are ignored with one warning listing them (logger
        `tierslien.mixing.problem`), as the spec says; `strict=True` rejects them instead."""
        if not isinstance(data, dict):
            raise ProblemError("the problem must be a JSON object")
        version = data.get("version", 1)
        if version != 1:
            raise ProblemError(f"unsupported version {version!r} (expected 1)", where="version")
        unknown = _Unknown(strict)
        unknown.check(data, "problem", "the problem")
        size = data.get("group_size", {"min": 5, "max": 6})
        if not isinstance(size, dict) or "min" not in size or "max" not in size:
            raise ProblemError('expected {"min": ..., "max": ...}', where="group_size")
        unknown.check(size, "group_size", "group_size")
        criteria = tuple(
            _criterion(raw, k, unknown) for k, raw in enumerate(_list(data, "criteria"))
        )
        by_name = {c.name: c for c in criteria}
        ignored: dict[str, int] = {}  # undeclared attribute key -> people carrying it
        people = tuple(
            _person(raw, k, by_name, ignored=None if strict else ignored, unknown=unknown)
            for k, raw in enumerate(_list(data, "people"))
        )
        if ignored:
            log.warning(
                "ignored attribute(s) that name no declared criterion: %s",
                ", ".join(f"{key!r} ({count} people)" for key, count in sorted(ignored.items())),
            )
        if not people:
            raise ProblemError("the problem has no people", where="people")
        venues = tuple(_venue(raw, k, unknown) for k, raw in enumerate(_list(data, "venues")))
        unknown.warn()
        distances = None
        if data.get("distances") is not None:
            try:
                distances = np.asarray(data["distances"], dtype=np.float64)
            except (TypeError, ValueError):
                raise ProblemError("must be a matrix of numbers", where="distances") from None
            if distances.ndim != 2:
                raise ProblemError("must be a matrix of numbers", where="distances")
            if criteria:
                raise ProblemError("give either criteria or distances, not both", where="distances")
        return cls(
            people=people,
            min_size=size["min"],
            max_size=size["max"],
            criteria=criteria,
            rounds=data.get("rounds", 1),
            venues=venues,
            met_before=_pairs(data, "met_before"),
            apart=_pairs(data, "apart"),
            together=_pairs(data, "together"),
            distances=distances,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON v1 form of this problem (the inverse of `from_dict`)."""
        out: dict[str, Any] = {
            "version": 1,
            "group_size": {"min": self.min_size, "max": self.max_size},
            "rounds": self.rounds,
            "criteria": [_criterion_dict(c) for c in self.criteria],
            "people": [_person_dict(p) for p in self.people],
        }
        if self.venues:
            out["venues"] = [_venue_dict(v) for v in self.venues]
        for name in ("met_before", "apart", "together"):
            if getattr(self, name):
                out[name] = [list(pair) for pair in getattr(self, name)]
        if self.distances is not None:
            out["distances"] = self.distances.tolist()
        return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProblemError("must be a list", where=key)
    return value


def _labels(raw: object, *, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ProblemError("must be a list of text labels", where=where)
    return tuple(raw)


def _location(raw: object, *, where: str) -> Location | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "lat" not in raw or "lon" not in raw:
        raise ProblemError('location must be {"lat": ..., "lon": ...}', where=where)
    try:
        return Location(raw["lat"], raw["lon"])
    except ProblemError as error:
        raise ProblemError(str(error), where=where) from None


def _criterion(raw: object, k: int, unknown: _Unknown) -> Criterion:
    where = f"criteria[{k}]"
    if not isinstance(raw, dict):
        raise ProblemError("must be an object", where=where)
    name = raw.get("name")
    if isinstance(name, str) and name:
        where = f"criterion {name!r}"
    unknown.check(raw, "criterion", where)
    levels = raw.get("levels")
    return Criterion(
        name=name,  # type: ignore[arg-type]  # checked in __post_init__
        kind=raw.get("kind"),  # type: ignore[arg-type]
        weight=raw.get("weight", 1.0),
        goal=raw.get("goal", "diverse"),
        levels=_labels(levels, where=where) if levels is not None else (),
    )


def _person(
    raw: object,
    k: int,
    criteria: Mapping[str, Criterion],
    *,
    ignored: dict[str, int] | None,
    unknown: _Unknown,
) -> Person:
    """One person; undeclared attribute keys are counted in `ignored` and dropped, or
    rejected when `ignored` is None (strict mode); other keys go to `unknown`."""
    if not isinstance(raw, dict):
        raise ProblemError("must be an object", where=f"people[{k}]")
    pid = raw.get("id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    if not isinstance(pid, str) or not pid:
        raise ProblemError("needs a text id", where=f"people[{k}]")
    where = f"person {pid!r}"
    unknown.check(raw, "person", where)
    attributes_raw = raw.get("attributes", {})
    if not isinstance(attributes_raw, dict):
        raise ProblemError("attributes must be an object", where=where)
    attributes: dict[str, Value] = {}
    for key, value in attributes_raw.items():
        criterion = criteria.get(key)
        if criterion is None:
            if ignored is None:
                raise ProblemError(f"attribute {key!r} is not a declared criterion", where=where)
            ignored[key] = ignored.get(key, 0) + 1
            continue
        checked = criterion.check_value(value, where=where)
        if checked is not None:
            attributes[key] = checked
    slots = raw.get("slots")
    max_km = raw.get("max_km")
    if max_km is not None and not _is_number(max_km):
        raise ProblemError(f"max_km must be a number, got {max_km!r}", where=where)
    return Person(
        id=pid,
        attributes=attributes,
        slots=_labels(slots, where=f"{where} slots") if slots is not None else None,
        needs=frozenset(_labels(raw.get("needs", []), where=f"{where} needs")),
        location=_location(raw.get("location"), where=where),
        max_km=float(max_km) if max_km is not None else None,
    )


def _venue(raw: object, k: int, unknown: _Unknown) -> Venue:
    if not isinstance(raw, dict):
        raise ProblemError("must be an object", where=f"venues[{k}]")
    vid = raw.get("id")
    if isinstance(vid, int) and not isinstance(vid, bool):
        vid = str(vid)
    if not isinstance(vid, str) or not vid:
        raise ProblemError("needs a text id", where=f"venues[{k}]")
    where = f"venue {vid!r}"
    unknown.check(raw, "venue", where)
    slots = raw.get("slots")
    return Venue(
        id=vid,
        location=_location(raw.get("location"), where=where),
        slots=_labels(slots, where=f"{where} slots") if slots is not None else None,
        capacity=raw.get("capacity", 1),
        features=frozenset(_labels(raw.get("features", []), where=f"{where} features")),
    )


def _pairs(data: Mapping[str, Any], key: str) -> tuple[Pair, ...]:
    out = []
    for raw in _list(data, key):
        if not isinstance(raw, list) or len(raw) != 2:
            raise ProblemError(f"expected pairs of ids, got {raw!r}", where=key)
        out.append((str(raw[0]), str(raw[1])))
    return tuple(out)


def _criterion_dict(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "kind": c.kind}
    if c.goal == "shared":
        out["goal"] = "shared"
    else:
        out["weight"] = c.weight
    if c.levels:
        out["levels"] = list(c.levels)
    return out


def _person_dict(p: Person) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, value in p.attributes.items():
        attributes[key] = sorted(value) if isinstance(value, frozenset) else value
    out: dict[str, Any] = {"id": p.id, "attributes": attributes}
    if p.slots is not None:
        out["slots"] = list(p.slots)
    if p.needs:
        out["needs"] = sorted(p.needs)
    if p.location is not None:
        out["location"] = {"lat": p.location.lat, "lon": p.location.lon}
    if p.max_km is not None:
        out["max_km"] = p.max_km
    return out


def _venue_dict(v: Venue) -> dict[str, Any]:
    out: dict[str, Any] = {"id": v.id, "capacity": v.capacity}
    if v.location is not None:
        out["location"] = {"lat": v.location.lat, "lon": v.location.lon}
    if v.slots is not None:
        out["slots"] = list(v.slots)
    if v.features:
        out["features"] = sorted(v.features)
    return out
