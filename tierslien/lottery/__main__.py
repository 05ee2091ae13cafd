"""`python -m tierslien.lottery` = `tierslien-draw`."""

from __future__ import annotations

import sys

from tierslien.lottery.cli import main

sys.exit(main())
