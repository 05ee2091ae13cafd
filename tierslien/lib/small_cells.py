"""Counts of people shown to anyone: nothing under 11, and nothing that can be differenced.

A count below `THRESHOLD` is hidden. Hiding one count of a row is not enough when the
row's total is shown: it would follow from the total minus the others, so the next
smallest is hidden too (complementary suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

THRESHOLD: Final = 11


def suppress(counts: Sequence[int]) -> list[int | None]:
    """Hide every count below THRESHOLD; if only one is hidden, hide the next smallest too.

    A single hidden count would otherwise follow from the total and the others.
    """
    out: list[int | None] = [c if c >= THRESHOLD else None for c in counts]
    hidden = [i for i, c in enumerate(out) if c is None]
    if len(hidden) == 1 and counts[hidden[0]] > 0 and len(counts) > 1:
        shown = [i for i, c in enumerate(out) if c is not None]
        smallest = min(shown, key=lambda i: (counts[i], i))
        out[smallest] = None
    return out
