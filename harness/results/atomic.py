"""Writing an output file so that a crash, a symlink or a device never costs the user anything.

A plain `open(path, "w")` leaves half a file after a kill; a plain temp-file-and-rename fixes
that but replaces a symlink with a file (cutting the link the user made), turns `/dev/stdout`
into a regular file, and keeps `mkstemp`'s mode 0600 so nobody else can read a shared results
volume. Here: a symlink is followed and its target replaced (the link stays); a device, FIFO or
other non-regular file is written into directly; a regular file is replaced atomically and keeps
its mode; a new file gets 0666 minus the umask, like any file the user's tools create.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

from harness.errors import HarnessError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask (reading it means setting it; the lock keeps threads from seeing 0)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _destination(path: Path) -> tuple[Path, os.stat_result | None]:
    """Where the bytes go (a symlink's final target) and its status, or None when it does not exist yet."""
    try:
        target = Path(os.path.realpath(path)) if stat.S_ISLNK(os.lstat(path).st_mode) else path
    except FileNotFoundError:
        target = path
    except OSError as err:
        raise HarnessError(f"{path}: cannot write here: {err.strerror}") from None
    try:
        return target, os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as err:
        raise HarnessError(f"{path}: cannot write here: {err.strerror}") from None


def write_bytes_atomic(path: Path | str, data: bytes, *, into_special: bool = True) -> Path:
    """Write `data` to `path` (see the module docstring for symlinks, devices and modes); returns the path written.

    With `into_special=False` a FIFO or device at `path` is refused instead of written into (for files
    that must be plain files, such as result records, where writing into a FIFO would block).
    """
    path = Path(path)
    target, status = _destination(path)
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise HarnessError(f"{path}: is a folder; give a file name")
    if status is not None and not stat.S_ISREG(status.st_mode) and not into_special:
        raise HarnessError(f"{path}: not a regular file (a FIFO or device); remove it so the file can be written")
    if status is not None and not stat.S_ISREG(status.st_mode):
        # A device or FIFO (/dev/stdout, a pipe): write into it; renaming over it would destroy it.
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as err:
            raise HarnessError(f"{path}: cannot write: {err.strerror}") from None
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise HarnessError(f"{target.parent}: cannot create a file here: {err.strerror}") from None
    try:
        mode = stat.S_IMODE(status.st_mode) if status is not None else 0o666 & ~current_umask()
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise HarnessError(f"{path}: cannot write: {err.strerror or err}; the previous file is unchanged") from None
        raise
    return target


def write_text_atomic(path: Path | str, text: str, *, into_special: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), into_special=into_special)


__all__ = ["current_umask", "write_bytes_atomic", "write_text_atomic"]
