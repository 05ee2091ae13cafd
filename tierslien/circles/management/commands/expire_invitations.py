"""Free the seats of circle invitations not answered in time (the scheduler runs it:
tierslien/operations/jobs.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tierslien.circles.actions.publish import expire_invitations


class Command(BaseCommand):
    help = "Free the seats of circle invitations whose answer deadline has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_invitations()
        self.stdout.write(f"{count} invitation(s) expired")
