"""`manage.py backup` / `restore`: consistent while the site writes, and a faithful restore.

SQLite tests run everywhere (they use their own files). PostgreSQL tests run when the suite
runs on PostgreSQL (`DATABASE_URL=postgres://... make test`) and use their own databases on
that server, dropped at the end.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tierslien.core import backup

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20


def _sqlite(path: Path) -> dict[str, Any]:
    return {"ENGINE": backup.SQLITE, "NAME": str(path)}


class Writer(threading.Thread):
    """Writes batches of rows, each with its counter update, until stopped.

    Every committed transaction adds BATCH rows to `item` and BATCH to `counter.n`, so in
    any consistent snapshot `counter.n == count(item)`; a torn copy breaks the equality.
    """

    def __init__(
        self, connect: Callable[[], Any], transaction: Callable[[Any], Any], placeholder: str
    ) -> None:
        super().__init__(daemon=True)
        self.connect = connect
        self.transaction = transaction
        self.placeholder = placeholder
        self.stop = threading.Event()
        self.batches = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        p = self.placeholder
        try:
            db = self.connect()
            try:
                while not self.stop.is_set():
                    with self.transaction(db):  # one transaction per batch
                        for k in range(BATCH):
                            db.execute(
                                f"INSERT INTO item (batch, body) VALUES ({p}, {p})",
                                (self.batches, f"batch {self.batches} row {k} é ✓"),
                            )
                        db.execute(f"UPDATE counter SET n = n + {p}", (BATCH,))
                    self.batches += 1
            finally:
                db.close()
        except BaseException as exc:  # reported by the test
            self.error = exc


SCHEMA = [
    "CREATE TABLE item (id {pk}, batch integer NOT NULL, body text NOT NULL)",
    "CREATE TABLE counter (n integer NOT NULL)",
    "INSERT INTO counter (n) VALUES (0)",
]


def _consistent(fetch: Callable[[str], Any]) -> tuple[int, int]:
    counted = fetch("SELECT count(*) FROM item")[0][0]
    counter = fetch("SELECT n FROM counter")[0][0]
    return counted, counter


def _wait_for(writer: Writer, batches: int) -> None:
    deadline = time.monotonic() + 30
    while writer.batches < batches and time.monotonic() < deadline and writer.error is None:
        time.sleep(0.01)
    assert writer.error is None, writer.error
    assert writer.batches >= batches


# --- SQLite ----------------------------------------------------------------------------


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        for statement in SCHEMA:
            db.execute(statement.format(pk="integer PRIMARY KEY AUTOINCREMENT"))
        db.commit()
    return path


def _sqlite_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


def test_sqlite_backup_while_a_writer_commits_is_a_consistent_snapshot(
    sqlite_source: Path, tmp_path: Path
) -> None:
    def connect() -> sqlite3.Connection:
        db = sqlite3.connect(sqlite_source, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.isolation_level = "IMMEDIATE"  # as the site's connections
        return db

    writer = Writer(connect, lambda db: db, "?")
    writer.start()
    try:
        _wait_for(writer, 5)
        snapshots = []
        for k in range(3):
            before = writer.batches
            outcome = backup.backup(_sqlite(sqlite_source), tmp_path / f"backup-{k}.sqlite3")
            snapshots.append(outcome.path)
            _wait_for(writer, before + 3)  # the writer kept committing meanwhile
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None, writer.error

    for path in snapshots:
        counted, counter = _consistent(lambda q, path=path: _sqlite_rows(path, q))
        assert counted == counter > 0
        assert counted % BATCH == 0
        # One plain file: nothing left in a -wal beside it.
        assert _sqlite_rows(path, "PRAGMA journal_mode") == [("delete",)]
    counts = [_consistent(lambda q, path=path: _sqlite_rows(path, q))[0] for path in snapshots]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert not list(tmp_path.glob("*.partial"))


def test_sqlite_restore_into_an_empty_database_gives_the_same_rows(
    sqlite_source: Path, tmp_path: Path
) -> None:
    with closing(sqlite3.connect(sqlite_source)) as db:
        db.executemany(
            "INSERT INTO item (batch, body) VALUES (?, ?)",
            [(k, f"Camille {k} — ünïcode") for k in range(500)],
        )
        db.execute("UPDATE counter SET n = 500")
        db.commit()
    dump = backup.backup(_sqlite(sqlite_source), tmp_path / "backup.sqlite3").path
    target = tmp_path / "restored.sqlite3"

    outcome = backup.restore(_sqlite(target), dump)

    assert outcome.tables == 2
    assert backup.row_counts(_sqlite(target)) == backup.row_counts(_sqlite(sqlite_source))
    sample = "SELECT id, batch, body FROM item WHERE id % 37 = 0 ORDER BY id"
    assert _sqlite_rows(target, sample) == _sqlite_rows(sqlite_source, sample)
    assert len(_sqlite_rows(target, sample)) == 13


def test_sqlite_restore_refuses_a_database_with_tables_unless_forced(
    sqlite_source: Path, tmp_path: Path
) -> None:
    dump = backup.backup(_sqlite(sqlite_source), tmp_path / "backup.sqlite3").path
    target = tmp_path / "in-use.sqlite3"
    with closing(sqlite3.connect(target)) as db:
        db.execute("CREATE TABLE precious (x integer)")
        db.execute("INSERT INTO precious VALUES (1)")
        db.commit()

    with pytest.raises(backup.BackupError, match="not empty .1 tables, e.g. precious.*--force"):
        backup.restore(_sqlite(target), dump)
    assert _sqlite_rows(target, "SELECT x FROM precious") == [(1,)]

    backup.restore(_sqlite(target), dump, force=True)
    assert backup.table_names(_sqlite(target)) == ["counter", "item"]


def test_restore_of_a_file_that_is_not_a_backup_changes_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database " * 100)
    target = tmp_path / "new.sqlite3"

    with pytest.raises(backup.BackupError, match="not an SQLite backup"):
        backup.restore(_sqlite(target), junk)
    with pytest.raises(backup.BackupError, match="No backup file"):
        backup.restore(_sqlite(target), tmp_path / "missing.sqlite3")
    assert backup.table_names(_sqlite(target)) == []


def _manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "ENGINE_WARM_UP": "false"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_commands_say_what_they_did_and_refuse_a_database_in_use(
    sqlite_source: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "nightly.sqlite3"
    target = tmp_path / "restored.sqlite3"

    made = _manage(f"sqlite:///{sqlite_source}", "backup", "--output", str(dump))
    assert made.returncode == 0, made.stderr
    assert f"Backed up {sqlite_source} (2 tables) to {dump} (SQLite" in made.stdout

    restored = _manage(f"sqlite:///{target}", "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {dump} into {target} (2 tables)" in restored.stdout

    again = _manage(f"sqlite:///{target}", "restore", str(dump))
    assert again.returncode == 1
    assert "is not empty (2 tables" in again.stderr and "--force" in again.stderr


# --- PostgreSQL ------------------------------------------------------------------------


def test_the_password_reaches_pg_dump_through_the_environment_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((argv, kwargs["env"]))
        if "--file" in argv:
            Path(argv[argv.index("--file") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(argv, 0, stdout="", stderr="")

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    settings_dict = {
        "ENGINE": backup.POSTGRESQL,
        "NAME": "tierslien",
        "USER": "site",
        "PASSWORD": "s3cret-pass",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require"},
    }

    backup.backup(settings_dict, tmp_path / "x.dump")

    assert [argv[0] for argv, _ in calls] == ["/usr/bin/psql", "/usr/bin/pg_dump"]
    for argv, env in calls:
        assert not any("s3cret" in arg for arg in argv)
        assert env["PGPASSWORD"] == "s3cret-pass"
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db.internal", "5433", "site")
        assert (env["PGDATABASE"], env["PGSSLMODE"]) == ("tierslien", "require")


@pytest.fixture
def postgres_databases(db: None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Two scratch databases next to the test database: a source and a restore target."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backups: run the suite with DATABASE_URL=postgres://...")
    import psycopg

    base = dict(connection.settings_dict)
    names = [f"tierslien_backup_src_{os.getpid()}", f"tierslien_restore_test_{os.getpid()}"]
    admin = backup._pg_connect_kwargs({**base, "NAME": "postgres"})
    with psycopg.connect(**admin, autocommit=True) as server:
        for name in names:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**base, "NAME": names[0]}, {**base, "NAME": names[1]}
    finally:
        with psycopg.connect(**admin, autocommit=True) as server:
            for name in names:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_backup_while_a_writer_commits_restores_into_an_empty_database(
    postgres_databases: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    import psycopg

    source, target = postgres_databases
    with psycopg.connect(**backup._pg_connect_kwargs(source)) as db:
        for statement in SCHEMA:
            db.execute(statement.format(pk="bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"))

    writer = Writer(
        lambda: psycopg.connect(**backup._pg_connect_kwargs(source), autocommit=True),
        lambda db: db.transaction(),
        "%s",
    )
    writer.start()
    try:
        _wait_for(writer, 5)
        before = writer.batches
        dump = backup.backup(source, tmp_path / "backup.dump").path
        _wait_for(writer, before + 3)
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None, writer.error
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    outcome = backup.restore(target, dump)

    assert outcome.tables == 2
    with psycopg.connect(**backup._pg_connect_kwargs(target)) as db:
        counted, counter = _consistent(lambda q: db.execute(q).fetchall())
        sample = db.execute("SELECT id, batch, body FROM item WHERE id %% 37 = 0 ORDER BY id", ())
        restored_sample = sample.fetchall()
    assert counted == counter > 0 and counted % BATCH == 0
    with psycopg.connect(**backup._pg_connect_kwargs(source)) as db:
        # The source went on growing after the snapshot; its first rows are the restored ones.
        assert db.execute("SELECT count(*) FROM item").fetchone()[0] > counted  # type: ignore[index]
        original = db.execute(
            "SELECT id, batch, body FROM item WHERE id %% 37 = 0 AND id <= %s ORDER BY id",
            (counted,),
        ).fetchall()
    assert restored_sample == original and restored_sample


def test_postgresql_restore_refuses_the_app_schema_unless_forced(
    postgres_databases: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    from django.db import connection

    _source, target = postgres_databases
    # The test database holds the application's migrated schema.
    dump = backup.backup(connection.settings_dict, tmp_path / "app.dump").path
    backup.restore(target, dump)
    assert backup.table_names(target) == backup.table_names(connection.settings_dict)
    assert backup.row_counts(target)["django_migrations"] > 50

    with pytest.raises(backup.BackupError, match="is not empty .* --force"):
        backup.restore(target, dump)
    outcome = backup.restore(target, dump, force=True)
    assert outcome.tables == len(backup.table_names(connection.settings_dict))
    assert backup.row_counts(target) == backup.row_counts(connection.settings_dict)


def test_a_password_left_out_of_database_url_comes_from_pgpassword(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    settings_dict = {"ENGINE": backup.POSTGRESQL, "NAME": "tierslien", "PASSWORD": ""}

    env = backup._pg_env(settings_dict)

    assert env["PGPASSWORD"] == "from-the-environment"
    assert env["PGDATABASE"] == "tierslien"
