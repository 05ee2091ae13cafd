"""Start seasons whose first session began; close those whose last session ended."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.circles.actions.publish import advance_seasons


class Command(BaseCommand):
    help = "Move published seasons to running, and running seasons to closed, on time."

    def handle(self, *args: Any, **options: Any) -> None:
        for season_id, state in advance_seasons():
            self.stdout.write(f"season {season_id}: {state}")
