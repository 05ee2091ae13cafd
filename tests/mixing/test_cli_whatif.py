"""`tierslien-mix problem.json --what-if`: the analysis for a facilitator's spreadsheet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mixing.test_potential import closed_on_the_common_slot, segregated_by_distance
from tierslien.mixing.cli import main
from tierslien.mixing.potential import Analysis

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--time-limit", "5", "--max-iterations", "200"]


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    return path


def test_what_if_prints_bound_costliest_constraint_and_levers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, segregated_by_distance())
    out = tmp_path / "analysis.json"
    assert main([str(source), "--what-if", "-o", str(out), *FAST]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Upper bound: diversity ")
    assert "% of the upper bound" in text
    assert "The costliest constraint is the travel distance: with no travel limit" in text
    assert "Lever 1: add a venue at village" in text  # sectors from the "sector" criterion
    analysis = Analysis.from_dict(json.loads(out.read_text()))
    assert analysis.relaxations[0].kind == "travel"


def test_what_if_names_the_best_lever(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, closed_on_the_common_slot())
    assert main([str(source), "--what-if", "--max-levers", "3", *FAST]) == 0
    text = capsys.readouterr().out
    assert "The costliest constraint is the venues and their opening times" in text
    assert "Best lever: open venue hall on tue:" in text


def test_what_if_end_to_end_in_a_process(tmp_path: Path) -> None:
    source = write(tmp_path, closed_on_the_common_slot())
    done = subprocess.run(
        [sys.executable, "-m", "tierslien.mixing", str(source), "--what-if", "-q", *FAST],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sector", "nope"], "--sector: no criterion 'nope'"),
        (["--sector", "age"], "'age' must be a categorical criterion"),
        (["--max-levers", "-1"], "--max-levers must be >= 0"),
    ],
)
def test_bad_what_if_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    source = write(tmp_path, segregated_by_distance())
    assert main([str(source), "--what-if", *extra, *FAST]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_what_if_on_a_missing_or_broken_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.json"), "--what-if"]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main([str(broken), "--what-if"]) == 2
    err = capsys.readouterr().err
    assert "cannot read the file" in err and "not valid JSON" in err


def test_what_if_refuses_mdgp(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--mdgp", "whatever.txt", "--what-if"]) == 2
    assert "--what-if needs a problem file" in capsys.readouterr().err
