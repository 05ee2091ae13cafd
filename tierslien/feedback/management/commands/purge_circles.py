from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tierslien.feedback.purge import purge_finished_circles


class Command(BaseCommand):
    help = "Erase the content of circles whose last session ended more than 30 days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_finished_circles(timezone.now())
        self.stdout.write(f"{count} season(s) purged.")
