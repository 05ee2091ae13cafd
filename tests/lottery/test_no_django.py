from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_library_and_cli_never_import_django() -> None:
    code = (
        "import sys\n"
        "import tierslien.lottery, tierslien.lottery.cli, tierslien.lottery.verify\n"
        "print([m for m in sys.modules if m == 'django' or m.startswith('django.')])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert run.stdout.strip() == "[]"
