"""The job helper: stalls, retries, throttle and heartbeat (no database)."""

from __future__ import annotations

import datetime
import threading

import pytest

from tierslien.lib import jobs

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def test_a_running_job_is_stalled_after_its_silence_a_queued_one_later() -> None:
    minute = datetime.timedelta(minutes=1)
    kw = {"stalled_after": 3 * minute, "queued_too_long": 30 * minute}
    assert not jobs.is_stalled("running", NOW - 2 * minute, NOW, **kw)
    assert jobs.is_stalled("running", NOW - 4 * minute, NOW, **kw)
    assert not jobs.is_stalled("queued", NOW - 4 * minute, NOW, **kw)
    assert jobs.is_stalled("queued", NOW - 31 * minute, NOW, **kw)
    assert jobs.is_stalled("running", None, NOW, **kw)
    for state in ("idle", "done", "failed", ""):
        assert not jobs.is_stalled(state, None, NOW, **kw)


def test_retries_stop_at_the_maximum() -> None:
    assert [jobs.can_retry(n, 3) for n in range(4)] == [True, True, False, False]


def test_the_throttle() -> None:
    clock = iter([0.0, 0.1, 0.6, 0.7]).__next__
    throttle = jobs.Throttle(0.5, clock=clock)
    assert [throttle.due(), throttle.due(), throttle.due(), throttle.due(force=True)] == [
        True,
        False,
        True,
        True,
    ]


def test_the_heartbeat_beats_until_superseded_and_closes() -> None:
    beats: list[int] = []
    closed = threading.Event()

    def beat() -> bool:
        beats.append(1)
        return len(beats) < 3

    with jobs.Heartbeat(beat, interval=0.01, close=closed.set) as heartbeat:
        assert closed.wait(5)
    assert len(beats) == 3 and heartbeat.superseded
    with pytest.raises(jobs.Superseded):
        heartbeat.check()


def test_a_failing_beat_does_not_stop_the_heartbeat() -> None:
    calls: list[int] = []

    def beat() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return len(calls) < 3

    with jobs.Heartbeat(beat, interval=0.01) as heartbeat:
        for _ in range(500):
            if heartbeat.superseded:
                break
            threading.Event().wait(0.01)
    assert len(calls) == 3


def test_a_short_job_never_beats() -> None:
    beats: list[int] = []
    with jobs.Heartbeat(lambda: bool(beats.append(1)) or True, interval=60):
        pass
    assert beats == []
