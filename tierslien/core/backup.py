"""Backing up and restoring the database: PostgreSQL through pg_dump, SQLite through its backup API.

Both functions take a Django database settings dictionary (`connections["default"]
.settings_dict`, or one built by `dj_database_url.parse`), so the commands, the tests
and the restore drill share them:

- PostgreSQL: `pg_dump --format=custom` of the database, and `pg_restore
  --single-transaction` into another (a failed restore changes nothing). pg_dump reads
  one snapshot, so the file is consistent while the application writes. The connection
  reaches the client programs only through the environment (PGHOST, PGPORT, PGUSER,
  PGPASSWORD, PGSSLMODE...; a `service` or `passfile` option is passed on as PGSERVICE or
  PGPASSFILE): no password ever appears on a command line, where `ps` would show it.
- SQLite: Python's `sqlite3.Connection.backup`, in one step, copies a consistent snapshot
  page by page while the application keeps writing (WAL mode: readers and the one writer
  do not block each other). Copying the file instead could tear a page or miss the part
  of the data still in the `-wal` file. The copy goes to a temporary file next to the
  target and is renamed once checked (`PRAGMA quick_check`), so an interrupted backup
  never leaves a half file under the final name.

A restore refuses a database holding any table unless `force=True`: the restored copy
would otherwise mix with the data in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"


class BackupError(Exception):
    """A backup or a restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or a restore did, for the command's message."""

    path: Path
    engine: str
    tables: int
    size: int


def engine_of(settings_dict: Mapping[str, Any]) -> str:
    engine = str(settings_dict["ENGINE"])
    if engine not in (POSTGRESQL, SQLITE):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")
    return engine


def default_filename(settings_dict: Mapping[str, Any], now: str) -> str:
    """`tierslien-<database>-<UTC time>.<dump|sqlite3>`; `now` like 20261203T0940Z."""
    suffix = "dump" if engine_of(settings_dict) == POSTGRESQL else "sqlite3"
    name = Path(str(settings_dict["NAME"])).stem or "db"
    return f"tierslien-{name}-{now}.{suffix}"


def backup(settings_dict: Mapping[str, Any], output: Path) -> Outcome:
    """Write a consistent backup of the database to `output` (replaced if it exists)."""
    output = output.resolve()
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    if engine_of(settings_dict) == POSTGRESQL:
        return _pg_backup(settings_dict, output)
    return _sqlite_backup(settings_dict, output)


def restore(settings_dict: Mapping[str, Any], source: Path, *, force: bool = False) -> Outcome:
    """Restore the backup `source` into the database; refuse a non-empty one unless `force`."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    tables = table_names(settings_dict)
    if tables and not force:
        raise BackupError(
            f"The database {settings_dict['NAME']} is not empty ({len(tables)} tables, "
            f"e.g. {tables[0]}). Restore into a new, empty database, or pass --force to "
            "replace its content."
        )
    if engine_of(settings_dict) == POSTGRESQL:
        return _pg_restore(settings_dict, source, replace=bool(tables))
    return _sqlite_restore(settings_dict, source)


def table_names(settings_dict: Mapping[str, Any]) -> list[str]:
    """The tables (and views) of the database, sorted; empty for a new database."""
    if engine_of(settings_dict) == POSTGRESQL:
        query = (
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
            "ORDER BY 1"
        )
        return _psql_lines(settings_dict, query)
    path = _sqlite_path(settings_dict)
    if not path.exists() or path.stat().st_size == 0:
        return []
    with contextlib.closing(_sqlite_connect(path)) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
    return [row[0] for row in rows]


def row_counts(settings_dict: Mapping[str, Any]) -> dict[str, int]:
    """Rows per table: what the drill and the tests compare between a source and its restore."""
    counts: dict[str, int] = {}
    if engine_of(settings_dict) == POSTGRESQL:
        import psycopg
        from psycopg import sql

        with psycopg.connect(**_pg_connect_kwargs(settings_dict)) as db:
            tables = db.execute(
                "SELECT schemaname, tablename FROM pg_catalog.pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2"
            ).fetchall()
            for schema, table in tables:
                query = sql.SQL("SELECT count(*) FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
                row = db.execute(query).fetchone()
                counts[table] = int(row[0]) if row else 0
        return counts
    with contextlib.closing(_sqlite_connect(_sqlite_path(settings_dict))) as db:
        names = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        for (name,) in names:
            quoted = '"' + name.replace('"', '""') + '"'
            counts[name] = int(db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
    return counts


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_env(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """The libpq environment for pg_dump, pg_restore and psql: the password never in argv.

    Settings from DATABASE_URL win; what it leaves out (say PGPASSWORD, or a PGSERVICEFILE)
    comes from the environment, as for the site's own connections.
    """
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGAPPNAME": "tierslien-backup",
    }
    env.update({key: str(value) for key, value in pairs.items() if value not in (None, "")})
    return env


def _pg_connect_kwargs(settings_dict: Mapping[str, Any]) -> dict[str, Any]:
    env = _pg_env(settings_dict)
    keys = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}
    kwargs: dict[str, Any] = {arg: env[var] for var, arg in keys.items() if var in env}
    kwargs["dbname"] = env.get("PGDATABASE", "")
    if "PGSERVICE" in env:
        kwargs["service"] = env["PGSERVICE"]
    if "PGPASSFILE" in env:
        kwargs["passfile"] = env["PGPASSFILE"]
    if "PGSSLMODE" in env:
        kwargs["sslmode"] = env["PGSSLMODE"]
    return kwargs


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of the server's major "
            "version (Debian: apt-get install postgresql-client-15)."
        )
    return path


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        hint = ""
        if "version mismatch" in detail or "unsupported version" in detail:
            hint = " Use client programs of the same major version as the server (or newer)."
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}{hint}")


def _psql_lines(settings_dict: Mapping[str, Any], query: str) -> list[str]:
    argv = [_tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", "--command", query]
    done = subprocess.run(
        argv, env=_pg_env(settings_dict), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            f"Could not read the database {settings_dict.get('NAME')}: {done.stderr.strip()}"
        )
    return [line for line in done.stdout.splitlines() if line]


def _pg_backup(settings_dict: Mapping[str, Any], output: Path) -> Outcome:
    tables = len(table_names(settings_dict))
    with _temporary_next_to(output) as partial:
        _run(
            [_tool("pg_dump"), "--format=custom", "--file", str(partial)],
            _pg_env(settings_dict),
            "pg_dump",
        )
        partial.replace(output)
    return Outcome(output, POSTGRESQL, tables, output.stat().st_size)


def _pg_restore(settings_dict: Mapping[str, Any], source: Path, *, replace: bool) -> Outcome:
    env = _pg_env(settings_dict)
    # The objects belong to the user restoring them, whatever role owned them before.
    argv = [_tool("pg_restore"), "--single-transaction", "--no-owner", "--no-privileges"]
    if replace:
        # Drops then recreates every object of the backup, all in the one transaction.
        argv += ["--clean", "--if-exists"]
    argv += ["--dbname", env["PGDATABASE"], str(source)]
    _run(argv, env, "pg_restore")
    tables = len(table_names(settings_dict))
    return Outcome(source, POSTGRESQL, tables, source.stat().st_size)


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_path(settings_dict: Mapping[str, Any]) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(name)


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    return db


def _sqlite_copy(source: Path, target: Path) -> int:
    """Copy `source` into `target` with the backup API; returns the number of tables."""
    with (
        contextlib.closing(_sqlite_connect(source)) as src,
        contextlib.closing(_sqlite_connect(target)) as dst,
    ):
        # One step (pages=-1): the copy is the snapshot of a single read transaction.
        # In steps, a write by another connection would restart the copy from the start.
        src.backup(dst, pages=-1)
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy of {source} fails its integrity check: {check}")
        tables = dst.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchone()
    return int(tables[0])


def _sqlite_backup(settings_dict: Mapping[str, Any], output: Path) -> Outcome:
    source = _sqlite_path(settings_dict)
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    if output == source.resolve():
        raise BackupError("The backup would overwrite the database itself: choose another path.")
    with _temporary_next_to(output) as partial:
        tables = _sqlite_copy(source, partial)
        # The copy keeps the source's WAL mode in its header; a backup is one plain file.
        with contextlib.closing(sqlite3.connect(partial)) as db:
            db.execute("PRAGMA journal_mode = DELETE")
        partial.replace(output)
    return Outcome(output, SQLITE, tables, output.stat().st_size)


def _sqlite_restore(settings_dict: Mapping[str, Any], source: Path) -> Outcome:
    target = _sqlite_path(settings_dict)
    if target.resolve() == source:
        raise BackupError("The backup file is the database itself.")
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not an SQLite backup: {exc}") from exc
    # The backup API writes into the live database through SQLite's own locking, so a
    # server still connected sees either the old content or the new, never a mix.
    tables = _sqlite_copy(source, target)
    with contextlib.closing(_sqlite_connect(target)) as db:
        db.execute("PRAGMA journal_mode = WAL")
    return Outcome(source, SQLITE, tables, source.stat().st_size)


@contextlib.contextmanager
def _temporary_next_to(output: Path) -> Iterator[Path]:
    """A temporary path in `output`'s folder (same file system: the rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    os.close(fd)
    partial = Path(name)
    partial.unlink()
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)
