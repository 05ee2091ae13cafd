"""Two engines side by side: a previous commit's engine, each in its own worker process.

`old_tree(rev, package)` unpacks `git archive rev tierslien/__init__.py tierslien/<package>`
(the engine, `mixing`, by default; the lottery bench passes `lottery`) into a temporary
directory (kept between runs); `run_worker(module, tree, jobs)` runs
`<module>.worker(tree, jobs)` of a bench script in a fresh process with `tree` first on
`sys.path`, so the two engines never mix, and returns what it printed as JSON.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def old_tree(rev: str, package: str = "mixing") -> Path:
    sha = subprocess.run(
        ["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    name = "engine" if package == "mixing" else package
    tree = Path(tempfile.gettempdir()) / f"tierslien-{name}-{sha[:10]}"
    if not (tree / "tierslien" / package / "__init__.py").exists():
        archive = subprocess.run(
            ["git", "archive", sha, "tierslien/__init__.py", f"tierslien/{package}"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def run_worker(module: str, tree: Path, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    code = (
        f"import json, sys; sys.path.insert(0, sys.argv[1]); import {module}; "
        f"print(json.dumps({module}.worker(sys.argv[2], json.loads(sys.argv[3]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "bench"), str(tree), json.dumps(jobs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    result: list[dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
