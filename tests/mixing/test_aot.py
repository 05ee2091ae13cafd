"""The kernels compiled ahead of time (`search/aot.py`): the groupings Numba's kernels
give, and a short solve that never imports Numba."""

from __future__ import annotations

import fcntl
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mixing.factories import problem_dict
from tierslien.mixing.search import aot

ROOT = Path(__file__).resolve().parents[2]
# Which modules a command loads is only visible in a fresh interpreter.
_LOADED = (
    "import sys; from tierslien.mixing.cli import main\n"
    "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exit_:\n    code = exit_.code\n"
    "print(code, 'numba' in sys.modules, file=sys.stderr)"
)


@pytest.fixture(scope="session")
def compiled() -> Iterator[None]:
    """The compiled module of today's kernels (`make test` builds it first; the lock
    keeps parallel workers from building it twice). Built in a subprocess: building
    loads Numba, and this process' kernels should stay as they are."""
    lock_path = Path(tempfile.gettempdir()) / "tierslien-aot-build.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if aot.load() is None:
            subprocess.run(
                [sys.executable, "-m", "tierslien.mixing.warmup", "--quiet"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
    assert aot.load() is not None
    yield


def _run(args: list[str], kernels: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIERSLIEN_KERNELS": kernels}
    return subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def _evening(n: int = 20) -> dict[str, Any]:
    """Three rounds of tables of 4-5, two people seated apart."""
    data = problem_dict(n, group_size={"min": 4, "max": 5}, rounds=3)
    data["apart"] = [["p0", "p1"]]
    return data


def _sited(n: int = 24) -> dict[str, Any]:
    """One round, two venues at two times, people free at some of them."""
    data = problem_dict(n)
    for i, person in enumerate(data["people"]):
        person["slots"] = ["mon"] if i % 3 else ["mon", "tue"]
    data["venues"] = [
        {"id": "v1", "slots": ["mon", "tue"], "capacity": 3},
        {"id": "v2", "slots": ["mon"], "capacity": 3},
    ]
    return data


def _golfers() -> dict[str, Any]:
    """No criterion: only repeats matter (the symmetric, cyclic search runs)."""
    people = [{"id": f"g{i}", "attributes": {}} for i in range(18)]
    return {"version": 1, "group_size": {"min": 3, "max": 3}, "rounds": 6, "people": people}


def _mdgp(path: Path) -> None:
    """An MDGPLIB-format instance: 30 elements, groups of different sizes."""
    draw = random.Random(4)
    lines = ["30 4 ds 6 8 7 9 6 8 7 9"]
    lines += [f"{i} {j} {draw.uniform(0, 100):.3f}" for i in range(30) for j in range(i + 1, 30)]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("shape", ["evening", "sited", "golfers", "mdgp"])
def test_compiled_kernels_give_numbas_groupings_move_for_move(
    compiled: None, tmp_path: Path, shape: str
) -> None:
    if shape == "mdgp":
        source = tmp_path / "instance.txt"
        _mdgp(source)
        given = ["--mdgp", str(source)]
    else:
        source = tmp_path / "problem.json"
        make = {"evening": _evening, "sited": _sited, "golfers": _golfers}[shape]
        source.write_text(json.dumps(make()))
        given = [str(source)]
    outputs = {}
    for kernels in ("numba", "auto"):
        out = tmp_path / f"{kernels}.json"
        bounded = ["--max-iterations", "3000", "--seed", "5", "--time-limit", "600", "-q"]
        run = _run([*given, *bounded, "-o", str(out)], kernels)
        assert run.returncode == 0, run.stderr
        status, numba_loaded = run.stderr.strip().splitlines()[-1].split()
        assert numba_loaded == ("True" if kernels == "numba" else "False")
        solution = json.loads(out.read_text())
        outputs[kernels] = (solution["rounds"], solution.get("unplaced"))
    assert outputs["auto"] == outputs["numba"]


def test_a_short_solve_never_imports_numba(compiled: None, tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(_evening(40)))
    run = _run([str(source), "--time-limit", "0.1", "-q", "-o", str(tmp_path / "o.json")], "auto")
    assert run.stderr.strip().splitlines()[-1] == "0 False"


_OTHER_TYPES = """
import sys
import numpy as np
from tierslien.mixing.search import kernels
W = np.arange(16.0).reshape(4, 4)
a = np.array([0, 0, 1, 1], dtype=np.int64)
given = {{"fortran": (np.asfortranarray(W), a), "int32": (W, a.astype(np.int32))}}
print(kernels.objective(*given["{case}"]), 'numba' in sys.modules)
print(kernels.objective(W, a), type(kernels.objective).__name__)
"""


@pytest.mark.parametrize("case", ["fortran", "int32"])
def test_arguments_of_other_types_switch_the_process_to_numba(compiled: None, case: str) -> None:
    # The compiled code would read a Fortran-ordered matrix transposed and an int32
    # array as int64 (out of bounds): run apart, so a crash fails this test only.
    run = subprocess.run(
        [sys.executable, "-c", _OTHER_TYPES.format(case=case)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.splitlines()
    # Within-group pairs (0, 1) and (2, 3), counted once: W[0, 1] + W[2, 3] = 1 + 11.
    assert first.split() == ["12.0", "True"]
    assert second.split() == ["12.0", "CPUDispatcher"]


def test_arguments_of_the_compiled_types_stay_compiled(compiled: None) -> None:
    code = (
        "import sys, numpy as np\n"
        "from tierslien.mixing.search import kernels\n"
        "W = np.arange(16.0).reshape(4, 4)\n"
        "print(kernels.objective(W, np.array([0, 0, 1, 1])), 'numba' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert run.stdout.split() == ["12.0", "False"]


def test_an_edited_kernel_finds_no_compiled_module(
    compiled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aot, "digest", lambda: "0" * 16)
    assert aot.load() is None


def test_a_fresh_machine_builds_the_module(tmp_path: Path) -> None:
    # With Numba's cache empty, kernels called by other kernels are compiled for more
    # than one signature (the first build on a clean clone once gave up on that).
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tierslien.mixing import warmup\n"
        "from tierslien.mixing.search import aot\n"
        "print(aot.build(warmup.exercise, Path(sys.argv[1])).name)"
    )
    out = tmp_path / "built"
    out.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    arguments = json.loads((out / f"{aot.module_name()}.json").read_text())
    assert {"kernels__search_chunk", "rounds_kernels__search_chunk"} <= set(arguments)
    assert (out / run.stdout.strip()).exists()
