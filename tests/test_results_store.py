"""Result records: atomic writes, provenance, and a loader that refuses bad files by name."""

import json
import math

import pytest

from harness.errors import HarnessError
from harness.results import SCHEMA_VERSION, ResultRecord, load_records, read_record, write_record


def make_record(**overrides) -> ResultRecord:
    fields = dict(experiment="xstilts", variant="nli_de", model="org/model", task="xnli",
                  languages={"en": {"accuracy": 80.5}, "de": {"accuracy": 71.25}}, seed=3,
                  protocol={"split": "test"}, data_checksums={"xnli/test-en.tsv": "ab12"})
    fields.update(overrides)
    return ResultRecord(**fields)


def test_round_trip_with_provenance(tmp_path):
    path = write_record(make_record(), tmp_path)
    assert path == tmp_path / "xstilts" / "nli_de" / "org--model" / "xnli.seed3.result.json"
    record = read_record(path)
    assert record.languages["de"]["accuracy"] == 71.25
    assert record.schema_version == SCHEMA_VERSION
    assert "torch" in record.versions or "numpy" in record.versions
    assert record.created_at and record.created_at.endswith("+00:00")
    assert not list(tmp_path.rglob(".*.tmp*"))
    assert [r.task for r in load_records(tmp_path)] == ["xnli"]


def test_refuses_to_write_nan(tmp_path):
    with pytest.raises(HarnessError, match="languages.en.accuracy is nan"):
        write_record(make_record(languages={"en": {"accuracy": math.nan}}), tmp_path)
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(schema_version=99), "schema_version 99 is not supported"),
    (lambda d: d["languages"]["en"].update(accuracy="high"), "languages.en.accuracy must be a number"),
    (lambda d: d.update(colour="red"), "unknown field 'colour'"),
    (lambda d: d.pop("task"), "field 'task' must be a non-empty string"),
])
def test_loader_rejects_malformed_records(tmp_path, mutate, message):
    path = write_record(make_record(), tmp_path)
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(HarnessError, match=f"{path.name}: .*{message}"):
        load_records(tmp_path)


def test_loader_rejects_infinity_and_broken_json(tmp_path):
    path = write_record(make_record(), tmp_path)
    path.write_text(path.read_text().replace("80.5", "Infinity"))
    with pytest.raises(HarnessError, match="Infinity is not a valid score"):
        read_record(path)
    path.write_text("{\"experiment\": ")
    with pytest.raises(HarnessError, match=r"xnli.seed3.result.json:1:\d+: invalid JSON"):
        read_record(path)
