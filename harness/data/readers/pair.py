"""Sentence-pair classification files: XNLI, PAWS-X, MNLI/SNLI/ANLI, QQP, in their published layouts."""

from __future__ import annotations

from pathlib import Path

from harness.data.examples import PairExample
from harness.data.readers._text import fail, jsonl_records, require, tsv_rows

NLI_LABELS = ("entailment", "neutral", "contradiction")
BINARY_LABELS = ("0", "1")

# XNLI-MT writes "contradictory"; ANLI abbreviates. Everything leaves here spelled as MNLI does.
_NLI_SPELLINGS = {
    "entailment": "entailment",
    "neutral": "neutral",
    "contradiction": "contradiction",
    "contradictory": "contradiction",
    "e": "entailment",
    "n": "neutral",
    "c": "contradiction",
}


def normalise_nli_label(label: str, path: Path, line: int | str) -> str:
    try:
        return _NLI_SPELLINGS[label.strip().lower()]
    except KeyError:
        fail(path, line, f"unknown NLI label {label!r}; expected one of {', '.join(NLI_LABELS)}")


def _binary_label(label: str, path: Path, line: int) -> str:
    label = label.strip()
    if label not in BINARY_LABELS:
        fail(path, line, f"label {label!r} should be 0 or 1")
    return label


def read_xtreme_pair_tsv(path: Path, label_kind: str) -> list[PairExample]:
    """XTREME-preprocessed XNLI / PAWS-X: ``text_a<TAB>text_b[<TAB>label]``, no header.

    Two columns is XTREME's label-stripped test file (``label=None``); three carry the label.
    ``label_kind`` is ``"nli"`` or ``"binary"``; it decides which labels are legal.
    """
    path = Path(path)
    examples: list[PairExample] = []
    width = None
    for number, fields in tsv_rows(path):
        if width is None:
            if len(fields) not in (2, 3):
                fail(path, number, f"expected 2 or 3 tab-separated fields, found {len(fields)}")
            width = len(fields)
        elif len(fields) != width:
            fail(
                path,
                number,
                f"expected {width} tab-separated fields like line 1, found {len(fields)}",
            )
        label = None
        if width == 3:
            label = (
                normalise_nli_label(fields[2], path, number)
                if label_kind == "nli"
                else _binary_label(fields[2], path, number)
            )
        examples.append(PairExample(f"{path.stem}-{number}", fields[0], fields[1], label))
    return examples


def _header_index(path: Path, header: list[str], wanted: tuple[str, ...]) -> dict[str, int]:
    missing = [name for name in wanted if name not in header]
    if missing:
        fail(path, 1, f"header lacks column(s) {', '.join(missing)}; found {', '.join(header)}")
    return {name: header.index(name) for name in header}


def _rows_with_header(path: Path, wanted: tuple[str, ...], ragged: bool = False):
    """Rows as dicts keyed by the header. ``ragged``: trailing empty columns may be left out
    (the MNLI/SNLI ``.txt`` files drop unused annotator-label columns)."""
    rows = tsv_rows(path)
    first = next(rows, None)
    if first is None:
        fail(path, 1, "empty file; expected a header line")
    columns = _header_index(path, first[1], wanted)
    needed = max(columns[name] for name in wanted) + 1
    for number, fields in rows:
        if ragged and needed <= len(fields) <= len(first[1]):
            fields = fields + [""] * (len(first[1]) - len(fields))
        if len(fields) != len(first[1]):
            fail(
                path,
                number,
                f"expected {len(first[1])} tab-separated fields as in the header, found {len(fields)}",
            )
        yield number, {name: fields[i] for name, i in columns.items()}


def read_xnli_raw(path: Path, language: str) -> list[PairExample]:
    """Raw XNLI-1.0 ``xnli.{dev,test}.tsv`` (all 15 languages in one file), rows of ``language``."""
    path = Path(path)
    examples = []
    for number, row in _rows_with_header(
        path, ("language", "gold_label", "sentence1", "sentence2", "pairID")
    ):
        if row["language"] != language:
            continue
        label = normalise_nli_label(row["gold_label"], path, number)
        examples.append(
            PairExample(f"{language}-{row['pairID']}", row["sentence1"], row["sentence2"], label)
        )
    return examples


def read_xnli_mt(path: Path) -> list[PairExample]:
    """XNLI-MT ``multinli.train.<lang>.tsv``: header ``premise hypo label``, one translated pair per row."""
    path = Path(path)
    return [
        PairExample(
            f"{path.stem}-{number}",
            row["premise"],
            row["hypo"],
            normalise_nli_label(row["label"], path, number),
        )
        for number, row in _rows_with_header(path, ("premise", "hypo", "label"))
    ]


def read_pawsx_raw(path: Path) -> list[PairExample]:
    """PAWS-X ``x-final/<lang>/{train,translated_train,dev_2k,test_2k}.tsv``: header ``id sentence1 sentence2 label``."""
    path = Path(path)
    return [
        PairExample(
            row["id"], row["sentence1"], row["sentence2"], _binary_label(row["label"], path, number)
        )
        for number, row in _rows_with_header(path, ("id", "sentence1", "sentence2", "label"))
    ]


def read_nli_jsonl(path: Path, language: str | None = None) -> list[PairExample]:
    """MNLI / SNLI / XNLI jsonl (``sentence1``, ``sentence2``, ``gold_label``, ``pairID``).

    Rows whose gold label is ``-`` (no annotator majority) are skipped, as everyone does.
    ``language`` keeps the rows of one language of a multilingual XNLI file.
    """
    path = Path(path)
    examples = []
    for number, record in jsonl_records(path):
        if language is not None and require(record, "language", path, number) != language:
            continue
        gold = require(record, "gold_label", path, number)
        if gold == "-":
            continue
        examples.append(
            PairExample(
                str(record.get("pairID", f"{path.stem}-{number}")),
                require(record, "sentence1", path, number),
                require(record, "sentence2", path, number),
                normalise_nli_label(gold, path, number),
            )
        )
    return examples


def read_nli_txt(path: Path) -> list[PairExample]:
    """MNLI / SNLI ``.txt`` release: tab-separated with a header naming ``gold_label sentence1 sentence2``."""
    path = Path(path)
    examples = []
    for number, row in _rows_with_header(
        path, ("gold_label", "sentence1", "sentence2", "pairID"), ragged=True
    ):
        if row["gold_label"] == "-":
            continue
        label = normalise_nli_label(row["gold_label"], path, number)
        examples.append(PairExample(row["pairID"], row["sentence1"], row["sentence2"], label))
    return examples


def read_anli_jsonl(path: Path) -> list[PairExample]:
    """ANLI ``R{1,2,3}/{train,dev,test}.jsonl``: ``uid``, ``context``, ``hypothesis``, label ``e``/``n``/``c``."""
    path = Path(path)
    return [
        PairExample(
            str(require(record, "uid", path, number)),
            require(record, "context", path, number),
            require(record, "hypothesis", path, number),
            normalise_nli_label(require(record, "label", path, number), path, number),
        )
        for number, record in jsonl_records(path)
    ]


def read_glue_mnli_tsv(path: Path) -> list[PairExample]:
    """GLUE MNLI tsv (``train.tsv``, ``dev_matched.tsv``...): header with ``sentence1 sentence2 gold_label``.

    GLUE's test files have no ``gold_label`` column; their examples get ``label=None``.
    """
    path = Path(path)
    examples = []
    rows = _rows_with_header(path, ("index", "sentence1", "sentence2"))
    for number, row in rows:
        label = row.get("gold_label")
        examples.append(
            PairExample(
                f"{path.stem}-{row['index']}",
                row["sentence1"],
                row["sentence2"],
                normalise_nli_label(label, path, number) if label is not None else None,
            )
        )
    return examples


def read_qqp_tsv(path: Path) -> list[PairExample]:
    """GLUE QQP tsv: ``id qid1 qid2 question1 question2 is_duplicate`` (test: ``id question1 question2``)."""
    path = Path(path)
    examples = []
    for number, row in _rows_with_header(path, ("id", "question1", "question2")):
        label = row.get("is_duplicate")
        examples.append(
            PairExample(
                row["id"],
                row["question1"],
                row["question2"],
                _binary_label(label, path, number) if label is not None else None,
            )
        )
    return examples
