"""Every setting read from the environment is documented in docs/configuration.md, and the
page documents nothing that is not read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT: Path = settings.BASE_DIR
READERS = {"env_str", "env_int", "env_float", "env_seconds", "env_bool", "env_list"}
# Read before Django starts, by the process starters (the page's last table).
STARTERS = ("gunicorn.conf.py", "tierslien/operations/supervisor.py", "scripts/prod")


def environment_reads(source: str) -> set[str]:
    """The names passed to the `env_*` readers of `tierslien/lib/env.py`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in READERS
        ):
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"line {node.lineno}: read a variable by its literal name"
            )
            names.add(first.value)
    return names


def documented(page: str) -> set[str]:
    """The `NAME`s in the first column of the page's tables."""
    names = set()
    for line in page.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[1]))
    return names


def test_the_reader_finds_reads_and_rows() -> None:
    assert environment_reads('A = env_int("A", 1)\nB = env_list("B", [])\nC = f("C")') == {
        "A",
        "B",
    }
    assert documented("| `A`, `B` | `C` | x |\n| --- |\nnot `D` a row") == {"A", "B"}


def test_every_setting_read_from_the_environment_is_documented() -> None:
    read = environment_reads((ROOT / "tierslien" / "settings.py").read_text(encoding="utf-8"))
    page = documented((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"))
    assert len(read) > 40
    missing = sorted(read - page)
    assert not missing, "not in docs/configuration.md: " + ", ".join(missing)


def test_every_documented_variable_is_read_somewhere() -> None:
    page = documented((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"))
    sources = [*(ROOT / "tierslien").rglob("*.py"), *(ROOT / name for name in STARTERS)]
    code = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    read = set(re.findall(r"[\"{]([A-Z][A-Z0-9_]*)[\"}:]", code))  # "NAME" or ${NAME}
    stale = sorted(page - read - {"NUMBA_CACHE_DIR"})  # NUMBA_CACHE_DIR: numba reads it
    assert not stale, "documented but read nowhere: " + ", ".join(stale)


def stray_reads(source: str) -> set[str]:
    """Settings read around settings.py: `getattr(settings, "NAME", ...)` and `env_*("NAME")`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
            continue
        first, name = node.args[0], node.func.id
        if name == "getattr" and isinstance(first, ast.Name) and first.id == "settings":
            second = node.args[1] if len(node.args) > 1 else None
            names.add(second.value if isinstance(second, ast.Constant) else "?")
        elif name in READERS:
            names.add(first.value if isinstance(first, ast.Constant) else "?")
    return names


def test_the_stray_reader_finds_both_kinds() -> None:
    source = 'getattr(settings, "A", 1)\nenv_int("B", 2)\ngetattr(other, "C")\nsettings.D'
    assert stray_reads(source) == {"A", "B"}


def test_the_code_reads_settings_not_the_environment_nor_defaults_of_its_own() -> None:
    allowed = {
        ROOT / "tierslien" / "settings.py",
        ROOT / "tierslien" / "lib" / "env.py",
        ROOT / "tierslien" / "operations" / "supervisor.py",  # TASK_WORKERS, before Django
    }
    strays = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "tierslien").rglob("*.py")
        if path not in allowed
        for name in stray_reads(path.read_text(encoding="utf-8"))
    }
    assert not strays, "read settings.NAME (defined in settings.py) instead: " + ", ".join(
        sorted(strays)
    )
