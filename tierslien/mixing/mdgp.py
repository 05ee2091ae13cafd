"""Reader for MDGPLIB instances (maximally diverse grouping benchmarks).

Format: first line `n m ss|ds a_1 b_1 ... a_m b_m`, then `i j d_ij` lines
(0-based, i < j). The objective counts each pair inside a group once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tierslien.mixing.core import CoreInstance, FloatMatrix, IntArray
from tierslien.mixing.problem import ProblemError


@dataclass(frozen=True)
class MdgpInstance:
    name: str
    distances: FloatMatrix
    min_size: IntArray
    max_size: IntArray

    @property
    def n(self) -> int:
        return int(self.distances.shape[0])

    @property
    def ids(self) -> tuple[str, ...]:
        """The elements' ids in the JSON v1 solution: "0", "1", ... (0-based, as in the file)."""
        return tuple(str(i) for i in range(self.n))

    def core_instance(self) -> CoreInstance:
        return CoreInstance(weights=self.distances, min_size=self.min_size, max_size=self.max_size)


def read_mdgp(path: str | Path) -> MdgpInstance:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as error:
        raise ProblemError(f"cannot read the file: {error.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise ProblemError("not a text file", where=str(path)) from None
    head = lines[0].split() if lines else []
    try:
        n, m = int(head[0]), int(head[1])
        if head[2] not in ("ss", "ds") or len(head) != 3 + 2 * m or n < 1 or m < 1:
            raise ValueError
        bounds = np.array([int(x) for x in head[3:]], dtype=np.int64).reshape(m, 2)
    except (ValueError, IndexError):
        raise ProblemError(
            "line 1 must be 'n m ss|ds a_1 b_1 ... a_m b_m'", where=f"{path}:1"
        ) from None
    d = np.zeros((n, n), dtype=np.float64)
    for k, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if not parts:
            continue
        try:
            i, j, value = int(parts[0]), int(parts[1]), float(parts[2])
            if len(parts) != 3 or not (0 <= i < n and 0 <= j < n) or i == j:
                raise ValueError
        except (ValueError, IndexError):
            raise ProblemError(
                f"expected 'i j d_ij' with 0 <= i, j < {n}", where=f"{path}:{k}"
            ) from None
        d[i, j] = d[j, i] = value
    if bounds[:, 0].sum() > n or bounds[:, 1].sum() < n or (bounds[:, 0] > bounds[:, 1]).any():
        raise ProblemError(f"the group sizes cannot hold {n} elements", where=f"{path}:1")
    return MdgpInstance(path.stem, d, bounds[:, 0].copy(), bounds[:, 1].copy())
