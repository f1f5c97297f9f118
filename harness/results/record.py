"""The result record: one JSON file per (experiment, variant, model, task, seed).

Everything a reader needs to trust or reproduce a number travels with it: the protocol
(splits, layer, pooling, thresholds, hyperparameters), seed, data checksums, package versions,
git revision and timestamps. Since schema 2 a record also carries its resolved run spec
(`run_spec`: every hyperparameter as run, the upstream steps with their data checksums, the
retrieval protocol, the model's identity) and its run class (`full`, `smoke`, `partial`), which
is part of its path. Version 1 records still load (run class derived, run spec empty).
Derived numbers (task, group and overall scores) are not stored;
they are recomputed by `harness.results.aggregate` from the per-language metrics.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
RUN_CLASSES = ("full", "smoke", "partial")


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
    # full | smoke (--limit / --max-steps) | partial (fewer languages than the suite's).
    run_class: str = "full"
    # The resolved run spec (harness.pipeline.records.run_spec_of): how to reproduce the number.
    run_spec: dict[str, Any] = field(default_factory=dict)

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
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise RecordError(f"schema_version {version!r} is not supported (this harness reads versions "
                          f"{', '.join(map(str, READABLE_VERSIONS))})")
    if version == 1:
        data = _from_v1(data)
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
    if data.get("run_class", "full") not in RUN_CLASSES:
        raise RecordError(f"field 'run_class' is {data.get('run_class')!r}; expected one of {', '.join(RUN_CLASSES)}")
    if not isinstance(data.get("run_spec", {}), dict):
        raise RecordError("field 'run_spec' must be an object")
    return ResultRecord(**data)


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 record in version 2's terms: no run spec; smoke when it recorded limits."""
    if "run_class" in data or "run_spec" in data:
        raise RecordError("schema_version 1 records have no run_class or run_spec")
    protocol = data.get("protocol") if isinstance(data.get("protocol"), dict) else {}
    limits = protocol.get("smoke_limits") if isinstance(protocol.get("smoke_limits"), dict) else {}
    smoke = any(value is not None for value in limits.values())
    return {**data, "schema_version": 1, "run_class": "smoke" if smoke else "full", "run_spec": {}}


def is_publishable(run_class: str, scored_split: str | None) -> bool:
    """The one publishable rule, for every record builder: a full run scored on test data.
    Smoke and partial runs, and scores on dev (BUCC with dev data only, --eval-split dev), are
    kept and shown, never published as results."""
    return run_class == "full" and scored_split == "test"


def check_score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise RecordError(f"{where} is {value}; scores must be finite")
    return float(value)
