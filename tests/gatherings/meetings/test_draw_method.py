"""The draw method of a meeting: leximin by default, maximin when chosen or when the pool is
too large for leximin in time (said on the page); the published record names it and
`tierslien-draw --verify` reproduces a leximin draw made through the web app."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.cast import Cast
from tests.gatherings.meetings.conftest import make_meeting
from tests.gatherings.meetings.test_draw_verification import crowd, run_through_the_site, url
from tierslien.accounts.models import User
from tierslien.gatherings.meetings.seats import draw
from tierslien.gatherings.meetings.seats.seed import published_problem
from tierslien.gatherings.models import DrawMethod, Meeting
from tierslien.lottery import MaximinParams, SelectParams, cli, leximin, rng_for_seed, select

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(cast: Cast) -> Iterator[None]:
    """The sentences below are checked in English (the facilitator reads English)."""
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    with translation.override("en"):
        yield


def _verify(meeting: Meeting, files: dict[str, str], capsys: Any) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
        capsys.readouterr()
        code = cli.main(
            [
                str(path / "pool.csv"),
                str(path / "quotas.csv"),
                "--seats",
                str(meeting.seats),
                "--verify",
                str(path / "panel.json"),
                "--entries",
                str(path / "public-pool.csv"),
                "--salts",
                str(path / "salts.csv"),
            ]
        )
        out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_a_leximin_draw_through_the_site_is_reproduced_by_the_cli(
    cast: Cast, client_as: Any, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    meeting, files = run_through_the_site(
        cast,
        client_as("facilitator"),
        django_capture_on_commit_callbacks,
        applicants=40,
        seats=8,
        seed=20261203,
        tightness=0.05,
        rng=random.Random(7),
    )
    assert meeting.draw_method == DrawMethod.LEXIMIN and meeting.draw_method_note == ""
    published = json.loads(files["panel.json"])
    assert published["objective"] == "leximin"
    # The public panel.json names the method by its number (a leximin's).
    assert json.loads(files["public-panel.json"])["method"] == published["method"]
    assert published["method"] in leximin.METHODS
    out = _verify(meeting, files, capsys)
    assert "OK: the draw is reproduced bit for bit" in out
    # The same smallest chance as the maximin of the same pool and quotas.
    problem = published_problem(meeting)
    assert problem is not None and meeting.draw_seed is not None
    maximin = select(problem, rng=rng_for_seed(meeting.draw_seed), params=SelectParams())
    assert float(maximin.lottery.min_probability) == pytest.approx(
        published["min_probability"], abs=1e-6
    )
    page = client_as("facilitator").get(url("meeting_seats_manage", meeting))
    assert 'data-drawn-with="leximin"' in page.content.decode()


def test_the_facilitator_chooses_maximin_before_the_seed(
    cast: Cast, client_as: Any, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    client = client_as("facilitator")
    meeting = make_meeting(cast, seats=4)
    page = client.get(url("meeting_quotas", meeting)).content.decode()
    assert "also raises the second-lowest chances" in page
    assert (
        client.post(url("meeting_draw_method", meeting), {"method": "maximin"}).status_code == 302
    )
    meeting.refresh_from_db()
    assert meeting.draw_method == DrawMethod.MAXIMIN
    # Nothing else than the two methods.
    client.post(url("meeting_draw_method", meeting), {"method": "random"})
    meeting.refresh_from_db()
    assert meeting.draw_method == DrawMethod.MAXIMIN


def test_maximin_is_drawn_with_the_reason_when_the_pool_is_too_large(
    cast: Cast,
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(draw, "LEXIMIN_MAX_POOL", 10)
    client = client_as("facilitator")
    meeting, files = run_through_the_site(
        cast,
        client,
        django_capture_on_commit_callbacks,
        applicants=20,
        seats=5,
        seed=42,
        tightness=0.2,
        rng=random.Random(3),
    )
    assert meeting.draw_method == DrawMethod.LEXIMIN
    assert meeting.draw_method_note == draw.LARGE_POOL
    assert "objective" not in json.loads(files["panel.json"])  # a maximin record
    assert "OK: the draw is reproduced bit for bit" in _verify(meeting, files, capsys)
    page = client.get(url("meeting_seats_manage", meeting)).content.decode()
    assert 'data-drawn-with="maximin"' in page and "data-method-note" in page
    assert "with 20 applicants" in page


def test_the_method_is_frozen_with_the_seed(
    cast: Cast, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client: Client = client_as("facilitator")
    meeting = make_meeting(cast, seats=3)
    crowd(meeting, 6, random.Random(1))
    from django.utils import timezone

    Meeting.objects.filter(pk=meeting.pk).update(seed_published_at=timezone.now(), draw_seed=1)
    client.post(url("meeting_draw_method", meeting), {"method": "maximin"})
    meeting.refresh_from_db()
    assert meeting.draw_method == DrawMethod.LEXIMIN
    assert 'data-method="frozen"' in client.get(url("meeting_quotas", meeting)).content.decode()


def test_maximin_params_stay_reproducible() -> None:
    # The draw passes no time limit to leximin: a rerun finds the same lottery.
    assert SelectParams(MaximinParams(), objective="leximin").leximin.time_limit is None
