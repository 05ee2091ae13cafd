from __future__ import annotations

from tierslien.mixing import warmup


def test_warm_up_runs_once_and_reports_its_time() -> None:
    first = warmup.warm_up()
    assert first >= 0.0
    assert warmup.warm_up() == 0.0  # already done in this process


def test_warm_up_in_background_finishes() -> None:
    thread = warmup.warm_up_in_background()
    thread.join(timeout=120)
    assert not thread.is_alive()


def test_command_line_runs_quietly() -> None:
    assert warmup.main(["--quiet"]) == 0
