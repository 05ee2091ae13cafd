from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tierslien.feedback.farewell import send_circle_farewells


class Command(BaseCommand):
    help = "Tell the members of each circle that ended (once per circle), on their channel."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_circle_farewells(timezone.now())
        self.stdout.write(f"{count} circle(s) told they ended.")
