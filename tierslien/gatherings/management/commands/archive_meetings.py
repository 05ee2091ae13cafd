from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tierslien.gatherings.meetings.core.services import archive_meetings


class Command(BaseCommand):
    help = (
        "Archive the themed meetings that started more than 30 days ago: their applications, "
        "table plans and contributors' addresses are erased; head counts remain. Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = archive_meetings(timezone.now())
        self.stdout.write(f"{count} meeting(s) archived.")
