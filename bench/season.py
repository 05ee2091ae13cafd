"""A season of 3,000 participants composed, reviewed and published through the web application.

    .venv/bin/python bench/season.py --database sqlite --people 3000
    .venv/bin/python bench/season.py --database postgres --people 3000 --write

Builds a throw-away database (a temporary SQLite file, or a fresh PostgreSQL database
on 127.0.0.1 dropped at the end), loads the Lienville demo town, adds synthetic
participants up to `--people` (same generator as the demo, other seeds), registers
them all in one season, then drives the application's own views with Django's test
client as the demo facilitator: POST "close registration and compose" (the composition
task runs in the request through Django's immediate tasks backend, so its time is the
engine's plus the database writes), GET the proposal page, POST a move and a lock,
POST "publish" (one email with an .ics per member, through the locmem mail backend).
Prints one Markdown row of seconds per step, and with --write stores the section
"Season of 3,000 through the web app" of bench/RESULTS.md (one row per database).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SECTION = "Season of 3,000 through the web app"


def _database_url(kind: str) -> tuple[str, str | None]:
    if kind == "sqlite":
        workdir = tempfile.mkdtemp(prefix="season-bench-")
        return f"sqlite:///{workdir}/bench.sqlite3", None
    name = f"bench_season_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f"CREATE DATABASE {name}",
        ],
        check=True,
    )
    return f"postgres://postgres@127.0.0.1:5432/{name}", name


def _drop(name: str | None) -> None:
    if name:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-qc",
                f"DROP DATABASE {name}",
            ],
            check=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--time-limit", type=float, default=60.0, help="engine seconds")
    parser.add_argument("--write", action="store_true", help="add the row to bench/RESULTS.md")
    args = parser.parse_args()

    url, pg_name = _database_url(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        row = run(args)
    finally:
        _drop(pg_name)
    print(row)
    if args.write:
        record(row, args)


def run(args: argparse.Namespace) -> str:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from tierslien.accounts.models import User
    from tierslien.circles.models import Circle, Registration, Season, SeasonState
    from tierslien.demo import territory as demo
    from tierslien.portraits.models import Portrait

    setup_test_environment()  # locmem email, as in tests
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.COMPOSE_TIME_LIMIT = args.time_limit
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = True  # load_demo is for development databases

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    territory = demo.ensure_territory()
    territory.venues.update(capacity=8)  # room for ~550 circles at the demo's venues
    sectors = {sector.name: sector for sector in territory.sectors.all()}
    criteria = list(territory.criteria.filter(enabled=True))

    began = time.perf_counter()
    seed = 1
    have = Portrait.objects.filter(territory=territory).count()
    while have < args.people:
        people = demo.generate_people(seed, criteria)[: args.people - have]
        people = [
            dataclasses.replace(person, email=f"bench{seed}-{k}@bench.invalid")
            for k, person in enumerate(people)
        ]
        users = User.objects.bulk_create(
            [
                User(email=p.email, display_name=p.display_name, language=p.language, password="!")
                for p in people
            ]
        )
        demo._create_portraits(territory, sectors, list(zip(users, people, strict=True)), criteria)
        have += len(users)
        seed += 1
    today = datetime.datetime.now(datetime.UTC).date()
    season = Season.objects.create(
        territory=territory,
        name="Bench",
        registration_opens=today - datetime.timedelta(days=10),
        registration_closes=today + datetime.timedelta(days=5),
        first_week=today + datetime.timedelta(days=21),
    )
    Registration.objects.bulk_create(
        [
            Registration(season=season, user_id=user_id, availability=availability, max_km=km)
            for user_id, availability, km in Portrait.objects.filter(
                territory=territory
            ).values_list("user_id", "availability", "max_km")
        ]
    )
    setup_seconds = time.perf_counter() - began

    # Management pages ask for the second factor: sign in as after both steps.
    from potential_demo import facilitator_client

    client = facilitator_client(Client(), User.objects.get(email=demo.FACILITATOR_EMAIL))
    slug = territory.slug

    def timed(method: str, path: str, data: dict[str, str] | None = None) -> tuple[float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = getattr(client, method)(path, data or {})
            seconds = time.perf_counter() - start
        assert response.status_code in (200, 302), (path, response.status_code)
        return seconds, len(queries), response.status_code

    compose_s, _, _ = timed("post", reverse("manage_season_compose", args=[slug, season.pk]))
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED, (
        season.state,
        season.job_error,
        season.job_message,
    )
    circles = list(Circle.objects.filter(season=season).order_by("number"))
    placed = sum(circle.memberships.count() for circle in circles)
    proposal_s, proposal_queries, _ = timed(
        "get", reverse("manage_season_proposal", args=[slug, season.pk])
    )
    first, second = circles[0], circles[1]
    member = first.memberships.values_list("user_id", flat=True).first()
    move_s, _, _ = timed(
        "post",
        reverse("manage_circle_move", args=[slug, season.pk, first.pk]),
        {
            f"move{first.pk}-member": str(member),
            f"move{first.pk}-to_circle": str(second.pk),
            f"move{first.pk}-force": "on",
        },
    )
    lock_s, _, _ = timed(
        "post", reverse("manage_circle_lock", args=[slug, season.pk, second.pk]), {"locked": "1"}
    )
    mail.outbox.clear()
    publish_s, _, _ = timed("post", reverse("manage_season_publish", args=[slug, season.pk]))
    season.refresh_from_db()
    assert season.state == SeasonState.PUBLISHED, season.state
    emails = len(mail.outbox)
    report = season.report or {}
    ratio = report.get("ratio_to_bound")
    ratio_text = f"{ratio:.3f}" if isinstance(ratio, int | float) else "—"
    return (
        f"| {args.database} | {args.people:,} | {len(circles)} | {placed:,} | "
        f"{setup_seconds:.1f} | "
        f"{compose_s:.1f} | {proposal_s:.2f} ({proposal_queries} queries) | {move_s:.2f} | "
        f"{lock_s:.2f} | {publish_s:.1f} ({emails:,} emails) | {ratio_text} |"
    )


def record(row: str, args: argparse.Namespace) -> None:
    from results import RESULTS, write_section

    command = (
        f"`.venv/bin/python bench/season.py --database {args.database} "
        f"--people {args.people} --time-limit {args.time_limit:g} --write`"
    )
    header = (
        "| database | people | circles | placed | setup s | compose s (engine + writes) "
        "| proposal page s | move s | lock s | publish s | ratio to bound |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|"
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    rows: list[str] = []
    marker = f"## {SECTION}"
    if marker in text:
        body = text.split(marker, 1)[1].split("\n## ", 1)[0]
        rows = [
            line for line in body.splitlines() if line.startswith("| ") and "database" not in line
        ]
        rows = [line for line in rows if not line.startswith(f"| {args.database} |")]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_section(
        SECTION,
        f"Last command: {command} — {stamp}, on the shared 2-core machine.\n"
        "The facilitator's requests go through the real views (Django test client); composition "
        "runs inside the request through the immediate tasks backend; publication renders and "
        "sends (locmem) one email with an .ics per member.\n\n"
        + header
        + "\n"
        + "\n".join([*rows, row]),
    )


if __name__ == "__main__":
    main()
