from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest

from tests.mixing.factories import problem_dict
from tierslien.mixing.cli import default_workers, main
from tierslien.mixing.mdgp import read_mdgp
from tierslien.mixing.solution import Solution

ROOT = Path(__file__).resolve().parents[2]
# The shared benchmarks sit beside the checkout (/work/main) or two levels up (/work/wt/<name>).
MDGP = next(
    (
        base / "shared" / "benchmarks" / "mdgp" / "RanReal" / "RanReal_n010_ds_01.txt"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "benchmarks").is_dir()
    ),
    ROOT.parent / "shared",
)


def test_json_in_json_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(problem_dict(12)))
    out = tmp_path / "solution.json"
    assert main([str(source), "-o", str(out), "--time-limit", "2", "--max-iterations", "100"]) == 0
    solution = json.loads(out.read_text())
    assert solution["version"] == 1
    assert sum(len(g["members"]) for g in solution["rounds"][0]["groups"]) == 12
    assert "upper_bound" in solution["report"]
    assert solution["report"]["placeable_bound"] == 12
    out_text = capsys.readouterr().out
    assert "12 people placed" in out_text
    assert "At most 12 can be placed: the placement is maximal." in out_text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"people": [{"id": "a"}], "group_size": {"min": 0, "max": 2}}', "min_size: must be"),
    ],
)
def test_malformed_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    source = tmp_path / "problem.json"
    source.write_text(content)
    assert main([str(source), "-o", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_subprocess_error_has_no_traceback(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text('{"people": [{"id": "a"}, {"id": "a"}]}')
    run = subprocess.run(
        [sys.executable, "-m", "tierslien.mixing", str(source)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == "tierslien-mix: error: person 'a': appears twice"


# Run in a fresh interpreter: which modules a command loads is only visible there.
_LOADED = (
    "import sys; from tierslien.mixing.cli import main\n"
    "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exit_:\n    code = exit_.code\n"
    "print(code, 'numba' in sys.modules, 'scipy.optimize' in sys.modules, file=sys.stderr)"
)


@pytest.mark.parametrize(
    "arguments",
    [[], ["--help"], ["{bad}"], ["{bad}", "--time-limit", "-1"]],
    ids=["no problem given", "help", "invalid problem", "invalid argument"],
)
def test_help_and_input_errors_load_neither_numba_nor_scipy_optimize(
    tmp_path: Path, arguments: list[str]
) -> None:
    bad = tmp_path / "problem.json"
    bad.write_text('{"people": [{"id": "a"}, {"id": "a"}]}')
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *[a.replace("{bad}", str(bad)) for a in arguments]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    *_, last = run.stderr.strip().splitlines()
    status, numba_loaded, optimize_loaded = last.split()
    assert status in {"0", "2"}, run.stderr
    assert (numba_loaded, optimize_loaded) == ("False", "False")


def test_a_solve_loads_numbas_kernels_but_no_lp_for_one_site(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(problem_dict(12)))
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, str(source), "-q", "-o", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TIERSLIEN_KERNELS": "numba"},  # not the compiled module (test_aot)
        check=False,
    )
    assert run.stderr.strip().splitlines()[-1] == "0 True False"


def test_csv_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    people = tmp_path / "people.csv"
    rows = ["id,occupation,age:numeric,education:ordinal=low|mid|high,worlds,slots,lat,lon,max_km"]
    jobs = ["ouvrier", "cadre", "etudiant"]
    for i in range(12):
        rows.append(
            f'p{i},{jobs[i % 3]},{20 + 3 * i},{["low", "mid", "high"][i % 3]},"sport;work",'
            f"tue;sat,48.11,-1.68,5"
        )
    people.write_text("\n".join(rows) + "\n")
    venues = tmp_path / "venues.csv"
    venues.write_text(
        "id,lat,lon,slots,capacity\nhall,48.111,-1.679,tue,2\ncafe,48.112,-1.68,sat,1\n"
    )
    out = tmp_path / "groups.csv"
    args = [str(people), "--venues", str(venues), "--min", "3", "--max", "4", "-o", str(out)]
    assert main([*args, "--max-iterations", "100"]) == 0
    lines = out.read_text().strip().split("\n")
    assert lines[0] == "id,round,group,venue,slot,reason"
    assert len(lines) == 13
    assert "12 people placed" in capsys.readouterr().out


def test_csv_bad_number_names_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,age:numeric\na,34\nb,old\n")
    assert main([str(people)]) == 2
    assert (
        "people.csv:3 column 'age:numeric': expected a number, got 'old'" in capsys.readouterr().err
    )


def test_undeclared_attributes_are_ignored_with_one_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = problem_dict(12)
    for person in data["people"]:
        person["attributes"]["email"] = f"{person['id']}@example.org"
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "solution.json"
    args = [str(source), "-o", str(out), "--max-iterations", "100"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err == (
        "tierslien-mix: warning: ignored attribute(s) that name no declared criterion: "
        "'email' (12 people)\n"
    )
    assert sum(len(g["members"]) for g in json.loads(out.read_text())["rounds"][0]["groups"]) == 12
    # --strict rejects them, naming the first person concerned, in one line.
    assert main([*args, "--strict"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "tierslien-mix: error: person 'p0': attribute 'email' is not a declared criterion\n"
    )


def test_a_misspelt_key_is_warned_of_and_refused_in_strict_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = problem_dict(12)
    data["group_sizes"] = {"min": 3, "max": 4}  # the format's key is group_size
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(data))
    args = [str(source), "-o", str(tmp_path / "solution.json"), "--max-iterations", "100"]
    assert main(args) == 0
    assert capsys.readouterr().err == (
        "tierslien-mix: warning: ignored key(s) the format does not define: "
        "'group_sizes' (problem)\n"
    )
    assert main([*args, "--strict"]) == 2
    assert capsys.readouterr().err == (
        "tierslien-mix: error: the problem: 'group_sizes' is not a key of a problem in this "
        "format\n"
    )


@pytest.mark.skipif(not MDGP.exists(), reason="shared benchmarks not available")
def test_mdgp_mode_writes_the_interchange_format(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    assert main(["--mdgp", str(MDGP), "-o", str(out), "--max-iterations", "2000"]) == 0
    data = json.loads(out.read_text())
    # A JSON v1 solution that the library's own reader (like any checker) accepts.
    assert data["version"] == 1 and data["unplaced"] == []
    solution = Solution.from_dict(data)
    assert len(solution.rounds) == 1
    members = [m for g in solution.rounds[0].groups for m in g.members]
    assert sorted(members, key=int) == [str(i) for i in range(10)]
    assert abs(data["report"]["objective"] - 1437.807) < 0.01  # proven optimum (bks.csv)
    # Recomputed from the groups and the instance, as a checker would.
    d = read_mdgp(MDGP).distances
    total = sum(
        d[int(a), int(b)] for g in solution.rounds[0].groups for a, b in combinations(g.members, 2)
    )
    assert abs(total - data["report"]["objective"]) < 1e-6


@pytest.mark.skipif(not MDGP.exists(), reason="shared benchmarks not available")
def test_mdgp_legacy_format_is_kept_behind_an_option(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    args = ["--mdgp", str(MDGP), "-o", str(out), "--max-iterations", "2000"]
    assert main([*args, "--mdgp-format", "legacy"]) == 0
    data = json.loads(out.read_text())
    assert len(data["assignment"]) == 10
    assert abs(data["objective"] - 1437.807) < 0.01


def test_mdgp_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("4 2 ss 2 2\n0 1 3.0\n")
    assert main(["--mdgp", str(bad)]) == 2
    assert "bad.txt:1" in capsys.readouterr().err


def test_csv_kinds_are_inferred(tmp_path: Path) -> None:
    from tierslien.mixing.csvio import read_people_csv

    people = tmp_path / "people.csv"
    people.write_text(
        'id,age,worlds,job,lang:multi:shared\na,34,"sport;work",cadre,fr\nb,51,music,,fr;ar\n'
    )
    problem = read_people_csv(people, min_size=2, max_size=2)
    kinds = {c.name: (c.kind, c.goal) for c in problem.criteria}
    assert kinds == {
        "age": ("numeric", "diverse"),
        "worlds": ("multi", "diverse"),
        "job": ("categorical", "diverse"),
        "lang": ("multi", "shared"),
    }
    assert "job" not in problem.people[1].attributes  # empty cell: prefer not to say


@pytest.mark.parametrize(
    ("cores", "max_iterations", "expected"),
    [({0}, None, 1), ({0, 1}, None, 2), (set(range(16)), None, 4), ({0, 1}, 500, 1)],
)
def test_by_default_a_run_searches_on_every_core_unless_it_must_repeat(
    monkeypatch: pytest.MonkeyPatch, cores: set[int], max_iterations: int | None, expected: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores, raising=False)
    assert default_workers(max_iterations) == expected


@pytest.mark.skipif(not MDGP.exists(), reason="shared benchmarks not available")
def test_mdgp_mode_runs_one_search_per_core_unless_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tierslien.mixing.core as core

    seen: list[int] = []
    real = core.improve

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(int(kwargs["workers"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(core, "improve", spy)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    out = tmp_path / "solution.json"
    assert main(["--mdgp", str(MDGP), "-o", str(out), "--time-limit", "0.05"]) == 0
    assert (
        main(["--mdgp", str(MDGP), "-o", str(out), "--time-limit", "0.05", "--workers", "1"]) == 0
    )
    assert seen == [2, 1]
