"""Who came: the member's sheet, the relay's and the facilitator's registers; never shown
to members; the funnel per social world, suppressed, frozen by the purge."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast, make_user
from tierslien.accounts.models import User
from tierslien.circles.models import Circle, Membership, MembershipStatus, Registration, Season
from tierslien.feedback.models import SeasonTally
from tierslien.feedback.purge import purge_season
from tierslien.feedback.report import build_report, report_csv
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.spaces.models import PactAcceptance, Presence, RecordedBy

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=2))  # Paris in October (summer time)
FIRST = datetime.datetime(2026, 10, 6, 19, 0, tzinfo=PARIS)  # Tuesday, session 1
AFTER_FIRST = FIRST + datetime.timedelta(hours=2)


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    people = [u.pk for u in cast.roles().values() if u] + [cast.co_member.pk]
    User.objects.filter(pk__in=people).update(language="en")


@pytest.fixture
def circle(cast: Cast, time_machine: Any) -> Circle:
    time_machine.move_to(AFTER_FIRST, tick=False)
    season = Season.objects.create(
        territory=cast.territory,
        name="Autumn circles",
        registration_opens=datetime.date(2026, 9, 1),
        registration_closes=datetime.date(2026, 9, 20),
        first_week=datetime.date(2026, 10, 5),
        sessions=4,
        state="running",
    )
    made = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    for person in (cast.participant, cast.co_member, cast.registered):
        Membership.objects.create(circle=made, user=person, status=MembershipStatus.CONFIRMED)
        PactAcceptance.objects.create(circle=made, user=person, accepted_at=AFTER_FIRST)
    return made


def _marks(circle: Circle) -> dict[int, bool]:
    return dict(Presence.objects.filter(circle=circle, session=1).values_list("user_id", "came"))


def _sheet(circle: Circle, marks: dict[int, str]) -> dict[str, str]:
    return {f"m-{user_id}-0": mark for user_id, mark in marks.items()}


# --- Recording ---


def test_a_member_fills_the_sheet_once_and_reads_only_thank_you(
    circle: Circle, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("participant")
    url = reverse("circle_presence", args=[circle.pk])
    page = alice.get(url).content.decode()
    assert "Bob" in page and 'name="m-' in page
    response = alice.post(
        url,
        _sheet(
            circle,
            {cast.participant.pk: "came", cast.co_member.pk: "absent", cast.registered.pk: "came"},
        ),
        follow=True,
    )
    html = response.content.decode()
    assert "Recorded, thank you." in html
    assert 'name="m-' not in html and "Was there" not in html  # the sheet is not shown back
    assert _marks(circle) == {
        cast.participant.pk: True,
        cast.co_member.pk: False,
        cast.registered.pk: True,
    }
    assert set(Presence.objects.values_list("recorded_by", flat=True)) == {RecordedBy.MEMBER}
    # Once filled, the sheet is closed to every member: a second one changes nothing.
    bob = _signed_in(cast.co_member)
    bob.post(url, _sheet(circle, {cast.co_member.pk: "came"}))
    assert _marks(circle)[cast.co_member.pk] is False


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_members_sheet_never_overrides_a_relay_or_a_facilitator(
    circle: Circle, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    Presence.objects.create(
        circle=circle,
        user=cast.registered,
        session=1,
        came=False,
        recorded_by=RecordedBy.RELAY,
        recorded_at=AFTER_FIRST,
    )
    client_as("participant").post(
        reverse("circle_presence", args=[circle.pk]),
        _sheet(circle, {cast.registered.pk: "came", cast.co_member.pk: "came"}),
    )
    assert _marks(circle) == {cast.registered.pk: False, cast.co_member.pk: True}


def test_no_sheet_before_a_session_nor_a_week_after(
    circle: Circle, client_as: Callable[[str], Client], time_machine: Any
) -> None:
    url = reverse("circle_presence", args=[circle.pk])
    time_machine.move_to(FIRST - datetime.timedelta(hours=1), tick=False)
    assert 'name="m-' not in client_as("participant").get(url).content.decode()
    time_machine.move_to(FIRST + datetime.timedelta(days=6, hours=23), tick=False)
    assert 'name="m-' in client_as("participant").get(url).content.decode()
    last = FIRST + datetime.timedelta(days=21)
    time_machine.move_to(last + datetime.timedelta(days=8), tick=False)
    assert 'name="m-' not in client_as("participant").get(url).content.decode()


def test_the_relay_records_for_their_person_only(
    circle: Circle, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    rosa = client_as("relay")
    url = reverse("relay_person_presence", args=[cast.territory.slug, cast.registered.pk])
    page = rosa.get(url).content.decode()
    assert "Autumn circles, session 1" in page and "session 2" not in page  # not held yet
    rosa.post(url, {f"p-{circle.pk}-1": "came"})
    row = Presence.objects.get(user=cast.registered)
    assert (row.session, row.came, row.recorded_by) == (1, True, RecordedBy.RELAY)
    # Someone the relay did not register: a 404, for the page and for writing.
    other = reverse("relay_person_presence", args=[cast.territory.slug, cast.participant.pk])
    assert rosa.get(other).status_code == 404
    assert rosa.post(other, {f"p-{circle.pk}-1": "came"}).status_code == 404
    assert not Presence.objects.filter(user=cast.participant).exists()


def test_the_facilitator_keeps_the_register(
    circle: Circle, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    fiona = client_as("facilitator")
    url = reverse("manage_circle_presence", args=[cast.territory.slug, circle.season_id, circle.pk])
    assert fiona.get(url).status_code == 200
    fiona.post(
        url,
        {
            f"p-{cast.participant.pk}-1": "came",
            f"p-{cast.co_member.pk}-1": "absent",
            f"p-{cast.registered.pk}-1": "unknown",
            f"p-{cast.participant.pk}-2": "came",
        },
    )
    assert _marks(circle) == {cast.participant.pk: True, cast.co_member.pk: False}
    assert Presence.objects.filter(session=2, recorded_by=RecordedBy.FACILITATOR).count() == 1
    # The register shows what was recorded (to facilitators only).
    html = fiona.get(url).content.decode()
    assert re.search(rf'name="p-{cast.co_member.pk}-1" value="absent"[^>]*checked', html)
    # Back to "not known": the row goes.
    fiona.post(url, {f"p-{cast.co_member.pk}-1": "unknown"})
    assert cast.co_member.pk not in _marks(circle)


def test_a_co_members_pages_never_reveal_who_came(
    circle: Circle, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    bob = _signed_in(cast.co_member)
    pages = [
        reverse(name, args=[circle.pk])
        for name in ("circle_home", "circle_sessions", "circle_presence")
    ]

    def seen() -> list[str]:
        out = []
        for url in pages:
            html = bob.get(url).content.decode()
            out.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html))
        return out

    nothing = seen()
    for came in (True, False):
        Presence.objects.update_or_create(
            circle=circle,
            user=cast.participant,
            session=1,
            defaults={"came": came, "recorded_by": RecordedBy.FACILITATOR, "recorded_at": FIRST},
        )
        assert seen() == nothing


def test_leaving_the_circle_removes_ones_presence(circle: Circle, cast: Cast) -> None:
    from tierslien.spaces.services import leave_circle

    Presence.objects.create(
        circle=circle, user=cast.co_member, session=1, came=True, recorded_by="member",
        recorded_at=FIRST,
    )  # fmt: skip
    leave_circle(circle, cast.co_member)
    assert not Presence.objects.filter(user=cast.co_member).exists()


# --- The funnel ---

# Answers to a non-sensitive question: (value, registered, came to the first, to the last).
WORLDS = [("a", 24, 22, 15), ("b", 14, 12, 5), ("c", 3, 2, 1)]


@pytest.fixture
def crowd(cast: Cast, circle: Circle) -> Season:
    """41 people registered, placed and confirmed; who came differs per world."""
    season = circle.season
    job = Criterion.objects.create(
        territory=cast.territory,
        key="job",
        label="Job",
        kind="categorical",
        options=[{"value": v, "label": f"Job {v}"} for v, *_ in WORLDS],
    )
    belief = Criterion.objects.create(
        territory=cast.territory,
        key="belief",
        label="Belief",
        kind="categorical",
        sensitive=True,
        options=[{"value": "x", "label": "Xism"}, {"value": "y", "label": "Yism"}],
    )
    Membership.objects.filter(circle=circle).delete()
    n = 0
    for value, registered, first, last in WORLDS:
        for k in range(registered):
            n += 1
            user = make_user(f"crowd{n}@example.org", f"Crowd {n}")
            Registration.objects.create(season=season, user=user, max_km=5)
            Membership.objects.create(circle=circle, user=user, status=MembershipStatus.CONFIRMED)
            portrait = Portrait.objects.create(
                user=user, territory=cast.territory, sector=cast.sector
            )
            Answer.objects.create(portrait=portrait, criterion=job, value=value)
            Answer.objects.create(portrait=portrait, criterion=belief, value="x" if k % 2 else "y")
            for session, came in ((1, k < first), (season.sessions, k < last)):
                Presence.objects.create(
                    circle=circle,
                    user=user,
                    session=session,
                    came=came,
                    recorded_by=RecordedBy.MEMBER,
                    recorded_at=FIRST,
                )
    return season


def _counts(line: Any) -> list[int | None]:
    return [cell.count for cell in line.cells]


def test_the_funnel_overall_and_per_world_with_suppression(crowd: Season) -> None:
    funnel = build_report(crowd).funnel
    assert funnel is not None
    assert _counts(funnel.overall) == [41, 41, 41, 36, 21]
    job = next(g for g in funnel.groups if g.title == "Job")
    lines = {line.label: _counts(line) for line in job.lines}
    # "c" is under 11 at every stage; "b" is hidden with it wherever "c" alone would follow
    # from the total; the "no answer" line (0 people) protects nothing.
    assert lines["Job a"] == [24, 24, 24, 22, 15]
    assert lines["Job b"] == [None, None, None, None, None]
    assert lines["Job c"] == [None, None, None, None, None]
    a = next(line for line in job.lines if line.label == "Job a")
    assert a.cells[3].percent == 92 and funnel.overall.cells[3].percent == 88
    assert any("Job a" in s and "92 %" in s and "88 %" in s for s in funnel.sentences)
    assert not any("Job b" in s or "Job c" in s for s in funnel.sentences)


def test_a_sensitive_criterion_never_shows_and_changes_no_byte(crowd: Season, cast: Cast) -> None:
    before = report_csv(crowd, build_report(crowd))
    assert "Belief" not in before and "Xism" not in before and "Yism" not in before
    Answer.objects.filter(criterion__key="belief").update(value="x")
    assert report_csv(crowd, build_report(crowd)) == before


def test_the_report_page_shows_the_funnel(
    crowd: Season, cast: Cast, client_as: Callable[[str], Client]
) -> None:
    url = reverse("manage_season_report", args=[cast.territory.slug, crowd.pk])
    html = client_as("facilitator").get(url).content.decode()
    assert "Came to the first session" in html and "Job a" in html and "Belief" not in html
    csv_url = reverse("manage_season_report_csv", args=[cast.territory.slug, crowd.pk])
    csv = client_as("facilitator").get(csv_url).content.decode()
    assert "Turnout: Job" in csv


def test_the_purge_keeps_only_the_anonymous_funnel(crowd: Season) -> None:
    before = build_report(crowd).funnel
    Season.objects.filter(pk=crowd.pk).update(state="closed")
    crowd.refresh_from_db()
    purge_season(crowd)
    crowd.refresh_from_db()
    assert crowd.state == "purged"
    assert not Presence.objects.filter(circle__season=crowd).exists()
    assert not Registration.objects.filter(season=crowd).exists()
    tally = SeasonTally.objects.get(season=crowd)
    assert tally.came == {"1": 36, "4": 21}
    assert build_report(crowd).funnel == before
    assert "crowd" not in str(tally.funnel).lower()


# --- Evenings ---


def test_the_facilitator_corrects_an_evenings_check_in(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    from tierslien.gatherings.models import Attendee, Evening

    evening = Evening.objects.create(territory=cast.territory, venue=cast.venue, starts_at=FIRST)
    came = Attendee.objects.create(evening=evening, first_name="Ana", checked_in_at=FIRST)
    mistaken = Attendee.objects.create(evening=evening, first_name="Ben", checked_in_at=FIRST)
    fiona = client_as("facilitator")
    url = reverse("manage_evening_presence", args=[cast.territory.slug, evening.pk])
    assert "Ana" in fiona.get(url).content.decode()
    fiona.post(url, {f"a-{mistaken.pk}-0": "absent", f"a-{came.pk}-0": "came"})
    mistaken.refresh_from_db()
    came.refresh_from_db()
    assert (came.came, mistaken.came) == (True, False)
    assert mistaken.checked_in_at == FIRST  # the door's record stays
