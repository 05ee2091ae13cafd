"""The typed readers of environment variables that settings.py uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierslien.lib.env import EnvError, env_bool, env_float, env_int, env_list, env_seconds, env_str


def test_defaults_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TL_X", raising=False)
    monkeypatch.delenv("TL_X_FILE", raising=False)
    assert env_str("TL_X", "a") == "a"
    assert env_int("TL_X", 3) == 3
    assert env_float("TL_X", 0.5) == 0.5
    assert env_bool("TL_X", True) is True
    assert env_list("TL_X", ["b"]) == ["b"]


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TL_X", "2.5")
    assert env_float("TL_X", 1.0) == 2.5
    monkeypatch.setenv("TL_X", "")
    assert env_float("TL_X", 1.0) == 1.0
    monkeypatch.setenv("TL_X", " a, b ,")
    assert env_list("TL_X", []) == ["a", "b"]
    monkeypatch.setenv("TL_X", "off")
    assert env_bool("TL_X", True) is False


@pytest.mark.parametrize("reader", [env_int, env_float])
def test_a_malformed_number_is_refused_with_its_name(
    reader: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TL_X", "twelve")
    with pytest.raises(EnvError, match="TL_X"):
        reader("TL_X", 1)  # type: ignore[operator]


def test_a_file_variant_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("0.25\n", encoding="utf-8")
    monkeypatch.setenv("TL_X", "9")
    monkeypatch.setenv("TL_X_FILE", str(secret))
    assert env_float("TL_X", 1.0) == 0.25


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
