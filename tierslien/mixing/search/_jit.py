"""Typed access to Numba's `njit` (Numba ships no type information)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba

# Reassociation lets LLVM vectorise reductions (the row maxima of the swap scan);
# infinities stay meaningful (they mark "no candidate yet"), so no `ninf`/`nnan`.
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


def jit[F: Callable[..., Any]](func: F) -> F:
    """Compile `func` in nopython mode, cached on disk, releasing the GIL.

    `nogil` lets independent searches run in threads of one process, which
    costs far less than starting processes that each import NumPy and Numba.
    """
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=FASTMATH)(func))
