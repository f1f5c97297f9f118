"""Writing and reading result records on disk.

Layout: `<results>/<experiment>/<variant>/<model>/<task>[.seed<N>][.smoke|.partial].result.json`. Writes are
atomic (temp file in the same folder, fsync, rename), so a killed run never leaves half a
record; reading rejects any malformed record with a message naming the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import HarnessError
from harness.results.atomic import write_text_atomic
from harness.results.provenance import git_revision, package_versions
from harness.results.record import RecordError, ResultRecord, record_from_dict
from harness.results.validate import DocumentError, check_record_document, load_json_document

if TYPE_CHECKING:
    from harness.spec import Registry

SUFFIX = ".result.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")
# Longest slug: a record's file name is the task's slug plus at most ~30 characters, well under
# the 255 bytes most file systems allow per name (a slug is ASCII: one byte a character).
SLUG_MAX = 120
_HASH_CHARS = 12


def slug(name: str) -> str:
    """A file-name-safe form of a model id or variant name (`org/model` → `org--model`).

    A name whose form is longer than SLUG_MAX is cut and ends in a hash of the whole name, so two
    long names stay apart; shorter names map as they always did (existing records keep their paths).
    A form of dots only (`.`, `..`) would name the folder itself or its parent: it is hashed too.
    """
    text = _UNSAFE.sub("-", name.replace("/", "--")).strip("-") or "unnamed"
    if len(text) <= SLUG_MAX and text.strip("."):
        return text
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    head = text[: SLUG_MAX - _HASH_CHARS - 1].strip(".-") or "unnamed"
    return f"{head}-{digest}"


def record_path(results_dir: Path, record: ResultRecord) -> Path:
    """`<task>[.seed<N>][.smoke|.partial].result.json`: the run class is part of a record's
    identity, so a smoke run never overwrites the full record beside it."""
    seed = "" if record.seed is None else f".seed{record.seed}"
    run_class = "" if record.run_class == "full" else f".{slug(record.run_class)}"
    return (Path(results_dir) / slug(record.experiment) / slug(record.variant) / slug(record.model)
            / f"{slug(record.task)}{seed}{run_class}{SUFFIX}")


@cache
def _provenance() -> tuple[dict[str, str], str | None]:
    return package_versions(), git_revision()


def write_json_atomic(path: Path, document: object, *, into_special: bool = True) -> None:
    """Sorted, NaN-free JSON written atomically; symlinks, devices and the umask are respected (see atomic.py)."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    write_text_atomic(Path(path), text, into_special=into_special)


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
    write_json_atomic(path, record.to_dict(), into_special=False)   # a FIFO there would block the run
    return path


def read_record(path: Path) -> ResultRecord:
    """One record, strictly: non-regular files, bad encodings, duplicate keys, wrong types and
    scores outside 0-100 are refused with the file named (see `harness.results.validate`)."""
    path = Path(path)
    data = load_json_document(path, "result record")
    try:
        check_record_document(data)
        return record_from_dict(data)
    except (DocumentError, RecordError, TypeError) as err:
        raise HarnessError(f"{path}: malformed result record: {err}") from None


def check_main_metrics(path: Path, record: ResultRecord, registry: Registry) -> None:
    """Every language of a known task must carry the metrics its main score is made of."""
    if record.task not in registry.tasks:
        return   # `check_records` names the unknown task
    needed = registry.task(record.task).metric_keys
    for lang, metrics in record.languages.items():
        absent = [key for key in needed if key not in metrics]
        if absent:
            raise HarnessError(f"{path}: malformed result record: languages.{lang} lacks {absent[0]!r}, part of "
                               f"the main metric of {record.task}")


def load_records(results_dir: Path | str, registry: Registry | None = None) -> list[ResultRecord]:
    """Every record under `results_dir`, in a stable order (sorted by path).

    With `registry`, each record must also carry its task's main metric in every language.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise HarnessError(f"{root}: results folder not found")
    records = []
    for path in sorted(root.rglob(f"*{SUFFIX}")):
        record = read_record(path)
        if registry is not None:
            check_main_metrics(path, record, registry)
        records.append(record)
    return records
