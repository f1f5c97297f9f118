"""Trained checkpoints on disk, keyed by content; a step is trained at most once.

Training writes into `<key>.partial/` under the step's lock and renames it to `<key>/` only
when it finished, with a manifest of every file's size and sha256 inside, so a killed run
leaves nothing that looks complete. A second run waits for the lock instead of touching the
first's live `.partial` folder; a `.partial` folder found while holding the lock is stale
(its writer died) and is removed.

A finished checkpoint is verified against its manifest before use: sizes every time, the
sha256 of every file on its first use in this process (a 470 MB checkpoint costs about a
second; see scripts/bench_cache_verify.py). A mismatch, a missing file or a missing manifest
means the checkpoint cannot be trusted: it is rebuilt, with one warning line, never used.

Under a launcher every rank builds (trains) and rank 0 alone takes the lock and touches
folders; the other ranks learn the outcome from the folder after a barrier.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from harness.checksums import file_sha256
from harness.pipeline.locks import StepLock, lock_path
from harness.pipeline.ranks import barrier, is_main_process

log = logging.getLogger(__name__)

MANIFEST = "harness-checkpoint.json"
MANIFEST_SCHEMA = 1

# Folders whose sha256 this process has checked: path -> {relpath: (bytes, mtime_ns)}.
_VERIFIED: dict[Path, dict[str, tuple[int, int]]] = {}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: Path) -> Path:
    """Sizes and sha256 of every file under ``folder``, written into it (before publication)."""
    entries = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
               for p in _files(folder)}
    path = folder / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.tmp")
    tmp.write_text(json.dumps({"schema": MANIFEST_SCHEMA, "files": entries}, indent=1, sort_keys=True) + "\n",
                   encoding="utf-8")
    tmp.replace(path)
    return path


def verify_checkpoint(folder: Path, full: bool | None = None) -> str | None:
    """Why ``folder`` cannot be trusted, or None when it matches its manifest.

    ``full=None`` hashes on the first check of the folder in this process and compares
    sizes and modification times afterwards; True always hashes; False never does.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["files"]
        if document.get("schema") != MANIFEST_SCHEMA or not isinstance(entries, dict):
            return f"{MANIFEST} has an unknown schema"
    except FileNotFoundError:
        return f"no {MANIFEST} (written by an older version, or not finished)"
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"unreadable {MANIFEST} ({err})"
    seen: dict[str, tuple[int, int]] = {}
    for rel, entry in entries.items():
        file = folder / rel
        try:
            stat = file.stat()
        except OSError:
            return f"{rel} is missing"
        if stat.st_size != entry.get("bytes"):
            return f"{rel} has {stat.st_size} bytes, the manifest says {entry.get('bytes')}"
        seen[rel] = (stat.st_size, stat.st_mtime_ns)
    extra = [p.relative_to(folder).as_posix() for p in _files(folder)
             if p.relative_to(folder).as_posix() not in entries]
    if extra:
        return f"{extra[0]} is not in the manifest"
    known = _VERIFIED.get(folder.resolve())
    hash_now = full if full is not None else known != seen
    if hash_now:
        for rel, entry in entries.items():
            if file_sha256(folder / rel) != entry.get("sha256"):
                return f"{rel} differs from its sha256 in the manifest (changed or corrupted)"
        _VERIFIED[folder.resolve()] = seen
    return None


class CheckpointStore:
    def __init__(self, root: Path, lock_dir: Path | None = None):
        self.root = Path(root)
        self.lock_dir = Path(lock_dir) if lock_dir is not None else self.root / ".locks"

    def path(self, kind: str, key: str) -> Path:
        return self.root / f"{kind}-{key}"

    def has(self, kind: str, key: str) -> bool:
        """A finished checkpoint whose files match its manifest (sizes; sha256 once per process)."""
        final = self.path(kind, key)
        return final.is_dir() and verify_checkpoint(final) is None

    def lock(self, kind: str, key: str) -> StepLock:
        return StepLock(lock_path(self.lock_dir, f"{kind}-{key}"), f"the {kind} checkpoint {key[:12]}")

    def get_or_build(self, kind: str, key: str, build: Callable[[Path], None]) -> Path:
        """The verified folder for `key`, calling `build(tmp_dir)` first if it is absent or untrusted."""
        final = self.path(kind, key)
        partial = final.with_name(final.name + ".partial")
        lock = self.lock(kind, key)
        main = is_main_process()
        if main and not (final.is_dir() and verify_checkpoint(final) is None):
            self._start(kind, final, partial, lock)
        barrier()  # rank 0 has checked, rebuilt or claimed the folder
        try:
            if final.is_dir():
                if main:
                    log.debug("reusing %s checkpoint %s", kind, final)
                barrier()
                return final
            if main:
                log.debug("building %s checkpoint %s", kind, final.name)  # -v; the step line says enough
            build(partial)
            barrier()  # every rank has finished writing
            if main:
                write_manifest(partial)
                partial.rename(final)
                _VERIFIED[final.resolve()] = {p.relative_to(final).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
                                             for p in _files(final)}
            barrier()
            return final
        finally:
            if main:
                lock.release()

    @staticmethod
    def _start(kind: str, final: Path, partial: Path, lock: StepLock) -> None:
        """Under the lock: drop an untrusted finished folder and a stale partial one, claim the step."""
        lock.acquire()  # waits while another run builds this checkpoint
        if final.is_dir():
            problem = verify_checkpoint(final)
            if problem is None:
                log.info("%s checkpoint %s: built by another run meanwhile; reusing it", kind, final.name)
                return
            log.warning("%s checkpoint %s: %s; rebuilding it", kind, final, problem)
            doomed = final.with_name(f"{final.name}.untrusted-{os.getpid()}")
            final.rename(doomed)
            shutil.rmtree(doomed, ignore_errors=True)
        if partial.exists():  # we hold the lock, so whoever wrote it is gone
            log.warning("removing an interrupted %s checkpoint: %s", kind, partial)
            shutil.rmtree(partial)
        partial.mkdir(parents=True)


__all__ = ["MANIFEST", "CheckpointStore", "verify_checkpoint", "write_manifest"]
