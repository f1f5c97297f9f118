"""Result records (schema, atomic store) and their aggregation into XTREME scores."""

from harness.results.aggregate import aggregate, aggregate_records, main_score, score_task
from harness.results.record import SCHEMA_VERSION, RecordError, ResultRecord, record_from_dict
from harness.results.store import (
    load_records,
    read_record,
    record_path,
    write_json_atomic,
    write_record,
)

__all__ = [
    "SCHEMA_VERSION", "RecordError", "ResultRecord", "aggregate", "aggregate_records", "load_records",
    "main_score", "read_record", "record_from_dict", "record_path", "score_task", "write_json_atomic",
    "write_record",
]
