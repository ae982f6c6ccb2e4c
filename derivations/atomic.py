"""Atomic file writes: every file the package writes goes to a temporary name beside its target, then is renamed;
and the output folders of the commands that write several files, checked before the work.

A run killed at any moment leaves either the old file or the new one at the final path, never a
0-byte or half-written one (``os.replace`` is atomic on POSIX and Windows within one folder).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it is renamed to ``path``, on error removed.

    For writers that take a file name (``savefig``, ``np.savez``): write to the yielded path, with an
    explicit format where the writer infers one from the suffix.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    # mkstemp creates the file private (0600); a finished file gets the permissions open() would give it.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator[IO]:
    """``open(path, mode)`` that writes to a temporary file and renames it into place when the block ends."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open writes whole files: mode must start with 'w', got {mode!r}")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def output_folder(path: str) -> Path:
    """The absolute output folder, created and checked writable now rather than after the work."""
    if not path.strip():  # Path("") would silently mean the current folder
        raise ValueError("--out must name a folder, got an empty string")
    out = Path(path).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder, {out} is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out: cannot create folder {out} ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out: folder {out} is not writable")
    return out
