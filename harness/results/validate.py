"""Types and ranges of a decoded result record, beyond the schema check of `record_from_dict`.

Wrongly typed fields once crashed the leaderboard deep inside rendering, and scores of -50
and 1000 were published; both are refused here, at load, with the field named.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from harness.strict_json import DocumentError, load_json_document, read_bytes_safely

SCORE_RANGE = (0.0, 100.0)


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


__all__ = ["SCORE_RANGE", "DocumentError", "check_record_document", "load_json_document", "read_bytes_safely"]
