"""An output folder is one run's complete set: checked before any work, built aside, swapped in.

Every command writes its results through :func:`output_folder`::

    target = check_out(args.out)            # bad --out: one line, exit 2, before any work
    with output_folder(target) as folder:   # lock; a second writer fails with one line
        ...compute...
        write_everything(folder.path)       # a hidden sibling staging folder
    # here the target holds the new complete set; on any error, the old one, untouched

The staging folder ``.<name>.partial-XXXXXX`` sits beside the target (same file system), so the
swap is one ``renameat2(RENAME_EXCHANGE)`` (Linux) or ``rename`` when the target is new: a reader
sees the old complete set or the new complete set, never a mixture. A run killed at any point
leaves at most a hidden staging folder, which the next writer of that target removes (it holds
the lock, so no live run owns it). Files and folders are created with the user's umask.

A target that exists must be a folder a ``cycle`` command wrote (it has ``manifest.json``) or be
empty: the whole folder is replaced, so a folder of the user's own files is refused.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cycle.errors import CycleError, InputError

__all__ = ["OutputError", "OutputBusyError", "OutputFolder", "check_out", "output_folder",
           "MANIFEST"]

MANIFEST = "manifest.json"
"""The file that marks a folder as a ``cycle`` output folder."""

_STAGING = ".partial-"
_LOCK = ".cycle-lock"


class OutputError(InputError):
    """An ``--out`` that cannot be written (exit code 2, before any work)."""


class OutputBusyError(CycleError):
    """Another ``cycle`` command is writing the same output folder (exit code 1)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stem(target: Path) -> str:
    """Prefix of the hidden siblings of `target` (short enough for any file-name limit)."""
    name = target.name
    if len(os.fsencode(name)) <= 100:
        return f".{name}"
    return f".{name[:40]}-{uuid.uuid5(uuid.NAMESPACE_URL, name).hex[:12]}"


def _probe(folder: Path) -> str | None:
    """Why a file cannot be created in `folder` (None if it can): tried, not guessed, so
    permissions, read-only mounts and immutable folders all show."""
    try:
        fd, name = tempfile.mkstemp(prefix=".cycle-probe-", dir=folder)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.close(fd)
    os.unlink(name)
    return None


def check_out(out: str | os.PathLike | None, *, option: str = "--out") -> Path:
    """Check an output folder before any work; return it as an absolute path.

    Raises
    ------
    OutputError
        Empty name; a name longer than the file system allows; a path that is a file or lies
        under a file; a folder that cannot be written; an existing folder with files that no
        ``cycle`` command wrote.
    """
    text = "" if out is None else os.fspath(out)
    if not text.strip():
        raise OutputError(f"{option} is empty; give the folder to write (e.g. {option} out)")
    target = Path(os.path.realpath(os.path.expanduser(text)))  # a symlink: swap its folder
    try:
        name_max = os.pathconf(_existing_ancestor(target), "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    for part in target.parts[1:]:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(f"{option}: the name {part[:30]!r}... is {len(os.fsencode(part))} "
                              f"bytes long; this file system allows at most {name_max}")
    if len(os.fsencode(str(target))) > 3800:
        raise OutputError(f"{option}: the path is {len(os.fsencode(str(target)))} bytes long; "
                          "choose a shorter one")
    if target == Path(target.anchor):
        raise OutputError(f"{option} {text!r} is the root folder; choose a folder for the results")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option} {text!r} is a file, not a folder; choose a folder name")
    ancestor = _existing_ancestor(target.parent)
    if not ancestor.is_dir():
        raise OutputError(f"{option} {text!r}: {ancestor} is a file, so no folder can be made "
                          "inside it")
    why = _probe(ancestor)
    if why:
        raise OutputError(f"{option} {text!r}: cannot create files in {ancestor} ({why})")
    if target.is_dir():
        if Path.cwd() == target or target in Path.cwd().parents:
            raise OutputError(f"{option} {text!r} is the current folder or holds it; the output "
                              "folder is replaced as a whole, so choose a subfolder")
        entries = [p for p in target.iterdir() if not p.name.startswith(".")]
        if entries and not (target / MANIFEST).is_file():
            raise OutputError(f"{option} {text!r} holds files that no cycle command wrote (no "
                              f"{MANIFEST}); the folder is replaced as a whole, so choose a new "
                              "or empty folder")
        foreign = _foreign(target, entries)
        if foreign:
            raise OutputError(f"{option} {text!r} holds {', '.join(foreign[:3])}"
                              f"{' and more' if len(foreign) > 3 else ''}, which its last run did "
                              "not write; the folder is replaced as a whole, so move them or "
                              "choose another folder")
        why = _probe(target)
        if why:
            raise OutputError(f"{option} {text!r}: cannot replace its files ({why})")
    return target


def _foreign(target: Path, entries: list[Path]) -> list[str]:
    """Entries of an output folder that its manifest does not account for (another command's
    output folder inside it, or the user's own files), which replacing it would delete."""
    import json

    try:
        listed = json.loads((target / MANIFEST).read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        listed = None
    if listed is None:  # a manifest from before file lists: only nested output folders count
        return [f"{p.name}/" for p in entries if p.is_dir() and (p / MANIFEST).is_file()]
    top = {name.split("/")[0] for name in listed} | {MANIFEST}
    return [p.name + ("/" if p.is_dir() else "") for p in entries if p.name not in top]


def _existing_ancestor(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


@dataclass
class OutputFolder:
    """The staging folder of one run (`path`) and where it will appear (`target`)."""

    path: Path
    target: Path

    def final(self, written: str | os.PathLike) -> Path:
        """Where a file written under :attr:`path` appears after the swap."""
        return self.target / Path(written).relative_to(self.path)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system or kernel cannot
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` at `target` in one step; the old set (if any) ends up at `staging`."""
    if not os.path.lexists(target):
        try:
            os.rename(staging, target)
            return
        except OSError:
            if not target.is_dir():
                raise
    if _exchange(staging, target):
        return
    old = staging.with_name(staging.name + "-old")  # fallback: two renames, never a mixed set
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _clean_leftovers(parent: Path, stem: str) -> None:
    for p in parent.glob(f"{stem}{_STAGING}*"):
        shutil.rmtree(p, ignore_errors=True)


@contextmanager
def output_folder(out: str | os.PathLike, *, wait: float = 0.0) -> Iterator[OutputFolder]:
    """Lock `out`, yield a staging folder beside it, and swap it in when the block succeeds.

    Parameters
    ----------
    out : the output folder (checked with :func:`check_out`).
    wait : seconds to wait for another writer of the same folder (default: fail at once).

    Raises
    ------
    OutputError
        For a bad `out` (see :func:`check_out`).
    OutputBusyError
        If another ``cycle`` command holds the folder's lock.
    """
    from filelock import FileLock, Timeout

    target = check_out(out)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    stem = _stem(target)
    lock = FileLock(str(parent / f"{stem}{_LOCK}"), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusyError(f"another cycle command is writing {target}; wait for it to finish "
                              "or choose another --out") from None
    try:
        _clean_leftovers(parent, stem)  # from killed runs: we hold the lock, nobody owns them
        staging = Path(tempfile.mkdtemp(prefix=f"{stem}{_STAGING}", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())
        try:
            yield OutputFolder(staging, target)
            _swap(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # the old set after a swap, or a failed run
    finally:
        lock.release()
