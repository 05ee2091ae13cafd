"""The draw, proved through the web app: quotas hold in the drawn panel, the stored
probabilities add up to the seats, and `tierslien-draw` run on the auditor's exact files
(the administrator's audit.zip) checks every entry against the public commitments
downloaded anonymously and reproduces the stored panel (and the waiting list follows
the published rule)."""

from __future__ import annotations

import datetime
import io
import itertools
import json
import random
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast, make_user, sign_in
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.gatherings.meetings.seats import applications
from tierslien.gatherings.meetings.seats.applications import UNDISCLOSED, balance_criteria
from tierslien.gatherings.meetings.seats.waitlist import waitlist_order
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lottery import cli

pytestmark = pytest.mark.django_db

numbers = itertools.count()


def url(name: str, meeting: Meeting) -> str:
    return reverse(name, args=[meeting.territory.slug, meeting.pk])


def crowd(meeting: Meeting, count: int, rng: random.Random) -> None:
    criteria = balance_criteria(meeting)
    for _ in range(count):
        k = next(numbers)
        user = make_user(f"verify{k}@example.org", f"Verify {k}")
        answers = {c.key: rng.choice(c.options)["value"] for c in criteria if rng.random() < 0.85}
        applications.apply(meeting, user, answers=answers)


def run_through_the_site(
    cast: Cast,
    client: Client,
    capture: Any,
    *,
    applicants: int,
    seats: int,
    seed: int,
    tightness: float,
    rng: random.Random,
) -> tuple[Meeting, dict[str, str]]:
    """A meeting, its applicants, quotas posted on the quota page (the nearest feasible ones
    adopted if needed), the seed and the draw through the facilitator's pages; returns
    the meeting and the files: the public ones downloaded anonymously, the exact ones from
    the administrator's audit bundle."""
    meeting = make_meeting(cast, seats=seats, theme=f"Verify {next(numbers)}")
    crowd(meeting, applicants, rng)
    form = client.get(url("meeting_quotas", meeting)).context["form"]
    posted = {}
    for line in form.lines:
        low_name, high_name = form.names(line)
        share = line.applicants / applicants
        low = int(max(0, share - tightness) * seats)
        high = min(seats, int(round((share + tightness) * seats + 0.5)))
        posted[low_name], posted[high_name] = low, max(low, high)
    assert client.post(url("meeting_quotas", meeting), posted).status_code == 302
    client.post(url("meeting_quotas_adopt", meeting))
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_closes=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(
        url("meeting_seed_publish", meeting),
        {"source": "public", "seed": str(seed), "description": "test"},
    )
    assert response.status_code == 302
    with capture(execute=True):
        client.post(url("meeting_draw_start", meeting))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.ALLOCATED, meeting.draw_error
    anonymous = Client()
    admin = sign_in(Client(), cast.admin)
    bundle = admin.get(url("meeting_draw_audit", meeting))
    assert bundle.status_code == 200, bundle.status_code
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    files |= {
        "public-pool.csv": anonymous.get(url("meeting_draw_pool", meeting)).content.decode(),
        "quotas.csv": anonymous.get(url("meeting_draw_quotas", meeting)).content.decode(),
        "seed.txt": anonymous.get(url("meeting_draw_seed", meeting)).content.decode(),
        "public-panel.json": anonymous.get(url("meeting_draw_panel", meeting)).content.decode(),
    }
    return meeting, files


def check_everything(meeting: Meeting, files: dict[str, str], capsys: Any) -> None:
    rows = list(Application.objects.filter(meeting=meeting))
    selected = [a for a in rows if a.status == ApplicationStatus.SELECTED]
    # Quotas hold in the drawn panel (categories from the applicants' own answers).
    criteria = balance_criteria(meeting)
    counts: Counter[tuple[str, str]] = Counter()
    for application in selected:
        for criterion in criteria:
            counts[(criterion.key, applications.category(criterion, application.answers))] += 1
    for quota in meeting.published_quotas:
        got = counts[(quota["criterion"], quota["value"])]
        assert quota["min"] <= got <= quota["max"], quota
    assert len(selected) == meeting.seats
    # The stored probabilities add up to the seats.
    assert sum(a.probability for a in rows) == pytest.approx(meeting.seats, abs=1e-6)
    # The published files reproduce the stored panel, bit for bit.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
        common = [str(path / "pool.csv"), str(path / "quotas.csv"), "--seats", str(meeting.seats)]
        capsys.readouterr()
        entries = ["--entries", str(path / "public-pool.csv"), "--salts", str(path / "salts.csv")]
        assert cli.main([*common, "--verify", str(path / "panel.json"), *entries]) == 0
        out = capsys.readouterr().out
        assert f"OK: {len(rows)} entries match the published commitments" in out
        assert "OK: the draw is reproduced bit for bit" in out
        seed = files["seed.txt"].strip()
        rerun = path / "rerun.json"
        assert cli.main([*common, "--seed", seed, "-o", str(rerun), "-q"]) == 0
        capsys.readouterr()
        again = json.loads(rerun.read_text(encoding="utf-8"))
    assert again["panel"] == meeting.published_panel == sorted(a.pseudonym for a in selected)
    by_pseudonym = {a.pseudonym: a for a in rows}
    for ident, probability in again["probabilities"].items():
        assert by_pseudonym[ident].probability == pytest.approx(probability, abs=1e-9)
    # The waiting list follows the published rule.
    waiting = sorted(
        (a for a in rows if a.status == ApplicationStatus.WAITLISTED),
        key=lambda a: a.waitlist_rank,
    )
    assert [a.pseudonym for a in waiting] == waitlist_order(
        int(seed), [a.pseudonym for a in waiting]
    )
    # The public files hold no category: pseudonyms and commitments, the panel drawn.
    assert files["public-pool.csv"].splitlines()[0] == "id,entry_sha256"
    assert json.loads(files["public-panel.json"])["panel"] == meeting.published_panel
    # The exact pool: pseudonyms and the meeting's categories only.
    header = files["pool.csv"].splitlines()[0].split(",")
    assert header == ["id", *[c.key for c in criteria]]
    allowed = {c.key: {o["value"] for o in c.options} | {UNDISCLOSED} for c in criteria}
    for line in files["pool.csv"].splitlines()[1:]:
        ident, *cells = line.split(",")
        assert ident in by_pseudonym
        assert all(cell in allowed[key] for key, cell in zip(header[1:], cells, strict=True))


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    applicants=st.integers(6, 24),
    seats=st.integers(2, 5),
    seed=st.integers(0, 2**63 - 1),
    tightness=st.sampled_from([0.0, 0.05, 0.2]),
    shuffle=st.integers(0, 10**6),
)
def test_the_published_files_reproduce_the_draw(
    cast: Cast,
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    capsys: Any,
    applicants: int,
    seats: int,
    seed: int,
    tightness: float,
    shuffle: int,
) -> None:
    meeting, files = run_through_the_site(
        cast,
        client_as("facilitator"),
        django_capture_on_commit_callbacks,
        applicants=max(applicants, seats + 1),
        seats=seats,
        seed=seed,
        tightness=tightness,
        rng=random.Random(shuffle),
    )
    check_everything(meeting, files, capsys)


def test_a_larger_meeting_reproduces_too(
    cast: Cast, client_as: Any, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    meeting, files = run_through_the_site(
        cast,
        client_as("facilitator"),
        django_capture_on_commit_callbacks,
        applicants=60,
        seats=12,
        seed=20261201,
        tightness=0.05,
        rng=random.Random(4),
    )
    check_everything(meeting, files, capsys)
