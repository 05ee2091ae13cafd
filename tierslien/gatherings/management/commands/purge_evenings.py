from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tierslien.gatherings.evenings.services import purge_evenings


class Command(BaseCommand):
    help = "Delete the attendees of discovery evenings that took place more than 30 days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_evenings(timezone.now())
        self.stdout.write(f"{count} evening(s) purged.")
