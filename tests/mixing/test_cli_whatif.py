"""`tierslien-mix problem.json --what-if`: the analysis for a facilitator's spreadsheet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.mixing.test_potential import closed_on_the_common_slot, segregated_by_distance
from tierslien.mixing import Problem
from tierslien.mixing.cli import main, online_people
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
    assert "Likely, 8 compositions in 10 (from 3 draws):" in text


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
        (["--draws", "0"], "--draws must be >= 1"),
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


# ----- --online: who accepts online circles -----


def with_online_answers() -> dict[str, Any]:
    """The two villages, with an "online" answer (weight 0: it does not count in the mix):
    every third person says "oui", the others "non", and v1p1 did not answer."""
    data = segregated_by_distance()
    data["criteria"].append({"name": "online", "kind": "categorical", "weight": 0})
    for k, person in enumerate(data["people"]):
        if person["id"] != "v1p1":
            person["attributes"]["online"] = "oui" if k % 3 == 0 else "non"
    return data


def test_online_offers_online_circles_to_those_who_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, with_online_answers())
    out = tmp_path / "analysis.json"
    args = [str(source), "--what-if", "--online", "online", "--max-levers", "3", "-o", str(out)]
    assert main([*args, *FAST]) == 0
    accepting = sum(1 for k in range(80) if k % 3 == 0)  # "non" is a negative answer
    assert f"offer online circles to the {accepting} people who accept them" in (
        capsys.readouterr().out
    )
    online = [
        c for c in Analysis.from_dict(json.loads(out.read_text())).levers if c.kind == "online"
    ]
    assert len(online) == 1 and online[0].params == {"people": accepting}
    assert "online" not in online[0].figures.entre_soi  # weight 0: not mixed for


def test_online_with_a_value_takes_exactly_that_answer() -> None:
    problem = Problem.from_dict(with_online_answers())
    non = online_people(problem, "online=non")
    assert non == {p.id for p in problem.people if p.attributes.get("online") == "non"}
    assert online_people(problem, "online") == {
        p.id for p in problem.people if p.attributes.get("online") == "oui"
    }
    assert online_people(problem, None) == frozenset()


def test_online_reads_numbers_and_lists_of_labels() -> None:
    data = closed_on_the_common_slot()
    data["criteria"] += [
        {"name": "distance_ok", "kind": "numeric", "weight": 0},
        {"name": "formats", "kind": "multi", "weight": 0},
    ]
    for k, person in enumerate(data["people"][:4]):
        person["attributes"]["distance_ok"] = k % 2
        person["attributes"]["formats"] = ["visio"] if k < 2 else []
    problem = Problem.from_dict(data)
    assert online_people(problem, "distance_ok") == {"p1", "p3"}
    assert online_people(problem, "distance_ok=0") == {"p0", "p2"}
    assert online_people(problem, "formats") == {"p0", "p1"}
    assert online_people(problem, "formats=visio") == {"p0", "p1"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--online", "visio"], "--online: no criterion 'visio' (declared: age, occupation,"),
        (["--online", "online=peut-etre"], "--online: nobody answered 'peut-etre' to 'online'"),
        (["--online", "online="], "--online: empty value after online="),
        (["--online", "age=old"], "--online: 'age' is numeric, got 'old'"),
    ],
)
def test_bad_online_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    source = write(tmp_path, with_online_answers())
    assert main([str(source), "--what-if", *extra, *FAST]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_online_without_what_if_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, with_online_answers())
    assert main([str(source), "--online", "online", *FAST]) == 2
    assert "--online only applies with --what-if" in capsys.readouterr().err
