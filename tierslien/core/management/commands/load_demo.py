"""`python manage.py load_demo [--seed N]`: the fictional territory of Lienville."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tierslien.demo.meeting import ensure_demo_meeting
from tierslien.demo.territory import DEMO_PASSWORD, PARTICIPANT_COUNT, load_demo


class Command(BaseCommand):
    help = (
        "Create the demo territory Lienville: 7 sectors, 12 venues, "
        f"{PARTICIPANT_COUNT} synthetic participants, a themed meeting with its contributors "
        "and three demo logins. "
        f"The demo logins use the password “{DEMO_PASSWORD}”. "
        "Running it again changes nothing. For development only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=0, help="Seed of the generated people (default 0)."
        )
        parser.add_argument(
            "--even-without-debug",
            action="store_true",
            help="Load it although DEBUG is off (a staging server nobody real uses).",
        )

    def handle(self, *args: Any, seed: int, even_without_debug: bool, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo creates a superuser whose password and TOTP secret are public.
            if not even_without_debug:
                raise CommandError(
                    "DEBUG is off: the demo would create a superuser and a facilitator whose "
                    "password and authenticator secret are public. Refusing; pass "
                    "--even-without-debug on a server no real person uses."
                )
            self.stderr.write(
                self.style.WARNING(
                    "WARNING: DEBUG is off. The demo creates a superuser and a facilitator "
                    "whose password and authenticator secret are public: never load it on "
                    "a server real people use."
                )
            )
        result = load_demo(seed)
        territory = result.territory
        meeting = ensure_demo_meeting(territory)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo territory “{territory.name}” (/t/{territory.slug}/): "
                f"{result.sectors_created} sectors, {result.venues_created} venues and "
                f"{result.participants_created} participants created "
                f"(now {territory.sectors.count()} sectors, {territory.venues.count()} venues, "
                f"{territory.portraits.count()} portraits)."
            )
        )
        self.stdout.write(
            f"Themed meeting “{meeting.theme}”: /t/{territory.slug}/meetings/{meeting.pk}/"
        )
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (development only)"))
        for login in result.logins:
            self.stdout.write(f"  {login.role}")
            self.stdout.write(f"    email:       {login.email}")
            self.stdout.write(f"    password:    {login.password}")
            if login.totp_secret:
                self.stdout.write(f"    TOTP secret: {login.totp_secret}")
                self.stdout.write(f"    TOTP URI:    {login.totp_url}")
        self.stdout.write(
            "  Add a TOTP secret to an authenticator app (or turn the URI into a QR code, "
            "e.g. `qr '<URI>'`) to pass the second step of the facilitator and admin logins."
        )
