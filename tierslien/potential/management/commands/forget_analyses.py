from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.potential.services import forget_purged


class Command(BaseCommand):
    help = "Delete the mixing analyses of seasons whose content was purged."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{forget_purged()} analyses deleted")
