"""Files shipped with the package (models, scenarios, uncertainty specs): where they are,
and how a user's word (a shipped name or a path) becomes one of them."""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from cycle.errors import CycleError
from cycle.names import resolve

__all__ = ["shipped_dir", "find_file", "file_sha256", "cache_root"]

_ROOT = Path(__file__).resolve().parent.parent


def shipped_dir(package: str, folder: str, pattern: str) -> Path:
    """Folder of shipped files: installed package data `package`, else the source tree's `folder`.

    Examples
    --------
    >>> shipped_dir("cycle.models", "models", "*.mdl").name in ("models", "models")
    True
    """
    try:
        path = Path(str(resources.files(package)))
        if path.is_dir() and any(path.glob(pattern)):
            return path
    except (ModuleNotFoundError, TypeError):  # a source tree, or not installed yet
        pass
    return _ROOT / folder


def find_file(name_or_path: str | os.PathLike, *, folder: Path, suffix: str, what: str,
              error: type[CycleError] = CycleError) -> Path:
    """The file `name_or_path` means: a path to a `suffix` file, or a shipped name in `folder`.

    Raises
    ------
    error
        If a path does not exist or has another suffix.
    cycle.errors.UnknownNameError
        If a name is not shipped (with the closest names).
    """
    text = os.fspath(name_or_path)
    if text.endswith(suffix) or os.sep in text or "/" in text:
        path = Path(text)
        if path.suffix != suffix:
            raise error(f"{what} file {text!r} is not a {suffix} file")
        if not path.is_file():
            raise error(f"{what} file {text!r} does not exist")
        return path
    names = sorted(p.stem for p in folder.glob(f"*{suffix}"))
    return folder / f"{resolve(text, names, what=what)}{suffix}"


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes (the key of every cache and manifest entry)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cache_root() -> Path:
    """Root of every cache (PySD translations, generated engines): ``$CYCLE_CACHE_DIR`` or
    ``~/.cache/cycle``."""
    root = os.environ.get("CYCLE_CACHE_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "cycle"
