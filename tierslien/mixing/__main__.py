"""`python -m tierslien.mixing`: the same as the `tierslien-mix` command."""

from __future__ import annotations

from tierslien.mixing.cli import main

raise SystemExit(main())
