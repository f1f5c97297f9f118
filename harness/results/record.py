"""The result record: one JSON file per (experiment, variant, model, task, seed).

Everything a reader needs to trust or reproduce a number travels with it: the protocol
(splits, layer, pooling, thresholds, hyperparameters), seed, data checksums, package versions,
git revision and timestamps. Derived numbers (task, group and overall scores) are not stored;
they are recomputed by `harness.results.aggregate` from the per-language metrics.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class ResultRecord:
    experiment: str
    variant: str
    model: str
    task: str
    languages: dict[str, dict[str, float]]
    suite: str = "xtreme"
    seed: int | None = None
    protocol: dict[str, Any] = field(default_factory=dict)
    data_checksums: dict[str, str] = field(default_factory=dict)
    publishable: bool = True
    notes: str = ""
    variant_family: str | None = None
    # Filled in by `write_record` when left empty.
    versions: dict[str, str] = field(default_factory=dict)
    git_revision: str | None = None
    created_at: str | None = None
    duration_s: float | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class RecordError(ValueError):
    """A record that does not follow the schema; the message says which field is wrong."""


_REQUIRED_STR = ("experiment", "variant", "model", "task")


def record_from_dict(data: Any) -> ResultRecord:
    """Validate a decoded JSON document and build the record (no NaN, no infinities)."""
    if not isinstance(data, dict):
        raise RecordError("top level must be a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise RecordError(f"schema_version {version!r} is not supported (this harness reads version {SCHEMA_VERSION})")
    known = {f.name for f in dataclasses.fields(ResultRecord)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecordError(f"unknown field {unknown[0]!r}")
    for key in _REQUIRED_STR:
        if not isinstance(data.get(key), str) or not data[key]:
            raise RecordError(f"field {key!r} must be a non-empty string")
    languages = data.get("languages")
    if not isinstance(languages, dict) or not languages:
        raise RecordError("field 'languages' must map language codes to metrics")
    for lang, metrics in languages.items():
        if not isinstance(metrics, dict) or not metrics:
            raise RecordError(f"languages.{lang} must map metric names to numbers")
        for metric, value in metrics.items():
            check_score(value, f"languages.{lang}.{metric}")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise RecordError("field 'seed' must be an integer or null")
    for key in ("protocol", "data_checksums", "versions"):
        if key in data and not isinstance(data[key], dict):
            raise RecordError(f"field {key!r} must be an object")
    if not isinstance(data.get("publishable", True), bool):
        raise RecordError("field 'publishable' must be true or false")
    return ResultRecord(**data)


def check_score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise RecordError(f"{where} is {value}; scores must be finite")
    return float(value)
