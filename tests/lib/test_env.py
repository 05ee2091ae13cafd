"""Settings read from the environment: the time limits in seconds (`env_seconds`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierslien.lib.env import EnvError, env_seconds


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        (None, 20.0, 20.0),
        ("", None, None),
        ("  ", 20.0, 20.0),
        ("7.5", 20.0, 7.5),
        ("0", None, 0.0),
    ],
)
def test_a_duration_in_seconds(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, default: float | None, expected: float | None
) -> None:
    if raw is None:
        monkeypatch.delenv("SOME_TIME_LIMIT", raising=False)
    else:
        monkeypatch.setenv("SOME_TIME_LIMIT", raw)
    assert env_seconds("SOME_TIME_LIMIT", default) == expected


@pytest.mark.parametrize("raw", ["x", "-1", "inf", "nan"])
def test_a_wrong_duration_stops_the_start(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SOME_TIME_LIMIT", raw)
    with pytest.raises(EnvError, match="SOME_TIME_LIMIT"):
        env_seconds("SOME_TIME_LIMIT", 20.0)


def test_the_file_variant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "limit"
    path.write_text("3\n", encoding="utf-8")
    monkeypatch.setenv("SOME_TIME_LIMIT_FILE", str(path))
    assert env_seconds("SOME_TIME_LIMIT", 20.0) == 3.0
