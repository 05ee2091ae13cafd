"""Attack replays on a themed meeting's draw: what its files and pages reveal, to whom.

The town: 24 men and Marie Curie, the only woman, the only person aged 75+, the only one
in occupation 7. Quotas want at least one woman among 6 seats, so Marie is certain to be
drawn. A curious facilitator tries to tie her name to her categories through every page,
file and email within reach; an anonymous visitor tries to single her out from the public
files; then she deletes her account and the public files must hold nothing of her.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast, make_user
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.meetings.seats import draw, quotas, seed, waitlist
from tierslien.gatherings.meetings.seats.applications import UNDISCLOSED, balance_criteria
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lottery import cli
from tierslien.lottery.commitments import entry_digest
from tierslien.portraits.models import Criterion
from tierslien.privacy.services import delete_account
from tierslien.territories.models import Facilitator

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
MARIE = "Marie Curie"
HER = {"gender": "woman", "age_bracket": "75+", "occupation": "7"}
SEATS = 6
PUBLIC_FILES = [
    "meeting_draw_pool",
    "meeting_draw_panel",
    "meeting_draw_quotas",
    "meeting_draw_seed",
    "meeting_draw_counts",
]
# quotas.csv and counts.csv list every value by design (rules; counts with the <11 rule).
PER_PERSON_FILES = ["meeting_draw_pool", "meeting_draw_panel", "meeting_draw_seed"]
THE_DAY = 24 * 30  # MEETING_NAMES_HOURS_BEFORE that makes "now" the day: starts in 10 days


def url(name: str, meeting: Meeting, *extra: Any) -> str:
    return reverse(name, args=[meeting.territory.slug, meeting.pk, *extra])


def town(cast: Cast) -> tuple[Meeting, Application]:
    """The meeting, drawn, and Marie's application."""
    meeting = make_meeting(cast, seats=SEATS)
    now = timezone.now()
    marie = None
    for k in range(25):
        name = MARIE if k == 12 else f"Citizen {k}"
        user = make_user(f"town{k}@example.org", name, language="en")
        answers = (
            HER
            if k == 12
            else {
                "gender": "man",
                "age_bracket": ["25-34", "35-49", "50-64"][k % 3],
                "occupation": str(1 + k % 3),
            }
        )
        application = Application.objects.create(
            meeting=meeting, user=user, pseudonym=f"q{k:04d}", answers=answers, applied_at=now
        )
        if k == 12:
            marie = application
    assert marie is not None
    criteria = balance_criteria(meeting)
    bounds = {key: (0, SEATS) for key in quotas.quota_keys(meeting, criteria)}
    bounds[("gender", "woman")] = (1, SEATS)
    quotas.save_quotas(meeting, bounds)
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=now - datetime.timedelta(minutes=1)
    )
    meeting.refresh_from_db()
    seed.publish_seed(meeting, seed=424242, source="dice")
    return meeting, marie


@pytest.fixture
def drawn(cast: Cast, django_capture_on_commit_callbacks: Any) -> tuple[Meeting, Application]:
    meeting, marie = town(cast)
    with django_capture_on_commit_callbacks(execute=True):
        draw.start_draw(meeting)
    meeting.refresh_from_db()
    marie.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED
    assert marie.status == ApplicationStatus.SELECTED  # the quota makes her certain
    return meeting, marie


def everything_a_facilitator_fetches(client: Client, meeting: Meeting) -> dict[str, str]:
    """Every page, file and email within a facilitator's reach, followed through redirects."""
    names = [
        "meeting_manage",
        "meeting_seats_manage",
        "meeting_quotas",
        "meeting_draw_progress",
        "meeting_day",
        "meeting_day_checkin",
        "meeting_draw",
        "meeting_public",
        *PUBLIC_FILES,
    ]
    texts = {}
    for name in names:
        response = client.get(url(name, meeting), follow=True)
        texts[name] = response.content.decode()
    for name in ["meeting_day_rotation", "meeting_day_projection"]:
        texts[name] = client.get(url(name, meeting, 1), follow=True).content.decode()
    texts["audit"] = str(client.get(url("meeting_draw_audit", meeting)).status_code)
    facilitator = set(
        Facilitator.objects.filter(territory=meeting.territory).values_list(
            "user__email", flat=True
        )
    )
    for number, message in enumerate(mail.outbox):
        if set(message.to) & facilitator:
            texts[f"email {number}"] = f"{message.subject}\n{message.body}"
    return texts


def her_categories_in(text: str) -> list[str]:
    """Marks in `text` that would tell Marie's categories apart from the men's."""
    marks = ["75+", "gender=woman", "woman,", ",woman", "occupation=7", "age_bracket=75"]
    return [mark for mark in marks if mark in text]


# --- The curious facilitator ---------------------------------------------------------------


def test_before_the_day_a_facilitator_never_sees_her_name(
    drawn: tuple[Meeting, Application], client_as: ClientAs
) -> None:
    meeting, marie = drawn
    texts = everything_a_facilitator_fetches(client_as("facilitator"), meeting)
    assert [name for name, text in texts.items() if MARIE in text] == []
    assert texts["audit"] == "403"  # the exact files are not theirs
    for name in PER_PERSON_FILES:
        assert her_categories_in(texts[name]) == [], name


def test_on_the_day_her_name_is_at_the_door_but_nothing_ties_it_to_a_category(
    drawn: tuple[Meeting, Application], client_as: ClientAs, settings: Any
) -> None:
    meeting, marie = drawn
    settings.MEETING_NAMES_HOURS_BEFORE = THE_DAY
    waitlist.confirm_seat(marie)
    texts = everything_a_facilitator_fetches(client_as("facilitator"), meeting)
    assert MARIE in texts["meeting_seats_manage"]
    assert MARIE in texts["meeting_day_checkin"]
    # Wherever her name or her pseudonym shows, none of her categories does.
    for name, text in texts.items():
        if MARIE in text or marie.pseudonym in text:
            assert her_categories_in(text) == [], name
    # No page names her pseudonym: the public files' pseudonyms lead to nobody.
    pages = {k: v for k, v in texts.items() if k not in PUBLIC_FILES}
    assert not any(marie.pseudonym in text for text in pages.values())


def test_on_the_day_her_giving_back_her_seat_does_not_say_which_quota_broke(
    drawn: tuple[Meeting, Application],
    client_as: ClientAs,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting, marie = drawn
    settings.MEETING_NAMES_HOURS_BEFORE = THE_DAY
    client = client_as("facilitator")
    before = client.get(url("meeting_seats_manage", meeting)).content.decode()
    assert MARIE in before
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        waitlist.decline_seat(marie)  # nobody else is a woman: plain order, quota broken
    with_names_after = client.get(url("meeting_seats_manage", meeting)).content.decode()
    assert MARIE not in with_names_after  # she left the door's list...
    assert 'data-broken="hidden"' in with_names_after  # ...and the quotas are not named
    assert her_categories_in(with_names_after) == []
    assert "A woman" not in with_names_after  # nor by its label (quotas are named by labels)
    warnings = [m for m in mail.outbox if "fiona@example.org" in m.to]
    assert warnings and all("woman" not in m.body and "femme" not in m.body for m in warnings)


def test_the_quota_page_hides_counts_a_total_would_reveal(client_as: ClientAs, cast: Cast) -> None:
    """24 men and 1 woman among 25: "24" beside "fewer than 11" would say 1 woman."""
    meeting, _ = town(cast)  # seed published, not drawn: the page still counts applicants
    page = client_as("facilitator").get(url("meeting_quotas", meeting)).content.decode()
    for value in ["woman", "man", "other", UNDISCLOSED]:
        start = page.index(f'data-quota="gender={value}"')
        cell = page[start : page.index("</tr>", start)]
        shown = cell[cell.index("<td data-applicants>") :].split("</td>")[0]
        assert not any(ch.isdigit() for ch in shown.replace("11", "")), (value, shown)


# --- The anonymous visitor -----------------------------------------------------------------


def test_anonymous_cannot_single_her_out_from_the_public_files(
    drawn: tuple[Meeting, Application],
) -> None:
    meeting, marie = drawn
    client = Client()
    files = {name: client.get(url(name, meeting)).content.decode() for name in PUBLIC_FILES}
    for name in PER_PERSON_FILES:
        assert her_categories_in(files[name]) == [], name
    pool = list(csv.DictReader(io.StringIO(files["meeting_draw_pool"])))
    assert set(pool[0]) == {"id", "entry_sha256"}
    panel = json.loads(files["meeting_draw_panel"])
    assert not {"types", "compositions", "composition", "probabilities"} & set(panel)
    assert not {"inputs_sha256", "cannot_be_selected", "ticket"} & set(panel)
    # Trying every combination of categories (and the obvious salts) finds nobody.
    criteria = balance_criteria(meeting)
    options = [[o["value"] for o in c.options] + [UNDISCLOSED] for c in criteria]
    guesses = {
        entry_digest(salt, row["id"], dict(zip([c.key for c in criteria], combo, strict=True)))
        for row in pool
        for combo in itertools.product(*options)
        for salt in ["", row["id"], str(meeting.draw_seed)]
    }
    assert not guesses & {row["entry_sha256"] for row in pool}
    # Counts: "<11" below 11, and no small count can be computed back from the total.
    counts = list(csv.DictReader(io.StringIO(files["meeting_draw_counts"])))
    for column, total in [("applicants", len(pool)), ("drawn", SEATS)]:
        for criterion in {row["criterion"] for row in counts}:
            cells = [row[column] for row in counts if row["criterion"] == criterion]
            assert all(cell == "<11" or int(cell) >= 11 for cell in cells)
            rest = total - sum(int(cell) for cell in cells if cell != "<11")
            # hidden cells add up to nothing, to the (public) total, or to 11 or more
            assert rest in (0, total) or rest >= 11, (criterion, column, cells)
    assert client.get(url("meeting_draw_audit", meeting)).status_code == 302  # to login


def test_only_an_administrator_gets_the_exact_files(
    drawn: tuple[Meeting, Application], client_as: ClientAs
) -> None:
    meeting, _ = drawn
    assert client_as("facilitator").get(url("meeting_draw_audit", meeting)).status_code == 403
    assert client_as("participant").get(url("meeting_draw_audit", meeting)).status_code == 403
    other = client_as("other_facilitator").get(url("meeting_draw_audit", meeting))
    assert other.status_code == 403
    assert client_as("admin").post(url("meeting_draw_audit", meeting)).status_code == 405
    response = client_as("admin").get(url("meeting_draw_audit", meeting))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


# --- After she deletes her account ---------------------------------------------------------


def audit_files(client: Client, meeting: Meeting, folder: Path) -> dict[str, Path]:
    with zipfile.ZipFile(io.BytesIO(client.get(url("meeting_draw_audit", meeting)).content)) as z:
        z.extractall(folder)
    public = Client().get(url("meeting_draw_pool", meeting)).content
    (folder / "public-pool.csv").write_bytes(public)
    return {name: folder / name for name in z.namelist() + ["public-pool.csv"]}


def run_cli(files: dict[str, Path], *extra: str) -> int:
    return cli.main(
        [
            str(files["pool.csv"]),
            str(files["quotas.csv"]),
            "--seats",
            str(SEATS),
            "--verify",
            str(files["panel.json"]),
            *extra,
        ]
    )


def test_after_she_deletes_her_account_the_public_files_hold_nothing_of_her(
    drawn: tuple[Meeting, Application], client_as: ClientAs, capsys: Any
) -> None:
    meeting, marie = drawn
    pseudonym = marie.pseudonym
    client = Client()
    before = {name: client.get(url(name, meeting)).content.decode() for name in PUBLIC_FILES}
    assert pseudonym in before["meeting_draw_pool"] and pseudonym in before["meeting_draw_panel"]
    delete_account(marie.user)
    meeting.refresh_from_db()
    after = {name: client.get(url(name, meeting)).content.decode() for name in PUBLIC_FILES}
    assert [name for name, text in after.items() if pseudonym in text] == []
    assert after["meeting_draw_counts"] == before["meeting_draw_counts"]  # aggregates, <11
    # What verifiability keeps, for auditors only: her entry's categories under a
    # pseudonym now tied to nobody (the rerun needs every entry), and no salt.
    with tempfile.TemporaryDirectory() as folder:
        files = audit_files(client_as("admin"), meeting, Path(folder))
        assert pseudonym in files["pool.csv"].read_text()
        assert pseudonym not in files["salts.csv"].read_text()
        capsys.readouterr()
        assert run_cli(files) == 0
        assert "OK: the draw is reproduced bit for bit" in capsys.readouterr().out
        assert (
            run_cli(
                files,
                "--entries",
                str(files["public-pool.csv"]),
                "--salts",
                str(files["salts.csv"]),
            )
            == 1
        )
        out = capsys.readouterr().out
        assert f"{pseudonym}: no salt (entry erased?)" in out
        assert "the draw is reproduced, but not every entry was checked" in out


def test_every_other_entry_is_checked_by_the_auditor(
    drawn: tuple[Meeting, Application], client_as: ClientAs, capsys: Any
) -> None:
    meeting, _ = drawn
    with tempfile.TemporaryDirectory() as folder:
        files = audit_files(client_as("admin"), meeting, Path(folder))
        capsys.readouterr()
        entries = ["--entries", str(files["public-pool.csv"]), "--salts", str(files["salts.csv"])]
        assert run_cli(files, *entries) == 0
        assert "OK: 25 entries match the published commitments" in capsys.readouterr().out


# --- Sensitive questions never reach the files ---------------------------------------------


def sensitive(cast: Cast) -> Criterion:
    criterion = Criterion.objects.filter(territory=cast.territory, key="engagement").first()
    assert criterion is not None
    Criterion.objects.filter(pk=criterion.pk).update(sensitive=True)
    criterion.refresh_from_db()
    return criterion


def test_publishing_refuses_a_sensitive_criterion_even_if_one_slips_through(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = make_meeting(cast, seats=2)
    engagement = sensitive(cast)
    slipped = [*balance_criteria(meeting), engagement]
    monkeypatch.setattr(seed, "balance_criteria", lambda meeting: slipped)
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(seed.SensitiveCriterion, match="engagement"):
        seed.publish_seed(meeting, seed=1)
    meeting.refresh_from_db()
    assert meeting.seed_published_at is None and meeting.published_pool == []


def test_no_file_is_served_with_a_sensitive_criterion(
    drawn: tuple[Meeting, Application], cast: Cast, client_as: ClientAs
) -> None:
    meeting, _ = drawn
    sensitive(cast)
    quotas = [
        *meeting.published_quotas,
        {"criterion": "engagement", "value": "x", "min": 0, "max": SEATS},
    ]
    pool = [{**row, "engagement": "x"} for row in meeting.published_pool]
    Meeting.objects.filter(pk=meeting.pk).update(published_quotas=quotas, published_pool=pool)
    client = Client()
    for name in [
        "meeting_draw_pool",
        "meeting_draw_panel",
        "meeting_draw_quotas",
        "meeting_draw_counts",
    ]:
        response = client.get(url(name, meeting))
        assert response.status_code == 404, name
        assert b"engagement" not in response.content
    assert client_as("admin").get(url("meeting_draw_audit", meeting)).status_code == 404


def test_entries_frozen_before_salts_existed_stay_public_without_a_fingerprint(
    drawn: tuple[Meeting, Application],
) -> None:
    meeting, marie = drawn
    Application.objects.filter(meeting=meeting).update(entry_salt="")
    client = Client()
    pool = list(csv.DictReader(io.StringIO(client.get(url("meeting_draw_pool", meeting)).text)))
    assert len(pool) == 25 and {row["entry_sha256"] for row in pool} == {""}
    panel = client.get(url("meeting_draw_panel", meeting)).json()
    assert marie.pseudonym in panel["panel"] and len(panel["panel"]) == SEATS
