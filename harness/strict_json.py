"""Strict reading of the JSON files users hand us (records, baselines, manifests): refuse, never crash or hang.

Every check here answers a file that once stopped a command with a traceback or a hang: a FIFO
named `*.result.json` (open would block forever), a binary or UTF-16 file, a key given twice
(the second silently won), 1e400 (read as infinity), and nesting deep enough to exhaust the
recursion limit. Each problem is one HarnessError naming the file (and line where JSON says it).
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

MAX_BYTES = 16 * 1024 * 1024   # a record is a few kB; anything this large is not one
MAX_DEPTH = 32                 # a record nests about four levels deep


class DocumentError(ValueError):
    """A decoded document that breaks a rule; the message names the field."""


def read_bytes_safely(path: Path, what: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file; a FIFO, device or folder is refused without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise HarnessError(f"{path}: {what} not found") from None
    except OSError as err:
        raise HarnessError(f"{path}: cannot open the {what}: {err.strerror}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise HarnessError(f"{path}: not a regular file (a FIFO, device or folder); a {what} must be a plain "
                               "file: remove or rename it")
        if status.st_size > max_bytes:
            raise HarnessError(f"{path}: {status.st_size} bytes is too large for a {what} (at most {max_bytes})")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            if sum(map(len, chunks)) > max_bytes:
                raise HarnessError(f"{path}: too large for a {what} (at most {max_bytes} bytes)")
        return b"".join(chunks)
    except OSError as err:
        raise HarnessError(f"{path}: cannot read the {what}: {err.strerror}") from None
    finally:
        os.close(fd)


def _alternating_nuls(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII text has every other byte NUL."""
    head = data[:4]
    return len(head) == 4 and ((head[1] == head[3] == 0 and head[0] != 0 and head[2] != 0)
                               or (head[0] == head[2] == 0 and head[1] != 0 and head[3] != 0))


def _decode(path: Path, data: bytes, what: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _alternating_nuls(data):
        raise HarnessError(f"{path}: looks like UTF-16 text, not UTF-8; a {what} must be UTF-8 JSON")
    if data.startswith(b"\xef\xbb\xbf"):
        raise HarnessError(f"{path}: starts with a byte-order mark; a {what} must be UTF-8 JSON without one")
    if b"\x00" in data:
        raise HarnessError(f"{path}: holds NUL bytes (a binary file?); a {what} must be UTF-8 JSON")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise HarnessError(f"{path}:{line}: not valid UTF-8 (byte {err.start}); a {what} must be UTF-8 JSON") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise DocumentError(f"key {key!r} appears twice in one object; keep one")
        document[key] = value
    return document


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(f"{text} is too large for a number (it reads as infinity)")
    return value


def _reject_constant(name: str) -> float:
    raise DocumentError(f"{name} is not a valid score; scores must be finite numbers")


def _check_depth(document: Any, limit: int) -> None:
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise DocumentError(f"nested more than {limit} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def load_json_document(path: Path | str, what: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Decode a JSON file strictly; every problem is one HarnessError that names the file (and line)."""
    path = Path(path)
    text = _decode(path, read_bytes_safely(path, what, max_bytes), what)
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_finite_float,
                              parse_constant=_reject_constant)
        _check_depth(document, max_depth)
    except json.JSONDecodeError as err:
        raise HarnessError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    except DocumentError as err:
        raise HarnessError(f"{path}: malformed {what}: {err}") from None
    except RecursionError:
        raise HarnessError(f"{path}: malformed {what}: nested too deeply to read") from None
    return document


__all__ = ["DocumentError", "load_json_document", "read_bytes_safely"]
