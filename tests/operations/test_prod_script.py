"""scripts/prod refuses, clearly and before touching anything, a configuration that is not
production: no PostgreSQL, DEBUG on, no secret key, no host name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = {
    "DATABASE_URL": "postgres://tierslien@127.0.0.1:5432/tierslien",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "tierslien.example.org",
}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [str(ROOT / "scripts" / "prod"), *args],
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "must point at PostgreSQL"),
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"SECRET_KEY": ""}, "set SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "set ALLOWED_HOSTS"),
    ],
)
def test_it_refuses_what_is_not_production(change: dict[str, str], message: str) -> None:
    env = {key: value for key, value in {**GOOD, **change}.items() if value}
    result = run(env)
    assert result.returncode == 1
    assert message in result.stderr
    assert "==>" not in result.stdout  # nothing was set up


def test_it_reads_an_environment_file(tmp_path: Path) -> None:
    env_file = tmp_path / "tierslien.env"
    env_file.write_text('DATABASE_URL=sqlite:///x\nDEFAULT_FROM_EMAIL="Tiers Lien <a@b.org>"\n')
    result = run({**GOOD, "ENV_FILE": str(env_file)})
    assert result.returncode == 1 and "must point at PostgreSQL" in result.stderr


def test_an_unknown_step_is_a_usage_error() -> None:
    result = run(GOOD, "deploy")
    assert result.returncode == 2 and "usage: scripts/prod [setup|run]" in result.stderr
