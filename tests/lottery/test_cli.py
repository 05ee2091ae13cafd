from __future__ import annotations

import json
from pathlib import Path

import pytest

from tierslien.lottery import write_pool, write_quotas
from tierslien.lottery.cli import main

from .factories import small_problem


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    problem = small_problem()
    write_pool(problem.pool, tmp_path / "pool.csv")
    write_quotas(problem.quotas, tmp_path / "quotas.csv")
    return tmp_path / "pool.csv", tmp_path / "quotas.csv"


def test_draw_prints_panel_and_every_probability(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    assert main([str(pool), str(quota_file), "--seats", "4", "--seed", "11"]) == 0
    out = capsys.readouterr().out
    assert "panel (4 seats):" in out
    lines = [line for line in out.splitlines() if line.startswith("a0") and "," in line]
    assert len(lines) == 10
    assert sum(float(line.split(",")[1]) for line in lines) == pytest.approx(4, abs=1e-6)


def test_same_seed_same_record_bit_for_bit(files: tuple[Path, Path], tmp_path: Path) -> None:
    pool, quota_file = files
    args = [str(pool), str(quota_file), "--seats", "4", "--seed", "2026"]
    assert main([*args, "-o", str(tmp_path / "one.json"), "-q"]) == 0
    assert main([*args, "-o", str(tmp_path / "two.json"), "-q"]) == 0
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()


def test_verify_reproduces_the_draw_and_catches_tampering(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    published = tmp_path / "panel.json"
    assert (
        main([str(pool), str(quota_file), "--seats", "4", "--seed", "5", "-o", str(published)]) == 0
    )
    capsys.readouterr()
    assert main([str(pool), str(quota_file), "--seats", "4", "--verify", str(published)]) == 0
    assert "OK: the draw is reproduced bit for bit" in capsys.readouterr().out

    data = json.loads(published.read_text())
    outsider = next(i for i in data["probabilities"] if i not in data["panel"])
    data["panel"] = sorted([*data["panel"][1:], outsider])
    published.write_text(json.dumps(data))
    assert main([str(pool), str(quota_file), "--seats", "4", "--verify", str(published)]) == 1
    assert "rerunning the draw gives another panel" in capsys.readouterr().out


def test_infeasible_quotas_exit_2_with_the_nearest_feasible_quotas(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    quota_file.write_text(
        "criterion,value,min,max\ngender,woman,4,4\ngender,man,0,4\n"
        "age,18-29,0,4\nage,30-44,0,4\nage,65+,1,4\n"
    )
    assert main([str(pool), str(quota_file), "--seats", "4", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "gender=woman: minimum 4 but only 3 applicant(s) have this value" in err
    assert "suggested quotas.csv:" in err
    assert "gender,woman,3,4" in err


def test_unusable_input_is_one_line_exit_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    assert main([str(pool), str(quota_file), "--seats", "40", "--seed", "1"]) == 2
    assert "no lottery is needed" in capsys.readouterr().err


def test_method_leximin_is_recorded_and_verified_while_maximin_stays_the_default(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    args = [str(pool), str(quota_file), "--seats", "4", "--seed", "5"]
    assert main([*args, "-o", str(tmp_path / "default.json")]) == 0
    assert "lottery: maximin (method 3)" in capsys.readouterr().out
    assert json.loads((tmp_path / "default.json").read_text())["method"] == 3
    published = tmp_path / "leximin.json"
    assert main([*args, "--method", "leximin", "-o", str(published)]) == 0
    assert "lottery: leximin (method 4)" in capsys.readouterr().out
    data = json.loads(published.read_text())
    assert data["method"] == 4 and data["objective"] == "leximin"
    # --verify reruns the record with its own method, whatever --method says.
    verify_args = [str(pool), str(quota_file), "--seats", "4", "--verify", str(published)]
    assert main(verify_args) == 0
    assert "OK: the draw is reproduced bit for bit" in capsys.readouterr().out
    assert main([*verify_args[:-2], "--verify", str(tmp_path / "default.json")]) == 0
    assert "OK: the draw is reproduced bit for bit" in capsys.readouterr().out


def test_an_unknown_method_is_refused(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pool, quota_file = files
    with pytest.raises(SystemExit):
        main([str(pool), str(quota_file), "--seats", "4", "--seed", "5", "--method", "best"])
    assert "invalid choice: 'best'" in capsys.readouterr().err
