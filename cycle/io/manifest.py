"""The run manifest: what made an output folder (scenario, parameters, model hash, engine,
versions) and the SHA-256 of every file in it, so anyone can check that the folder is one run's
complete set (:func:`verify_folder`)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cycle.io.files import write_json

__all__ = ["package_versions", "write_manifest", "verify_folder", "MANIFEST"]

MANIFEST = "manifest.json"

_PACKAGES = ("cycle", "pysd", "numpy", "pandas", "xarray", "scipy", "matplotlib", "SALib",
             "dask", "numba", "tqdm", "filelock", "zarr")


def package_versions() -> dict[str, str]:
    """Installed versions of Python and the packages a result depends on; with the engine's C
    loop, the compiler that built it and the C library whose ``exp``/``pow`` it calls."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    native = sys.modules.get("cycle.engine.native")
    if native is not None and native.LOADED:
        out["c_compiler"] = "; ".join(sorted(set(native.LOADED.values())))
        try:
            libc = os.confstr("CS_GNU_LIBC_VERSION")
        except (AttributeError, ValueError, OSError):  # not glibc
            libc = None
        out["libc"] = libc or " ".join(platform.libc_ver()).strip() or "unknown"
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `folder` except the manifest."""
    return {p.relative_to(folder).as_posix(): _sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
            and not p.name.startswith(".")}


def write_manifest(out_dir: str | Path, *, model, params: dict[str, float] | None = None,
                   extra: dict | None = None, argv: list[str] | None = None,
                   engine: dict | None = None) -> Path:
    """Write ``manifest.json`` in `out_dir` (last, after every other file) and return its path.

    It records a run id, the command line, the time, the model file and its SHA-256, the
    parameter overrides and the full set of constants in force, how the numbers were computed
    (`engine`: engine, loop, chunking, evaluator), package versions, and the SHA-256 of every
    other file in the folder.
    """
    params = dict(params or {})
    constants = dict(model.defaults)
    constants.update(params)
    out_dir = Path(out_dir)
    data = {
        "run_id": uuid.uuid4().hex,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": argv if argv is not None else sys.argv,
        "model": {"name": model.name, "file": str(model.path), "sha256": model.sha256},
        "calibration": {"file": str(getattr(model, "calibration_file", None) or ""),
                        "values": dict(getattr(model, "calibration", {}))},
        "overrides": params,
        **({"computation": engine} if engine else {}),
        **(extra or {}),
        "constants": constants,
        "versions": package_versions(),
        "files": _files(out_dir) if out_dir.is_dir() else {},
    }
    return write_json(out_dir / MANIFEST, data)


def verify_folder(folder: str | Path) -> list[str]:
    """Problems that show `folder` is not one run's complete set (empty list: it is).

    Checks that every file the manifest lists exists with the recorded SHA-256 and that the
    folder holds no other (non-hidden) file.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST}: {exc}"]
    recorded = manifest.get("files", {})
    actual = _files(folder)
    problems = [f"{name}: missing" for name in recorded if name not in actual]
    problems += [f"{name}: not listed in the manifest" for name in actual if name not in recorded]
    problems += [f"{name}: content differs from the manifest" for name in recorded
                 if name in actual and actual[name] != recorded[name]]
    return problems
