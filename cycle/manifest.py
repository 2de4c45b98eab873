"""The run manifest: what made an output folder (scenario, parameters, model hash, versions)."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cycle.outputs import write_json

__all__ = ["package_versions", "write_manifest"]

_PACKAGES = ("cycle", "pysd", "numpy", "pandas", "xarray", "scipy", "matplotlib", "SALib",
             "dask", "numba", "tqdm")


def package_versions() -> dict[str, str]:
    """Installed versions of Python and the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_manifest(out_dir: str | Path, *, model, params: dict[str, float] | None = None,
                   extra: dict | None = None, argv: list[str] | None = None) -> Path:
    """Write ``manifest.json`` in `out_dir` and return its path.

    It records the command line, the time, the model file and its SHA-256, the parameter
    overrides and the full set of constants in force, and package versions.
    """
    params = dict(params or {})
    constants = dict(model.defaults)
    constants.update(params)
    data = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": argv if argv is not None else sys.argv,
        "model": {"name": model.name, "file": str(model.path), "sha256": model.sha256},
        "calibration": {"file": str(getattr(model, "calibration_file", None) or ""),
                        "values": dict(getattr(model, "calibration", {}))},
        "overrides": params,
        **(extra or {}),
        "constants": constants,
        "versions": package_versions(),
    }
    return write_json(Path(out_dir) / "manifest.json", data)
