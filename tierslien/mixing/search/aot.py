"""The search kernels compiled ahead of time into one extension module (`numba.pycc`).

Why: even with a warm disk cache, a new process spends about 0.4 s importing Numba and
loading its first kernel, which is most of a short command-line solve. An extension
module built once at install time loads in milliseconds and never imports Numba.

- `build()` (run by `python -m tierslien.mixing.warmup`, so by `make run`, `make test`
  and the production set-up) compiles every public kernel of `KERNEL_MODULES` (those
  the Python side calls; the private ones they call are compiled into them) with the
  signature Numba compiled it for during the warm-up (`signatures_used`) and Numba's
  own options (`_jit.FASTMATH`), so that it computes exactly what the just-in-time
  kernel computes.
- The module's name carries a digest of the kernels' source, the options and NumPy's
  version (`module_name`): a kernel edited after the build simply finds no module and
  Numba compiles it as before. `_jit` looks the module up at the first kernel call.

Without a C compiler, setuptools or `numba.pycc` (deprecated by Numba, kept while it
ships), `build` says why and the kernels are compiled just in time, as before.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from tierslien.mixing.search import _jit

HERE = Path(__file__).resolve().parent
PREFIX = "_aot_"
# The modules whose kernels are compiled; `_jit.py` and this file decide how.
KERNEL_MODULES = ("kernels", "rounds_kernels", "cyclic_kernels")
_PACKAGE = "tierslien.mixing.search"


def digest() -> str:
    """What the compiled module depends on: the kernels' source, how they are compiled
    (`_jit.py`, this file) and NumPy's version."""
    h = hashlib.sha256(np.__version__.encode())
    for name in (*KERNEL_MODULES, "_jit", "aot"):
        h.update((HERE / f"{name}.py").read_bytes())
    return h.hexdigest()[:16]


def module_name() -> str:
    return f"{PREFIX}{digest()}"


@dataclass(frozen=True)
class Compiled:
    """The compiled module, and the arguments each kernel was compiled for."""

    module: ModuleType
    # export name -> one list per signature ("float64[2]", "int", ...); the k-th is
    # the module's function <export name>__<k>
    arguments: dict[str, list[list[str]]]


def load() -> Compiled | None:
    """The compiled module matching today's kernels, or None (not built, or stale)."""
    name = module_name()
    try:
        arguments = json.loads((HERE / f"{name}.json").read_text())
        module = importlib.import_module(f"{_PACKAGE}.{name}")
    except (ImportError, OSError, ValueError):
        return None
    return Compiled(module, arguments)


def exported() -> dict[str, Callable[..., Any]]:
    """Exported name ("rounds_kernels__search_chunk") -> the kernel's Python function:
    every public kernel (those called from Python) of `KERNEL_MODULES`."""
    for short in KERNEL_MODULES:
        importlib.import_module(f"{_PACKAGE}.{short}")
    return {
        _jit.export_name(kernel): kernel.py_func
        for kernel in _jit.declared()
        if kernel.__module__.rsplit(".", 1)[-1] in KERNEL_MODULES
        and not kernel.__name__.startswith("_")
    }


def signatures_used(exercise: Callable[[], None]) -> dict[str, list[Any]]:
    """Exported name -> the signatures Numba compiled the kernel for while `exercise`
    ran (the warm-up's, which calls every kernel with every argument type the engine
    uses; a kernel also called by other kernels may have more than one)."""
    exercise()
    found = {
        _jit.export_name(kernel): list(getattr(kernel.target, "nopython_signatures", []))
        for kernel in _jit.declared()
    }
    return {export: signatures for export, signatures in found.items() if signatures}


def build(exercise: Callable[[], None], directory: Path = HERE) -> Path:
    """Compile the kernels into `directory`/<module_name()>.*.so (with the arguments
    of each function in <module_name()>.json), unless today's are there already; older
    builds are removed. `exercise` calls every kernel as the engine does (the caller,
    `warmup`, passes its own: this module sits below it).

    Raises RuntimeError (with the reason) when the module cannot be built here."""
    name = module_name()
    present = list(directory.glob(f"{name}.*"))
    if len(present) == 2:
        return next(p for p in present if p.suffix != ".json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation
        try:
            pycc: Any = importlib.import_module("numba.pycc")  # untyped
        except ImportError as error:
            raise RuntimeError(f"numba.pycc is not available: {error}") from error
    functions = exported()
    _jit.load_numba()  # kernels calling kernels resolve to Numba's dispatchers
    signatures = signatures_used(exercise)
    try:
        return _build_into(directory, name, functions, signatures, pycc)
    except OSError as error:  # a read-only code directory: say so, keep Numba
        raise RuntimeError(f"cannot write into {directory}: {error}") from error


def _build_into(
    directory: Path, name: str, functions: dict[str, Any], signatures: dict[str, Any], pycc: Any
) -> Path:
    # Built aside, then moved in place: a process starting meanwhile finds either no
    # module or a whole one.
    with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as scratch:
        cc = pycc.CC(name)
        cc.output_dir = scratch
        cc.verbose = False
        arguments: dict[str, list[list[str]]] = {}
        for export, func in functions.items():
            # Not called during the warm-up: only kernels call it, compiled into them.
            for signature in signatures.get(export, []):
                given = [_argument(t) for t in signature.args]
                if None in given:
                    continue  # not an argument `_jit` can check: left to Numba
                cc.export(f"{export}__{len(arguments.get(export, []))}", signature)(func)
                arguments.setdefault(export, []).append([str(a) for a in given])
        _compile(cc)
        [so] = Path(scratch).glob(f"{name}.*")
        types = Path(scratch) / f"{name}.json"
        types.write_text(json.dumps(arguments, indent=1))
        os.replace(types, directory / types.name)
        built = directory / so.name
        os.replace(so, built)
    for old in directory.glob(f"{PREFIX}*"):
        if not old.name.startswith(name):
            old.unlink(missing_ok=True)
    return built


def _argument(numba_type: Any) -> str | None:
    """A compiled argument as `_jit` checks it: "float64[2]" (a C-ordered, writable
    array of that dtype and dimension), "int", "float" or "bool"; None for anything else."""
    from numba.core import types

    if isinstance(numba_type, types.Array):
        if numba_type.layout != "C" or not numba_type.mutable:
            return None
        return f"{numba_type.dtype}[{numba_type.ndim}]"
    for kind, name in ((types.Boolean, "bool"), (types.Integer, "int"), (types.Float, "float")):
        if isinstance(numba_type, kind):
            return name
    return None


def _compile(cc: Any) -> None:
    compiler: Any = importlib.import_module("numba.pycc.compiler")  # untyped
    flags = compiler.Flags

    class _NumbaFlags(flags):  # type: ignore[misc,valid-type]  # Flags is untyped
        """pycc compiles the exported functions with default flags; the just-in-time
        kernels use `_jit.FASTMATH` (reassociation changes results) and release the
        GIL (searches run in threads)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fastmath = _jit.FASTMATH
            self.release_gil = True

    compiler.Flags = _NumbaFlags
    try:
        cc.compile()
    except Exception as error:  # a missing compiler or headers: say so, keep Numba
        raise RuntimeError(f"compiling the kernels failed: {error}") from error
    finally:
        compiler.Flags = flags
