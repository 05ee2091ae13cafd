from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tierslien.spaces.services import send_session_reminders


class Command(BaseCommand):
    help = "Email every circle member the day before each session (once per session); run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_session_reminders(timezone.now())
        self.stdout.write(f"{count} session reminder(s) sent.")
