"""The iCalendar writer against the RFC 5545 rules it promises."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierslien.lib.ical import CRLF, Event, calendar, escape_text, fold, unfold, utc_stamp

PARIS = ZoneInfo("Europe/Paris")
STAMP = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def event(**overrides: object) -> Event:
    values: dict[str, object] = {
        "uid": "circle-1-session-1@tierslien.example",
        "starts_at": datetime.datetime(2026, 12, 1, 19, 0, tzinfo=PARIS),
        "ends_at": datetime.datetime(2026, 12, 1, 20, 30, tzinfo=PARIS),
        "summary": "Circle 1",
    } | overrides
    return Event(**values)  # type: ignore[arg-type]


def test_calendar_has_one_vevent_per_event_with_uid_and_dtstamp() -> None:
    text = calendar([event(), event(uid="second@x")], stamp=STAMP)
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")
    assert "UID:second@x" in lines
    assert lines.count("DTSTAMP:20261101T090000Z") == 2


def test_times_are_written_in_utc() -> None:
    lines = unfold(calendar([event()], stamp=STAMP))
    assert "DTSTART:20261201T180000Z" in lines  # 19:00 in Paris in winter
    assert "DTEND:20261201T193000Z" in lines


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        utc_stamp(datetime.datetime(2026, 1, 1, 10, 0))  # noqa: DTZ001


def test_every_line_ends_with_crlf() -> None:
    text = calendar([event(description="a\nb")], stamp=STAMP)
    assert text.endswith(CRLF)
    assert "\n" not in text.replace(CRLF, "")


def test_text_is_escaped() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    lines = unfold(calendar([event(location="1, place; Mairie")], stamp=STAMP))
    assert "LOCATION:1\\, place\\; Mairie" in lines


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    summary = "Cercle é" * 40
    text = calendar([event(summary=summary)], stamp=STAMP)
    for line in text.split(CRLF):
        assert len(line.encode("utf-8")) <= 75
    assert f"SUMMARY:{summary}" in unfold(text)


@settings(max_examples=50, deadline=None)
@given(st.text())
def test_folding_round_trips_and_respects_the_octet_limit(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    folded = fold(line)
    for part in folded.split(CRLF):
        assert len(part.encode("utf-8")) <= 75
    assert unfold(folded + CRLF) == [line]
