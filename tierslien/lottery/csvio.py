"""Read pools and quotas from CSV files, with errors naming the file and row.

* pool: one row per applicant, an id column (default ``id``) and one column per criterion.
* quotas: ``criterion,value,min,max`` (also accepted: ``category,feature,min,max`` as in
  Flanigan et al.'s data, and ``feature,value,min,max`` as in the sortition-algorithms package).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from tierslien.lottery.model import LotteryInputError, Pool, Quota, Quotas

QUOTA_HEADERS = (("criterion", "value"), ("category", "feature"), ("feature", "value"))


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except OSError as error:
        raise LotteryInputError(f"{path}: cannot read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise LotteryInputError(f"{path}: not UTF-8 text") from error
    if not rows:
        raise LotteryInputError(f"{path}: empty file")
    header = [cell.strip() for cell in rows[0]]
    return header, [[cell.strip() for cell in row] for row in rows[1:]]


def read_pool(path: str | Path, *, id_column: str = "id") -> Pool:
    """Applicants from a CSV file; rows are numbered as in a spreadsheet (header = row 1)."""
    path = Path(path)
    header, rows = _rows(path)
    if id_column not in header:
        raise LotteryInputError(f"{path}: no {id_column!r} column (columns: {', '.join(header)})")
    if len(set(header)) != len(header):
        raise LotteryInputError(f"{path}: repeated column names in {header}")
    id_at = header.index(id_column)
    criteria = tuple(h for i, h in enumerate(header) if i != id_at)
    ids: list[str] = []
    values: list[tuple[str, ...]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise LotteryInputError(
                f"{path} row {number}: {len(row)} cells, expected {len(header)}"
            )
        ident = row[id_at]
        if not ident:
            raise LotteryInputError(f"{path} row {number}: empty {id_column}")
        if ident in seen:
            raise LotteryInputError(
                f"{path} row {number}: id {ident!r} already on row {seen[ident]}"
            )
        seen[ident] = number
        cells = tuple(cell for i, cell in enumerate(row) if i != id_at)
        for criterion, cell in zip(criteria, cells, strict=True):
            if not cell:
                raise LotteryInputError(f"{path} row {number}: no value for {criterion!r}")
        ids.append(ident)
        values.append(cells)
    return Pool(criteria, tuple(ids), tuple(values))


def read_quotas(path: str | Path) -> Quotas:
    """Quotas from a CSV file ``criterion,value,min,max``."""
    path = Path(path)
    header, rows = _rows(path)
    names = next(((c, v) for c, v in QUOTA_HEADERS if c in header and v in header), None)
    if names is None or "min" not in header or "max" not in header:
        raise LotteryInputError(
            f"{path}: expected columns criterion,value,min,max (found {', '.join(header)})"
        )
    at = {name: header.index(name) for name in (*names, "min", "max")}
    quotas: list[Quota] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if len(row) < len(header):
            raise LotteryInputError(
                f"{path} row {number}: {len(row)} cells, expected {len(header)}"
            )
        criterion, value = row[at[names[0]]], row[at[names[1]]]
        bounds: list[int] = []
        for name in ("min", "max"):
            try:
                bounds.append(int(row[at[name]]))
            except ValueError as error:
                raise LotteryInputError(
                    f"{path} row {number}: {name} {row[at[name]]!r} is not a whole number"
                ) from error
        if (criterion, value) in seen:
            raise LotteryInputError(
                f"{path} row {number}: {criterion}={value} already on row "
                f"{seen[(criterion, value)]}"
            )
        seen[(criterion, value)] = number
        try:
            quotas.append(Quota(criterion, value, bounds[0], bounds[1]))
        except LotteryInputError as error:
            raise LotteryInputError(f"{path} row {number}: {error}") from error
    return Quotas(tuple(quotas))


def write_quotas(quotas: Quotas, path: str | Path) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["criterion", "value", "min", "max"])
        for q in quotas.rows:
            writer.writerow([q.criterion, q.value, q.min, q.max])


def write_pool(pool: Pool, path: str | Path, *, id_column: str = "id") -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([id_column, *pool.criteria])
        rows: Iterable[tuple[str, tuple[str, ...]]] = zip(pool.ids, pool.values, strict=True)
        for ident, values in rows:
            writer.writerow([ident, *values])


def read_column(path: str | Path, column: str, *, id_column: str = "id") -> dict[str, str]:
    """{id: value of `column`} from a CSV file (e.g. the public entries or the salts)."""
    path = Path(path)
    header, rows = _rows(path)
    for name in (id_column, column):
        if name not in header:
            raise LotteryInputError(f"{path}: no {name!r} column (columns: {', '.join(header)})")
    at, of = header.index(id_column), header.index(column)
    out: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        if len(row) < len(header):
            raise LotteryInputError(
                f"{path} row {number}: {len(row)} cells, expected {len(header)}"
            )
        if row[at] in out:
            raise LotteryInputError(f"{path} row {number}: id {row[at]!r} repeated")
        out[row[at]] = row[of]
    return out
