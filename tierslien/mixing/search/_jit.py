"""Typed access to Numba's `njit` (Numba ships no type information), loaded on first call.

Importing Numba costs about 0.15 s and its first kernel load 0.2-0.3 s more: a
process that never searches (`tierslien-mix --help`, a problem rejected at
reading, the web app's pages) should pay neither. So `jit` returns a stand-in
that, when a kernel is first called:

- binds the kernels to the module compiled ahead of time (`aot.py`), when one
  matching today's source was built: Numba is never imported;
- otherwise imports Numba and compiles (or loads from the disk cache) the kernels.

Either way the module globals that held stand-ins are rebound, so later calls from
Python go straight to the compiled code and kernels calling one another compile as
before. A call with arguments of other types than those compiled for switches the
process to Numba for good. `TIERSLIEN_KERNELS=numba` skips the compiled
module (read once, at import).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any, cast

import numpy as np

# Reassociation lets LLVM vectorise reductions (the row maxima of the swap scan);
# infinities stay meaningful (they mark "no candidate yet"), so no `ninf`/`nnan`.
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

# Modules whose globals may hold stand-ins (the kernels and those importing them by name).
_PACKAGE = "tierslien.mixing"
AHEAD_OF_TIME = os.environ.get("TIERSLIEN_KERNELS", "auto") != "numba"

_lock = threading.RLock()
_kernels: list[_Kernel] = []
_tried_compiled = False
_compiled: list[Any] = []  # the module compiled ahead of time, once bound (`aot.Compiled`)
_loaded = False  # Numba's dispatchers serve every kernel


class _Kernel:
    """A kernel not bound yet: the first call binds every kernel declared so far."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.py_func = func
        self.target: Callable[..., Any] | None = None  # what a call runs, once bound
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__module__ = func.__module__
        self.__doc__ = func.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.target is None:
            _bind_compiled()
        if self.target is None:
            load_numba()
        assert self.target is not None
        return self.target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__qualname__} (not loaded yet)>"


class _Ahead:
    """A kernel served by the module compiled ahead of time.

    The compiled code checks no argument: a transposed view or an int32 array would be
    read wrong (or crash). So each call checks its arguments against those of each
    signature the kernel was compiled for, and anything else goes to Numba, from then
    on for good (Numba compiles what is needed, as it always did)."""

    def __init__(
        self, kernel: _Kernel, compiled: list[tuple[Callable[..., Any], list[str]]]
    ) -> None:
        self.kernel = kernel
        self.compiled = [(func, [_expected(a) for a in arguments]) for func, arguments in compiled]
        self.__name__ = kernel.__name__
        self.__module__ = kernel.__module__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            for func, expected in self.compiled:
                if len(args) == len(expected) and all(
                    fits(arg) for fits, arg in zip(expected, args, strict=True)
                ):
                    return func(*args)
        load_numba()
        assert self.kernel.target is not None
        return self.kernel.target(*args, **kwargs)


def _expected(argument: str) -> Callable[[object], bool]:
    """`float64[2]` -> whether a value is a C-ordered writable 2-d float64 array."""
    if argument.endswith("]"):
        dtype, ndim = np.dtype(argument[: argument.index("[")]), int(argument[-2])
        return lambda value: (
            type(value) is np.ndarray
            and value.dtype == dtype
            and value.ndim == ndim
            and value.flags.c_contiguous
            and value.flags.writeable
        )
    if argument == "int":
        return lambda value: type(value) is int or isinstance(value, np.integer)
    if argument == "float":
        return lambda value: type(value) is float or isinstance(value, np.floating)
    return lambda value: type(value) is bool or isinstance(value, np.bool_)


def declared() -> list[_Kernel]:
    """Every kernel `jit` has declared before Numba was loaded."""
    return list(_kernels)


def export_name(kernel: _Kernel) -> str:
    """The kernel's name in the compiled module: "rounds_kernels__search_chunk"."""
    return f"{kernel.__module__.rsplit('.', 1)[-1]}__{kernel.__name__}"


def _njit(func: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    return cast(Callable[..., Any], numba.njit(cache=True, nogil=True, fastmath=FASTMATH)(func))


def _bind_compiled() -> None:
    """Bind the kernels to the module compiled ahead of time, if one matches (once)."""
    global _tried_compiled
    with _lock:
        if _tried_compiled or _loaded:
            return
        _tried_compiled = True
        if not AHEAD_OF_TIME:
            return
        from tierslien.mixing.search import aot

        _compiled[:] = [compiled] if (compiled := aot.load()) is not None else []
        for kernel in _kernels:
            _bind(kernel)
        _rebind()


def _bind(kernel: _Kernel) -> None:
    name = export_name(kernel)
    for compiled in _compiled:
        if name in compiled.arguments:
            kernel.target = _Ahead(
                kernel,
                [
                    (getattr(compiled.module, f"{name}__{k}"), arguments)
                    for k, arguments in enumerate(compiled.arguments[name])
                ],
            )


def load_numba() -> None:
    """Import Numba and turn every kernel declared so far into a Numba dispatcher.

    Compilation itself still happens at each kernel's first call (from the disk
    cache when warm); this only creates the dispatchers and rebinds the globals."""
    global _loaded
    with _lock:
        if _loaded:
            return
        for kernel in _kernels:
            kernel.target = _njit(kernel.py_func)
        _rebind()
        _loaded = True


def _rebind() -> None:
    """Replace, in the engine's modules, each stand-in by what serves its kernel now."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
            continue
        namespace = vars(module)
        for key, value in list(namespace.items()):
            kernel = value.kernel if isinstance(value, _Ahead) else value
            if isinstance(kernel, _Kernel) and kernel.target is not None:
                namespace[key] = kernel.target


def jit[F: Callable[..., Any]](func: F) -> F:
    """Compile `func` in nopython mode, cached on disk, releasing the GIL.

    `nogil` lets independent searches run in threads of one process, which
    costs far less than starting processes that each import NumPy and Numba.
    Bound at the first call of any kernel (see the module's docstring).
    """
    with _lock:
        if _loaded:
            return cast(F, _njit(func))
        kernel = _Kernel(func)
        _kernels.append(kernel)
        _bind(kernel)  # a kernel module imported after the first call
        return cast(F, kernel)
