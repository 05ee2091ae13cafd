from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tierslien.outbox.services import deliver_due, erase_old


class Command(BaseCommand):
    help = "Send queued messages that are due (and those of a sender that died)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000)
        parser.add_argument(
            "--erase-old", action="store_true", help="also erase old messages' contents"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = deliver_due(limit=options["limit"])
        self.stdout.write(
            f"sent {outcome.sent}, to retry {outcome.retrying}, failed {outcome.failed}"
        )
        if options["erase_old"]:
            self.stdout.write(f"erased {erase_old()}")
