"""Who meets whom: a label x label table of the encounters a grouping creates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EncounterTable:
    labels: tuple[str, ...]  # sorted row/column labels
    # Symmetric; [a][b] = pairs of people in a same group, one labelled a, one b
    # (diagonal: both labelled a). The caller suppresses small cells.
    counts: tuple[tuple[int, ...], ...]

    def count(self, a: str, b: str) -> int:
        return self.counts[self.labels.index(a)][self.labels.index(b)]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "counts": [list(row) for row in self.counts]}


def encounter_table(groups: Sequence[Sequence[str]], labels: Mapping[str, str]) -> EncounterTable:
    """Count, for every pair of labels, the pairs of people grouped together.

    People without a label are skipped. Every label of `labels` gets a row, even one
    whose people were never grouped (a row of zeros says something too)."""
    names = tuple(sorted(set(labels.values())))
    pos = {name: k for k, name in enumerate(names)}
    table = [[0] * len(names) for _ in names]
    for members in groups:
        known = [pos[labels[m]] for m in members if m in labels]
        for x in range(len(known)):
            for y in range(x + 1, len(known)):
                a, b = known[x], known[y]
                table[a][b] += 1
                if a != b:
                    table[b][a] += 1
    return EncounterTable(labels=names, counts=tuple(tuple(row) for row in table))
