"""The restore drill's checks on a restored database (called by scripts/restore-drill).

    DATABASE_URL=<restored> .venv/bin/python scripts/restore_drill_journey.py --source <URL>

1. Every table of the restored database has the same rows as the source's (full content,
   ordered by primary key; the demo town is small).
2. A short journey through the application's own views (Django's test client) on the
   restored database: the public territory page; the demo participant signs in with the
   password, opens "my data" and downloads the JSON export, which holds their name; the
   demo facilitator signs in with the password and a TOTP code computed from the demo's
   public secret, and opens the territory's management page.
Exits non-zero with a message at the first difference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fail(message: str) -> None:
    print(f"restore drill: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def compare_tables(source_url: str) -> int:
    import dj_database_url
    from django.db import connections

    from tierslien.core import backup

    source = dj_database_url.parse(source_url)
    restored = connections["default"].settings_dict
    tables = backup.table_names(restored)
    if tables != backup.table_names(source):
        fail(f"the tables differ: {sorted(set(tables) ^ set(backup.table_names(source)))}")
    if backup.row_counts(restored) != backup.row_counts(source):
        fail("the row counts differ")
    rows = 0
    for table in tables:
        mine = _rows("default", table)
        theirs = _rows("source", table)
        if mine != theirs:
            fail(f"the content of {table} differs")
        rows += len(mine)
    return rows


def _rows(alias: str, table: str) -> list[tuple[object, ...]]:
    from django.db import connections

    connection = connections[alias]
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")
        return [tuple(row) for row in cursor.fetchall()]


def journey() -> list[str]:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.test import Client
    from django.urls import reverse

    from tierslien.demo import territory as demo

    steps: list[str] = []

    def expect(response: object, status: int, what: str, contains: str = "") -> None:
        code = getattr(response, "status_code", None)
        if code != status:
            fail(f"{what}: HTTP {code}, expected {status}")
        if contains and contains not in response.content.decode():  # type: ignore[attr-defined]
            fail(f"{what}: the page does not contain {contains!r}")
        steps.append(f"{what} {code}")

    territory = demo.TERRITORY_SLUG
    anonymous = Client()
    expect(anonymous.get(reverse("home")), 200, "home")
    expect(
        anonymous.get(reverse("territory_detail", args=[territory])),
        200,
        "public territory page",
        "Lienville",
    )

    participant = Client()
    response = participant.post(
        reverse("account_login"),
        {"login": demo.PARTICIPANT_EMAIL, "password": demo.DEMO_PASSWORD},
    )
    expect(response, 302, "participant signs in")
    expect(participant.get(reverse("my_data")), 200, "my data", "Camille")
    export = participant.get(reverse("export_my_data"))
    expect(export, 200, "JSON export")
    data = json.loads(export.content)
    if "Camille" not in json.dumps(data, ensure_ascii=False):
        fail("the JSON export does not hold the participant's name")
    if demo.PARTICIPANT_EMAIL not in json.dumps(data):
        fail("the JSON export does not hold the participant's email")

    facilitator = Client()
    response = facilitator.post(
        reverse("account_login"),
        {"login": demo.FACILITATOR_EMAIL, "password": demo.DEMO_PASSWORD},
    )
    expect(response, 302, "facilitator signs in (password)")
    if "/2fa/" not in response["Location"]:
        fail(f"the facilitator was not asked for a second factor ({response['Location']})")
    if time.time() % 30 > 25:  # not a code about to expire
        time.sleep(30 - time.time() % 30 + 0.2)
    code = format_hotp_value(hotp_value(demo.FACILITATOR_TOTP_SECRET, int(time.time()) // 30))
    expect(facilitator.post(response["Location"], {"code": code}), 302, "facilitator's TOTP code")
    expect(
        facilitator.get(reverse("manage_territory", args=[territory])),
        200,
        "territory management page",
        "Lienville",
    )
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="DATABASE_URL of the backed-up database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
    import dj_database_url
    from django.conf import settings

    settings.DATABASES["source"] = dj_database_url.parse(args.source)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and email kept in memory

    rows = compare_tables(args.source)
    steps = journey()
    print(f"restore drill: {rows} rows identical; " + ", ".join(steps) + ".")


if __name__ == "__main__":
    main()
