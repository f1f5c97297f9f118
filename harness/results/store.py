"""Writing and reading result records on disk.

Layout: `<results>/<experiment>/<variant>/<model>/<task>[.seed<N>].result.json`. Writes are
atomic (temp file in the same folder, fsync, rename), so a killed run never leaves half a
record; reading rejects any malformed record with a message naming the file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from harness.errors import HarnessError
from harness.results.provenance import git_revision, package_versions
from harness.results.record import RecordError, ResultRecord, record_from_dict

SUFFIX = ".result.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def slug(name: str) -> str:
    """A file-name-safe form of a model id or variant name (`org/model` → `org--model`)."""
    return _UNSAFE.sub("-", name.replace("/", "--")).strip("-") or "unnamed"


def record_path(results_dir: Path, record: ResultRecord) -> Path:
    seed = "" if record.seed is None else f".seed{record.seed}"
    return (Path(results_dir) / slug(record.experiment) / slug(record.variant) / slug(record.model)
            / f"{slug(record.task)}{seed}{SUFFIX}")


@cache
def _provenance() -> tuple[dict[str, str], str | None]:
    return package_versions(), git_revision()


def write_json_atomic(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_record(record: ResultRecord, results_dir: Path | str) -> Path:
    """Validate, fill in provenance, and write the record atomically; returns its path."""
    versions, revision = _provenance()
    if not record.versions:
        record.versions = dict(versions)
    if record.git_revision is None:
        record.git_revision = revision
    if record.created_at is None:
        record.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        record_from_dict(record.to_dict())
    except RecordError as err:
        raise HarnessError(f"refusing to write result for {record.task} ({record.variant}): {err}") from None
    path = record_path(Path(results_dir), record)
    write_json_atomic(path, record.to_dict())
    return path


def read_record(path: Path) -> ResultRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise HarnessError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    except (RecordError, OSError) as err:
        raise HarnessError(f"{path}: {err}") from None
    try:
        return record_from_dict(data)
    except (RecordError, TypeError) as err:
        raise HarnessError(f"{path}: malformed result record: {err}") from None


def _reject_constant(name: str) -> float:
    raise RecordError(f"{name} is not a valid score; scores must be finite numbers")


def load_records(results_dir: Path | str) -> list[ResultRecord]:
    """Every record under `results_dir`, in a stable order (sorted by path)."""
    root = Path(results_dir)
    if not root.is_dir():
        raise HarnessError(f"{root}: results folder not found")
    return [read_record(path) for path in sorted(root.rglob(f"*{SUFFIX}"))]
