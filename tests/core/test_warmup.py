"""The engine's kernels are loaded as the task worker starts (the web process only on request)."""

from __future__ import annotations

import threading

import pytest

from tierslien.core import warmup


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def fake_warm_up_in_background() -> threading.Thread:
        calls.append("warm")
        return threading.Thread(target=lambda: None)

    monkeypatch.setattr("tierslien.mixing.warm_up_in_background", fake_warm_up_in_background)
    return calls


def test_the_worker_warms_the_engine_up(started: list[str], settings: object) -> None:
    settings.ENGINE_WARM_UP = True  # type: ignore[attr-defined]
    assert warmup.warm_engine_if_worker(["manage.py", "db_worker"]) is not None
    assert started == ["warm"]


@pytest.mark.parametrize("command", ["migrate", "load_demo", "purge_evenings", "shell"])
def test_other_commands_do_not(started: list[str], settings: object, command: str) -> None:
    settings.ENGINE_WARM_UP = True  # type: ignore[attr-defined]
    assert warmup.warm_engine_if_worker(["manage.py", command]) is None
    assert started == []


def test_switched_off_by_the_setting(started: list[str], settings: object) -> None:
    settings.ENGINE_WARM_UP = False  # type: ignore[attr-defined]
    assert warmup.warm_engine_in_background() is None
    assert warmup.warm_engine_if_worker(["manage.py", "db_worker"]) is None
    assert started == []


def test_the_web_process_does_not_load_the_engine(started: list[str], settings: object) -> None:
    settings.ENGINE_WARM_UP = True  # type: ignore[attr-defined]
    settings.ENGINE_WARM_UP_WEB = False  # type: ignore[attr-defined]
    assert warmup.warm_web_process() is None
    assert started == []


def test_unless_asked_to_and_then_before_returning(
    monkeypatch: pytest.MonkeyPatch, started: list[str], settings: object
) -> None:
    settings.ENGINE_WARM_UP_WEB = True  # type: ignore[attr-defined]
    monkeypatch.setattr("tierslien.mixing.warm_up", lambda: 0.5)
    assert warmup.warm_web_process() == 0.5
    assert started == []  # no thread: gunicorn may fork right after
