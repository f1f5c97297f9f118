"""Strict reading of the JSON files users hand us (records, baselines): refuse, never crash or hang.

Every check here answers a file that once stopped a command with a traceback or a hang: a FIFO
named `*.result.json` (open would block forever), a binary or UTF-16 file, a key given twice
(the second silently won), 1e400 (read as infinity), nesting deep enough to exhaust the
recursion limit, fields of the wrong type, and scores outside 0-100 that were published.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

MAX_BYTES = 16 * 1024 * 1024   # a record is a few kB; anything this large is not one
MAX_DEPTH = 32                 # a record nests about four levels deep
SCORE_RANGE = (0.0, 100.0)


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


def _decode(path: Path, data: bytes, what: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:4]):
        raise HarnessError(f"{path}: looks like UTF-16/32 text, not UTF-8; a {what} must be UTF-8 JSON")
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


# --------------------------------------------------------------------------- result records


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _optional(data: dict, key: str, ok: Callable[[Any], bool], description: str) -> None:
    if data.get(key) is not None and not ok(data[key]):
        raise DocumentError(f"field {key!r} must be {description}, got {type(data[key]).__name__}")


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def check_record_document(data: Any) -> None:
    """Types and ranges of a decoded record, beyond the schema check of `record_from_dict`.

    Scores are on the 0-100 scale: a value outside it is a bug upstream, never a result to publish.
    """
    if not isinstance(data, dict):
        raise DocumentError("top level must be a JSON object")
    for key in ("experiment", "variant", "model", "task", "suite"):
        if key in data and (not isinstance(data[key], str) or not data[key]):
            raise DocumentError(f"field {key!r} must be a non-empty string")
    _optional(data, "notes", _is_str, "a string")
    for key in ("variant_family", "git_revision", "created_at"):
        _optional(data, key, _is_str, "a string or null")
    _optional(data, "duration_s", _is_number, "a number or null")
    _optional(data, "publishable", lambda v: isinstance(v, bool), "true or false")
    for key in ("data_checksums", "versions"):
        mapping = data.get(key)
        if isinstance(mapping, dict):
            for name, value in mapping.items():
                if not isinstance(value, str):
                    raise DocumentError(f"{key}.{name} must be a string, got {type(value).__name__}")
    languages = data.get("languages")
    if isinstance(languages, dict):
        low, high = SCORE_RANGE
        for lang, metrics in languages.items():
            if not isinstance(metrics, dict):
                continue   # record_from_dict names this one
            for metric, value in metrics.items():
                if _is_number(value) and math.isfinite(value) and not low <= value <= high:
                    raise DocumentError(f"languages.{lang}.{metric} is {value}; scores are on the 0-100 scale")


__all__ = ["DocumentError", "check_record_document", "load_json_document", "read_bytes_safely"]
