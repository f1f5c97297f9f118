"""Shared low-level reading: decode a file once, split it into numbered lines, fail with file:line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from harness.errors import HarnessError


def fail(path: Path | str, line: int | str | None, problem: str) -> NoReturn:
    """Raise the one error shape every reader uses: ``<file>:<line>: <problem>``."""
    where = f"{path}:{line}" if line is not None else str(path)
    raise HarnessError(f"{where}: {problem}")


def read_text(path: Path) -> str:
    """Decode a whole file as UTF-8 (a leading BOM is dropped), naming the line of a bad byte."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        fail(path, None, "file not found; run `harness data download` or check --data-dir")
    except OSError as err:
        fail(path, None, f"cannot read file ({err.strerror})")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        fail(path, line, f"not valid UTF-8 (byte {err.start}); re-download the file")


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line without its line ending).

    Splits on ``\\n`` only (not on the Unicode separators ``str.splitlines`` honours, which
    occur inside real sentences) and drops a trailing ``\\r`` (XTREME's XNLI files are CRLF).
    A final empty line after the last newline is not yielded.
    """
    lines = read_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        yield number, line[:-1] if line.endswith("\r") else line


def tsv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) of a tab-separated file with no quoting at all.

    Real NLI text contains unbalanced quote characters, so ``csv`` quoting must stay off.
    """
    for number, line in numbered_lines(path):
        yield number, line.split("\t")


def jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) of a JSON-lines file, skipping blank lines."""
    for number, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            fail(path, number, f"invalid JSON ({err.msg} at column {err.colno})")
        if not isinstance(record, dict):
            fail(path, number, f"expected a JSON object, found {type(record).__name__}")
        yield number, record


def load_json(path: Path) -> object:
    """Parse a whole JSON document, naming line and column of a syntax error."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        fail(path, err.lineno, f"invalid JSON ({err.msg} at column {err.colno})")


def require(record: dict, key: str, path: Path, where: int | str, kind: type = str) -> object:
    """Return ``record[key]``, failing with file:line when it is missing or of the wrong type."""
    if key not in record:
        fail(path, where, f"missing field {key!r}")
    value = record[key]
    if kind is not object and not isinstance(value, kind):
        fail(path, where, f"field {key!r} should be {kind.__name__}, found {type(value).__name__}")
    return value
