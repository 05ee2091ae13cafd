"""Send the day-before reminder (with the .ics) to people with a confirmed seat, once
(the scheduler runs it: tierslien/operations/jobs.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.gatherings.meetings.seats.notifications import send_reminders


class Command(BaseCommand):
    help = "Remind confirmed people of a themed meeting starting within 24 hours, once."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_reminders()
        self.stdout.write(f"{count} reminder(s) sent")
