"""Decline meeting seats not confirmed in time and offer them to the waiting list
(the scheduler runs it: tierslien/operations/jobs.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.gatherings.meetings.seats.waitlist import expire_seats


class Command(BaseCommand):
    help = "Decline themed-meeting seats whose confirmation deadline has passed; promote."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_seats()
        self.stdout.write(f"{count} seat(s) expired")
