"""sha256 of files, streamed: for data manifests, model imports and result provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# sha256 per file, remembered per process by (path, size, mtime_ns): a file read by a runner and
# then named in its result record (MNLI's 400 MB, say) is hashed once.
_MEMO: dict[tuple[str, int, int], str] = {}


def memoized_sha256(path: Path | str) -> str:
    """`file_sha256`, computed once per process for a file that has not changed since."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _MEMO:
        _MEMO[key] = file_sha256(path)
    return _MEMO[key]
