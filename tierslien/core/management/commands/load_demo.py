"""`python manage.py load_demo [--seed N]`: the fictional territory of Lienville."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone, translation

from tierslien.demo.territory import DEMO_PASSWORD, PARTICIPANT_COUNT
from tierslien.demo.town import Town, load_town


class Command(BaseCommand):
    help = (
        "Create the demo territory Lienville: 7 sectors, 12 venues, "
        f"{PARTICIPANT_COUNT} synthetic participants, a season open for registration, one "
        "running, one finished with its report, a themed meeting open for applications and "
        "one drawn, a discovery evening about to start, two local contacts and the people they "
        "registered, and six demo logins. "
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
        town = load_town(seed)
        with translation.override("en"):  # the developer's console, in English
            self.report(town)

    def report(self, town: Town) -> None:
        result = town.result
        territory = result.territory
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo territory “{territory.name}” (/t/{territory.slug}/): "
                f"{result.sectors_created} sectors, {result.venues_created} venues and "
                f"{result.participants_created} participants created "
                f"(now {territory.sectors.count()} sectors, {territory.venues.count()} venues, "
                f"{territory.portraits.count()} portraits)."
            )
        )
        for season in town.all_seasons:
            self.stdout.write(
                f"Season “{season.name}” ({season.get_state_display()}, "
                f"{season.registrations.count()} registered): "
                + reverse("season_detail", args=[territory.slug, season.pk])
            )
        for meeting in (town.open_meeting, town.drawn_meeting):
            self.stdout.write(
                f"Themed meeting “{meeting.theme}” ({meeting.get_state_display()}): "
                + reverse("meeting_public", args=[territory.slug, meeting.pk])
            )
        local = timezone.localtime(town.evening.starts_at)
        self.stdout.write(
            f"Discovery evening on {local:%Y-%m-%d} at {local:%H:%M}: "
            + reverse("evening_detail", args=[territory.slug, town.evening.pk])
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
            "e.g. `qr '<URI>'`) to pass the second step of the facilitator, admin and "
            "local contact logins."
        )
