"""Writing publications into a folder: whole files or nothing (temporary file, fsync, rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from zhimei.store.db import os_storage_error

__all__ = ["remove_file", "write_file"]


def write_file(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` atomically; StorageError (saying what to do) on failure."""
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise os_storage_error(exc, path, "write the publication") from exc
    return path


def remove_file(folder: Path, name: str) -> None:
    """Remove ``folder/name`` if it is there."""
    path = folder / name
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise os_storage_error(exc, path, "remove the publication") from exc
