"""Typed access to Numba's `njit` (Numba ships no type information), loaded on first call.

Importing Numba costs about 0.15 s and its first kernel load 0.2-0.3 s more: a
process that never searches (`tierslien-mix --help`, a problem rejected at
reading, the web app's pages) should pay neither. So `jit` returns a stand-in
that imports Numba and compiles (or loads from the disk cache) only when a
kernel is first called. At that moment every stand-in declared so far becomes a
real Numba dispatcher, and the module globals that held stand-ins are rebound
to the dispatchers, so that kernels calling one another compile as before and
later calls from Python go straight to Numba.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, cast

# Reassociation lets LLVM vectorise reductions (the row maxima of the swap scan);
# infinities stay meaningful (they mark "no candidate yet"), so no `ninf`/`nnan`.
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

# Modules whose globals may hold stand-ins (the kernels and those importing them by name).
_PACKAGE = "tierslien.mixing"

_lock = threading.RLock()
_pending: list[_Kernel] = []
_loaded = False


class _Kernel:
    """A kernel not compiled yet: the first call turns every pending kernel into Numba's."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.py_func = func
        self.dispatcher: Callable[..., Any] | None = None
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__module__ = func.__module__
        self.__doc__ = func.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.dispatcher is None:
            load_numba()
        assert self.dispatcher is not None
        return self.dispatcher(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__qualname__} (Numba not loaded yet)>"


def _njit(func: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    return cast(Callable[..., Any], numba.njit(cache=True, nogil=True, fastmath=FASTMATH)(func))


def load_numba() -> None:
    """Import Numba and turn every kernel declared so far into a Numba dispatcher.

    Compilation itself still happens at each kernel's first call (from the disk
    cache when warm); this only creates the dispatchers and rebinds the globals."""
    global _loaded
    with _lock:
        if _loaded:
            return
        for kernel in _pending:
            kernel.dispatcher = _njit(kernel.py_func)
        for name, module in list(sys.modules.items()):
            if module is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
                continue
            namespace = vars(module)
            for key, value in list(namespace.items()):
                if isinstance(value, _Kernel) and value.dispatcher is not None:
                    namespace[key] = value.dispatcher
        _pending.clear()
        _loaded = True


def jit[F: Callable[..., Any]](func: F) -> F:
    """Compile `func` in nopython mode, cached on disk, releasing the GIL.

    `nogil` lets independent searches run in threads of one process, which
    costs far less than starting processes that each import NumPy and Numba.
    Numba is imported at the first call of any kernel (see the module's docstring).
    """
    with _lock:
        if _loaded:
            return cast(F, _njit(func))
        kernel = _Kernel(func)
        _pending.append(kernel)
        return cast(F, kernel)
