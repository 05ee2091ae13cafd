"""Typed access to Numba's `njit` (Numba ships no type information)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba


def jit[F: Callable[..., Any]](func: F) -> F:
    """Compile `func` in nopython mode, cached on disk, releasing the GIL.

    `nogil` lets independent searches run in threads of one process, which
    costs far less than starting processes that each import NumPy and Numba.
    """
    return cast(F, numba.njit(cache=True, nogil=True)(func))
