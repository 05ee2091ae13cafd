from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.circles.actions import compose
from tierslien.gatherings.meetings.seats import draw
from tierslien.potential import jobs as analysis


class Command(BaseCommand):
    help = "Run again (or fail, in plain words) compositions and draws whose worker died."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, found in (
            ("season", compose.recover_stalled_jobs()),
            ("meeting", draw.recover_stalled_jobs()),
            ("analysis", analysis.recover_stalled_jobs()),
        ):
            for pk, outcome in found:
                self.stdout.write(f"{name} {pk}: {outcome}")
