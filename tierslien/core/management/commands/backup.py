"""`python manage.py backup [--output PATH]`: a consistent backup of the database.

PostgreSQL: a pg_dump custom-format file (restore it with `manage.py restore`, or
pg_restore). SQLite: a copy made with SQLite's backup API, safe while the site writes.
See docs/backups.md.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from tierslien.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database: pg_dump (custom format) on PostgreSQL, SQLite's backup API "
        "on SQLite. Consistent while the site keeps writing. Restore with `manage.py restore`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="File to write (replaced if it exists). Default: "
            "var/backups/tierslien-<database>-<UTC time>.<dump|sqlite3>.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )

    def handle(self, *args: Any, output: Path | None, database: str, **options: Any) -> None:
        settings_dict = connections[database].settings_dict
        try:
            if output is None:
                from django.conf import settings

                now = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
                folder = Path(settings.BASE_DIR) / "var" / "backups"
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise CommandError(f"Cannot create {folder} ({exc}): pass --output.") from exc
                output = folder / backup.default_filename(settings_dict, now)
            outcome = backup.backup(settings_dict, output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        kind = "pg_dump custom format" if outcome.engine == backup.POSTGRESQL else "SQLite"
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {settings_dict['NAME']} ({outcome.tables} tables) to {outcome.path} "
                f"({kind}, {outcome.size / 1e6:.1f} MB)."
            )
        )
