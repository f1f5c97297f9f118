"""One writer per step: an exclusive ``fcntl.flock`` on a lock file per step key.

Why flock: the kernel (or the network filesystem's lock manager: NFSv4, Lustre, GPFS, BeeGFS)
releases it when the holding process dies, however it dies, so a lock can never be left
"stuck" by a kill -9 and no stale-lock heuristics are needed. A lock file is never deleted:
removing it while another process waits on it would let two holders in at once.

The file holds who has the lock (pid, host, since when), only so that a waiting run can say
whom it waits for. Used by the checkpoint store, the per-step record writing, the mini data
generation, and meant for a cluster executor too: any process that can see the folder can
take part. It lives in the foundation layer, below the data layer and the pipeline, because
both take it (``harness.pipeline.locks`` re-exports it for the pipeline's callers).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import HarnessError

log = logging.getLogger(__name__)

POLL_S = 0.2  # how often a waiting run tries again
REPORT_EVERY_S = 60.0  # how often it says again that it is still waiting


def lock_path(directory: Path, name: str) -> Path:
    """The lock file for ``name`` (a step key, or kind-key) in ``directory``."""
    return Path(directory) / f"{name}.lock"


def _holder_text(handle) -> str:
    try:
        handle.seek(0)
        holder = json.loads(handle.read() or "{}")
    except (ValueError, OSError):
        return "another run"
    if not holder:
        return "another run"
    return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"


class StepLock:
    """An exclusive lock on ``path``; re-entrant use is not supported (take it once)."""

    def __init__(self, path: Path, what: str = ""):
        self.path = Path(path)
        self.what = what or self.path.stem
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, wait: bool = True) -> bool:
        """Take the lock; with ``wait`` block until it is free (logging whom we wait for)."""
        if self._handle is not None:
            raise RuntimeError(f"{self.path}: lock already held by this object")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (kept open while held)
        except OSError as err:
            raise HarnessError(f"{self.path}: cannot create the lock file ({err.strerror}); "
                               "is the work folder writable?") from None
        waited_since = None
        last_report = 0.0
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as err:
                handle.close()
                if err.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                    raise HarnessError(f"{self.path}: this filesystem does not support file locks "
                                       f"({err.strerror}); put --work-dir on one that does") from None
                raise
            if not wait:
                handle.close()
                return False
            now = time.monotonic()
            if waited_since is None or now - last_report >= REPORT_EVERY_S:
                if waited_since is None:
                    waited_since = now
                log.info("waiting for %s: held by %s", self.what, _holder_text(handle))
                last_report = now
            time.sleep(POLL_S)
        if waited_since is not None:
            log.info("got %s after %.0f s", self.what, time.monotonic() - waited_since)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.seek(0)
            handle.truncate()  # nobody holds it now
        except OSError:
            pass
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def __enter__(self) -> StepLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def is_locked(path: Path) -> bool:
    """Whether some process holds the lock at ``path`` now (a snapshot, for cleanup decisions)."""
    probe = StepLock(path)
    if not Path(path).exists():
        return False
    if probe.acquire(wait=False):
        probe.release()
        return False
    return True


@contextmanager
def step_lock(directory: Path, name: str, what: str = "") -> Iterator[StepLock]:
    """``with step_lock(work_dir / "locks", key):`` hold the lock for one step while it builds."""
    lock = StepLock(lock_path(directory, name), what or name)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
