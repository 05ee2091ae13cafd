"""`python manage.py restore PATH [--force]`: put a backup back into the database.

Refuses a database holding any table unless --force. PostgreSQL: pg_restore in one
transaction (a failed restore changes nothing). SQLite: SQLite's backup API.
See docs/backups.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from tierslien.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database, which must be "
        "empty (a new database) unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the content of a database that is not empty. PostgreSQL: the "
            "backup's objects are dropped and recreated in one transaction; tables that the "
            "backup does not have stay. SQLite: the whole file is replaced.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )

    def handle(self, *args: Any, path: Path, force: bool, database: str, **options: Any) -> None:
        connection = connections[database]
        connection.close()  # SQLite: no open handle of ours on the file being replaced.
        settings_dict = connection.settings_dict
        try:
            outcome = backup.restore(settings_dict, path, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {outcome.path} into {settings_dict['NAME']} ({outcome.tables} tables). "
                "Next: `manage.py migrate` if the code is newer than the backup, then start "
                "the site."
            )
        )
