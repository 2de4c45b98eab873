"""One output folder per run, complete or absent: write into a sibling temporary folder, then
rename it into place (replacing an earlier run's folder only once the new one is complete).

Written locally for ``cycle stress``: the shared transactional-output helper being built on
branch ``outputs`` was not available on this branch; this can be replaced by it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["staged_folder"]


@contextlib.contextmanager
def staged_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success it becomes `out`, on error it vanishes.

    An existing `out` is moved aside first and deleted after the rename, so at every moment
    `out` is either the old complete folder or the new complete one.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    old = None
    try:
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
