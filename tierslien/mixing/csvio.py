"""A facilitator's spreadsheet (CSV) as a problem, and a grouping as a CSV.

People file: one row per person, one column per criterion. Reserved columns:
`id` (else rows are numbered p1, p2, ...), `slots` and `needs` (labels separated
by `;`), `lat`, `lon`, `max_km`, and `apart`, `together`, `met_before` (ids
separated by `;`). Every other column is a criterion; its header may declare
the kind, the goal and the weight:

    age:numeric         occupation*2          languages:multi:shared
    education:ordinal=aucun|brevet|bac|bac+3|bac+5

Undeclared kinds are inferred: numeric if every filled cell is a number, multi
if some cell holds a `;`, categorical otherwise. An empty cell means "prefer
not to say". Venues file (optional): `id`, `lat`, `lon`, `slots`, `capacity`,
`features`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tierslien.mixing.problem import KINDS, Problem, ProblemError
from tierslien.mixing.solution import Solution

RESERVED = ("id", "slots", "needs", "lat", "lon", "max_km", "apart", "together", "met_before")


def _read_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ProblemError(f"cannot read the file: {error.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise ProblemError("not a UTF-8 text file", where=str(path)) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    if dialect.delimiter == ";" and "," in text.split("\n", 1)[0]:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise ProblemError("the file is empty", where=str(path))
    reader.fieldnames = header
    rows = []
    for k, row in enumerate(reader, start=2):
        if None in row:
            raise ProblemError("more cells than header columns", where=f"{path}:{k}")
        rows.append({key: (value or "").strip() for key, value in row.items()})
    return header, rows


def _split(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


def _number(cell: str, *, where: str) -> float:
    try:
        return float(cell.replace(",", "."))
    except ValueError:
        raise ProblemError(f"expected a number, got {cell!r}", where=where) from None


def _parse_header(column: str) -> dict[str, Any]:
    """`name[:kind[=levels]][:shared][*weight]` -> criterion fields."""
    weight = 1.0
    spec = column
    if "*" in spec:
        spec, _, raw_weight = spec.rpartition("*")
        try:
            weight = float(raw_weight)
        except ValueError:
            raise ProblemError(
                f"weight {raw_weight!r} is not a number", where=f"column {column!r}"
            ) from None
    name, *parts = spec.split(":")
    out: dict[str, Any] = {"name": name.strip(), "weight": weight}
    for part in parts:
        part = part.strip()
        if part == "shared":
            out["goal"] = "shared"
        elif part.startswith("ordinal="):
            out["kind"] = "ordinal"
            out["levels"] = [x.strip() for x in part[len("ordinal=") :].split("|")]
        elif part in KINDS:
            out["kind"] = part
        else:
            raise ProblemError(
                f"unknown declaration {part!r} (use a kind: {', '.join(KINDS)}, or 'shared')",
                where=f"column {column!r}",
            )
    return out


def _infer_kind(values: list[str]) -> str:
    filled = [v for v in values if v]
    if any(";" in v for v in filled):
        return "multi"
    try:
        for v in filled:
            float(v.replace(",", "."))
    except ValueError:
        return "categorical"
    return "numeric" if filled else "categorical"


def read_people_csv(
    path: str | Path,
    *,
    min_size: int = 5,
    max_size: int = 6,
    rounds: int = 1,
    venues_path: str | Path | None = None,
) -> Problem:
    header, rows = _read_rows(path)
    if not rows:
        raise ProblemError("no people in the file", where=str(path))
    criteria = []
    columns = []
    for column in header:
        if column.lower() in RESERVED:
            continue
        crit = _parse_header(column)
        if "kind" not in crit:
            crit["kind"] = _infer_kind([row[column] for row in rows])
        if crit.get("goal") == "shared":
            crit.pop("weight")
        criteria.append(crit)
        columns.append((column, crit))
    lower = {h.lower(): h for h in header}
    people = []
    pairs: dict[str, list[list[str]]] = {"apart": [], "together": [], "met_before": []}
    for k, row in enumerate(rows, start=2):
        where = f"{path}:{k}"
        pid = row[lower["id"]] if "id" in lower else f"p{k - 1}"
        if not pid:
            raise ProblemError("empty id", where=where)
        attributes: dict[str, Any] = {}
        for column, crit in columns:
            cell = row[column]
            if not cell:
                continue
            if crit["kind"] == "numeric":
                attributes[crit["name"]] = _number(cell, where=f"{where} column {column!r}")
            elif crit["kind"] == "multi":
                attributes[crit["name"]] = _split(cell)
            else:
                attributes[crit["name"]] = cell
        person: dict[str, Any] = {"id": pid, "attributes": attributes}
        if "slots" in lower and row[lower["slots"]]:
            person["slots"] = _split(row[lower["slots"]])
        if "needs" in lower and row[lower["needs"]]:
            person["needs"] = _split(row[lower["needs"]])
        if "lat" in lower and "lon" in lower and row[lower["lat"]] and row[lower["lon"]]:
            person["location"] = {
                "lat": _number(row[lower["lat"]], where=f"{where} column 'lat'"),
                "lon": _number(row[lower["lon"]], where=f"{where} column 'lon'"),
            }
        if "max_km" in lower and row[lower["max_km"]]:
            person["max_km"] = _number(row[lower["max_km"]], where=f"{where} column 'max_km'")
        for name in pairs:
            if name in lower:
                pairs[name].extend([pid, other] for other in _split(row[lower[name]]))
        people.append(person)
    data: dict[str, Any] = {
        "version": 1,
        "group_size": {"min": min_size, "max": max_size},
        "rounds": rounds,
        "criteria": criteria,
        "people": people,
        **pairs,
    }
    if venues_path is not None:
        data["venues"] = read_venues_csv(venues_path)
    return Problem.from_dict(data)


def read_venues_csv(path: str | Path) -> list[dict[str, Any]]:
    header, rows = _read_rows(path)
    lower = {h.lower(): h for h in header}
    if "id" not in lower:
        raise ProblemError("a venues file needs an 'id' column", where=str(path))
    out = []
    for k, row in enumerate(rows, start=2):
        where = f"{path}:{k}"
        venue: dict[str, Any] = {"id": row[lower["id"]]}
        if "lat" in lower and "lon" in lower and row[lower["lat"]]:
            venue["location"] = {
                "lat": _number(row[lower["lat"]], where=where),
                "lon": _number(row[lower["lon"]], where=where),
            }
        if "slots" in lower and row[lower["slots"]]:
            venue["slots"] = _split(row[lower["slots"]])
        if "capacity" in lower and row[lower["capacity"]]:
            capacity = _number(row[lower["capacity"]], where=where)
            if capacity != int(capacity):
                raise ProblemError("capacity must be a whole number", where=where)
            venue["capacity"] = int(capacity)
        if "features" in lower and row[lower["features"]]:
            venue["features"] = _split(row[lower["features"]])
        out.append(venue)
    return out


def write_solution_csv(solution: Solution, path: str | Path) -> None:
    """One row per person and round: id, round, group, venue, slot, reason."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "round", "group", "venue", "slot", "reason"])
        for r, rnd in enumerate(solution.rounds):
            for g, group in enumerate(rnd.groups, start=1):
                for pid in group.members:
                    writer.writerow([pid, r + 1, g, group.venue or "", group.slot or "", ""])
        for u in solution.unplaced:
            writer.writerow([u.id, u.round + 1, "", "", "", u.reason.message])
