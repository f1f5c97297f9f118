"""Multiple-choice files: HellaSwag jsonl, Cosmos QA (csv or jsonl), CommonsenseQA jsonl."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.data.examples import MultipleChoiceExample
from harness.data.readers._text import fail, jsonl_records, read_text, require


def _label_index(value: object, n_choices: int, path: Path, line: int | str) -> int:
    try:
        index = int(value)  # HellaSwag / Cosmos QA store 0..3 as int or string
    except (TypeError, ValueError):
        fail(path, line, f"label {value!r} is not a choice index")
    if not 0 <= index < n_choices:
        fail(path, line, f"label {index} outside 0..{n_choices - 1}")
    return index


def read_hellaswag_jsonl(path: Path) -> list[MultipleChoiceExample]:
    """HellaSwag ``hellaswag_{train,val,test}.jsonl``: ``ctx_a``, ``ctx_b``, four ``endings``, ``label``."""
    path = Path(path)
    examples = []
    for number, record in jsonl_records(path):
        endings = require(record, "endings", path, number, list)
        if len(endings) < 2 or not all(isinstance(e, str) for e in endings):
            fail(path, number, "field 'endings' should be a list of at least two strings")
        label = record.get("label")
        examples.append(
            MultipleChoiceExample(
                str(record.get("ind", f"{path.stem}-{number}")),
                require(record, "ctx_a", path, number),
                require(record, "ctx_b", path, number),
                list(endings),
                None if label is None else _label_index(label, len(endings), path, number),
            )
        )
    return examples


_COSMOS_CHOICES = ("answer0", "answer1", "answer2", "answer3")


def _cosmos_example(record: dict, path: Path, line: int) -> MultipleChoiceExample:
    choices = [str(require(record, key, path, line)) for key in _COSMOS_CHOICES]
    label = record.get("label")
    return MultipleChoiceExample(
        str(require(record, "id", path, line)),
        str(require(record, "context", path, line)),
        str(require(record, "question", path, line)),
        choices,
        None if label in (None, "") else _label_index(label, 4, path, line),
    )


def read_cosmosqa(path: Path) -> list[MultipleChoiceExample]:
    """Cosmos QA as published: ``train.csv`` / ``valid.csv`` (quoted CSV) or ``test.jsonl``."""
    path = Path(path)
    if path.suffix == ".jsonl":
        return [_cosmos_example(record, path, number) for number, record in jsonl_records(path)]
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    missing = [
        key
        for key in ("id", "context", "question", *_COSMOS_CHOICES)
        if key not in (reader.fieldnames or [])
    ]
    if missing:
        fail(path, 1, f"CSV header lacks column(s) {', '.join(missing)}")
    examples = []
    try:
        for record in reader:
            if None in record or any(value is None for value in record.values()):
                fail(path, reader.line_num, "row has a different number of columns than the header")
            examples.append(_cosmos_example(record, path, reader.line_num))
    except csv.Error as err:
        fail(path, reader.line_num, f"malformed CSV ({err})")
    return examples


def read_commonsenseqa_jsonl(path: Path) -> list[MultipleChoiceExample]:
    """CommonsenseQA ``{train,dev}_rand_split.jsonl``: question stem, lettered choices, ``answerKey``."""
    path = Path(path)
    examples = []
    for number, record in jsonl_records(path):
        question = require(record, "question", path, number, dict)
        stem = require(question, "stem", path, number)
        choices = require(question, "choices", path, number, list)
        letters, texts = [], []
        for choice in choices:
            if not isinstance(choice, dict):
                fail(path, number, "each choice should be an object with 'label' and 'text'")
            letters.append(require(choice, "label", path, number))
            texts.append(require(choice, "text", path, number))
        key = record.get("answerKey")
        if key is not None and key not in letters:
            fail(path, number, f"answerKey {key!r} is none of the choice labels {letters}")
        examples.append(
            MultipleChoiceExample(
                str(require(record, "id", path, number)),
                stem,
                "",
                texts,
                None if key is None else letters.index(key),
            )
        )
    return examples
