"""Build (with the system's C compiler, once per source) and run the C loop of
:mod:`cycle.engine.emit_c`.

The shared library is cached beside the generated modules (``$CYCLE_CACHE_DIR/engine``),
named by a hash of the C source, the compiler and its flags.  It is built in the process
whose run needs it, under a file lock, into a temporary file renamed into place, so two
processes never race and a run never loads a half-written library.  Loading takes ~1 ms
(``ctypes``): no Numba import, no JIT.

The compiler is ``$CC`` if set, else ``cc``, ``gcc`` or ``clang`` on the PATH; without one
there is no C loop (:func:`compiler` returns None) and the engine takes the Numba or NumPy
loop.  Flags: ``-O2`` without ``-ffast-math`` and with ``-ffp-contract=off`` (no fused
multiply-add), so arithmetic is rounded as in NumPy and Numba, and the functions (``exp``,
``pow``, trigonometry) are the C library's, as Numba's are: the C and Numba loops agree to
the bit (its two-member lanes loop too: vector arithmetic rounds as scalar arithmetic, and
each function is called lane by lane).  NumPy has its own ``exp`` and trigonometric
functions, which may differ in the last bit (the NumPy loop and PySD agree with the C loop
to ~1e-16 relative; 3.8e-13 where ``SIN(EXP(...))`` amplifies it, on the SDXorg test
models).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["FLAGS", "LOADED", "NativeKernel", "NativeBuildError", "compiler", "library_path",
           "load"]

FLAGS = ("-O2", "-fPIC", "-shared", "-fno-math-errno", "-ffp-contract=off", "-std=gnu99")
"""C compiler flags (``-fno-math-errno`` lets ``sqrt`` compile to one instruction; it
changes no value)."""
ABI = "cycle-c-2"
"""Version of the kernel's calling convention (part of the library's name)."""


class NativeBuildError(RuntimeError):
    """The C compiler failed on a generated kernel (a bug in the emitter: the message carries
    the compiler's output)."""


@functools.cache
def compiler() -> str | None:
    """The C compiler command (``$CC``, else ``cc``, ``gcc`` or ``clang`` on the PATH), or
    None if there is none."""
    given = os.environ.get("CC", "").strip()
    if given:
        return given if shutil.which(shlex.split(given)[0]) else None
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return name
    return None


LOADED: dict[str, str] = {}
"""Libraries loaded in this process: file name -> the compiler that built them (its
``--version`` line), for the manifests of the runs they served."""


def _version_line(cc: str) -> str:
    try:
        done = subprocess.run([*shlex.split(cc), "--version"], capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.SubprocessError):
        return f"{cc} (version unknown)"
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else f"{cc} (version unknown)"


def library_path(source: str, folder: Path, stem: str) -> Path:
    """Where the library of `source` is cached (the name hashes the source, compiler, flags
    and calling convention)."""
    digest = hashlib.sha256("\0".join([source, compiler() or "", *FLAGS, ABI]).encode())
    return Path(folder) / f"{stem}-{digest.hexdigest()[:16]}.so"


def build(source: str, path: Path) -> Path:
    """Compile `source` into the shared library `path` unless it is there already (under a
    file lock; written to a temporary file and renamed).

    Raises
    ------
    NativeBuildError
        If there is no C compiler, or it fails (its output in the message).
    """
    path = Path(path)
    if path.is_file():
        return path
    from filelock import FileLock

    cc = compiler()
    if cc is None:
        raise NativeBuildError("no C compiler (set $CC, or install cc/gcc/clang)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if path.is_file():  # built by another process while this one waited
            return path
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as tmp:
            c_file, lib = Path(tmp) / "kernel.c", Path(tmp) / "kernel.so"
            c_file.write_text(source, encoding="utf-8")
            done = subprocess.run([*shlex.split(cc), *FLAGS, "-o", str(lib), str(c_file), "-lm"],
                                  capture_output=True, text=True)
            if done.returncode != 0 or not lib.is_file():
                raise NativeBuildError(f"{cc} failed on the generated C loop of {path.name}:\n"
                                       f"{done.stderr.strip()[-4000:]}")
            note = Path(tmp) / "compiler.txt"
            note.write_text(_version_line(cc) + "\n", encoding="utf-8")
            os.replace(note, _compiler_note(path))  # first: the library never lacks its note
            os.replace(lib, path)
    return path


_P = ctypes.c_void_p
_I = ctypes.c_int64


class NativeKernel:
    """A built C loop, called as the Numba kernel module is (:func:`cycle.engine.compiled.
    run_kernel`): ``INPUTS``, ``STATICS`` and ``kernel(IN, times, saves, need, sel_j, sel_i,
    out, ST, first, stop)``.  The call releases the GIL, so threads run disjoint ranges of
    members at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lib = ctypes.CDLL(str(self.path))
        note = _compiler_note(self.path)
        self.compiler = (note.read_text(encoding="utf-8").strip() if note.is_file()
                         else "unknown")
        """The ``--version`` line of the compiler that built the library."""
        self.INPUTS = _names(self._lib, "cycle_inputs")
        self.STATICS = _names(self._lib, "cycle_statics")
        fn = self._lib.kernel
        fn.restype = ctypes.c_int
        fn.argtypes = [_P, _I, _P, _I, _P, _P, _P, _P, _I, _P, _I, _P, _I, _I]
        self._fn = fn
        self._pointers: dict[int, tuple[np.ndarray, int]] = {}

    def __repr__(self) -> str:
        return f"NativeKernel({self.path.name!r})"

    def _pointer(self, array: np.ndarray) -> int:
        """Address of `array`'s data, remembered per array object (a run's time schedule and
        selected rows are cached arrays, passed again at every call; an entry holds its array,
        so the id is not reused while it is remembered)."""
        key = id(array)
        hit = self._pointers.get(key)
        if hit is not None and hit[0] is array:
            return hit[1]
        if len(self._pointers) >= 64:
            self._pointers.clear()
        address = array.ctypes.data
        self._pointers[key] = (array, address)
        return address

    def kernel(self, IN: np.ndarray, times: np.ndarray, saves: np.ndarray, need: np.ndarray,
               sel_j: np.ndarray, sel_i: np.ndarray, out: np.ndarray, ST: np.ndarray,
               first: int, stop: int) -> None:
        """Run members ``first <= m < stop`` (arrays as the Numba kernel takes them; ``out``
        and ``ST`` are written in place and must be C-contiguous float64).

        Raises
        ------
        ValueError
            If a delay or smooth order leaves the stages planned for the model's defaults.
        """
        n = IN.shape[1]  # C reads no shape: a wrong one would read or write out of bounds
        if (IN.shape[0] != len(self.INPUTS) or ST.shape != (len(self.STATICS), n)
                or out.ndim != 3 or out.shape[1] != n or len(sel_j) != len(sel_i)
                or len(sel_j) > out.shape[0] or not 0 <= first <= stop <= n):
            raise ValueError(f"kernel arrays of the wrong shape: IN {IN.shape}, ST {ST.shape}, "
                             f"out {out.shape}, {len(sel_j)} rows, members {first}:{stop}")
        for name, array in (("out", out), ("ST", ST)):
            if array.dtype != np.float64 or not array.flags.c_contiguous:
                raise ValueError(f"{name} must be a C-contiguous float64 array")
        IN = _c(IN, np.float64)
        times, saves, need = _c(times, np.float64), _c(saves, np.bool_), _c(need, np.bool_)
        sel_j, sel_i = _c(sel_j, np.int64), _c(sel_i, np.int64)
        ptr = self._pointer
        code = self._fn(IN.ctypes.data, n, ptr(times), times.shape[0], ptr(saves), ptr(need),
                        ptr(sel_j), ptr(sel_i), sel_j.shape[0], out.ctypes.data, out.shape[2],
                        ST.ctypes.data, first, stop)
        if code == 1:
            raise ValueError("a delay/smooth order is not an integer within the stages planned "
                             "for the model's defaults")
        if code:
            raise MemoryError("the C loop could not allocate its buffers")


def _compiler_note(path: Path) -> Path:
    return Path(path).with_suffix(".compiler.txt")


def _c(array: np.ndarray, dtype) -> np.ndarray:
    if array.dtype == dtype and array.flags.c_contiguous:
        return array
    return np.ascontiguousarray(array, dtype=dtype)


def _names(lib: ctypes.CDLL, symbol: str) -> list[str]:
    raw = ctypes.string_at(ctypes.addressof(ctypes.c_char.in_dll(lib, symbol)))  # char[]
    return raw.decode().split("\n") if raw else []


@functools.cache
def load(path: Path) -> NativeKernel:
    """Load the built library at `path` (once per process)."""
    kernel = NativeKernel(Path(path))
    LOADED[kernel.path.name] = kernel.compiler
    return kernel
