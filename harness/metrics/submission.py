"""The files of an XTREME submission, read and checked: one reader per prediction format.

Each `read_*_files(task, prediction, gold)` returns (gold, predicted) parsed as XTREME's
`evaluate.py` reads them, or raises one HarnessError naming the file and line. They sit below
the task types and the scorer so that both (`harness score` and the executor) read files
through the same code; the metric registry names them per prediction format.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.spec import TaskSpec

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- readers


def _read_text(path: Path, allow_empty: bool = False) -> str:
    """A submission or gold file as text; a leading byte-order mark is dropped with a warning.

    The official scorer opens files as plain UTF-8, so a BOM stays glued to the first label
    (``\ufeffentailment`` counts as wrong) or breaks ``json.load``. A BOM is an encoding
    artefact, not content: this scorer strips it and says so rather than score it.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise HarnessError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise HarnessError(f"{path}: cannot read file ({err.strerror})") from None
    if text.startswith("\ufeff"):
        log.warning("%s: starts with a byte-order mark (U+FEFF); ignored", path)
        text = text[1:]
    if not allow_empty and not text.strip():
        raise HarnessError(f"{path}: file is empty")
    return text


def split_lines(text: str) -> list[str]:
    """Lines as the official scorer's ``for line in open(file)`` yields them.

    Python's text mode ends a line at ``\n``, ``\r\n`` or ``\r`` and nowhere else.
    ``str.splitlines`` also splits at ``\x0b \x0c \x1c-\x1e \x85 \u2028 \u2029``, which occur
    inside real XTREME sentences (PAWS-X ko dev, XNLI el test), so it is not used here.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_lines(path: Path, allow_empty: bool = False) -> list[str]:
    """One stripped entry per line (XTREME's `read_label`)."""
    return [line.strip() for line in split_lines(_read_text(path, allow_empty))]


def read_tag_sentences(path: Path) -> list[tuple[int, list[str]]]:
    """Sentences as (first line number, tags), blank lines separating them (XTREME's `read_tag`)."""
    sentences: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, raw in enumerate(split_lines(_read_text(path)), start=1):
        line = raw.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        else:
            # As in XTREME, every blank line closes a sentence, even an empty one.
            sentences.append((start, current))
            current, start = [], number + 1
    if current:
        sentences.append((start, current))
    return sentences


def read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise HarnessError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None


def read_squad_gold(path: Path) -> list[tuple[str, list[str]]]:
    document = read_json(path)
    articles = document.get("data") if isinstance(document, dict) and "data" in document else document
    if not isinstance(articles, list):
        raise HarnessError(f"{path}: expected SQuAD format: an object with a 'data' list of articles")
    gold = []
    try:
        for article in articles:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = [answer["text"] for answer in qa["answers"]]
                    if not answers:
                        # The official scripts end in a ValueError (max() of nothing) here.
                        raise HarnessError(
                            f"{path}: question {qa['id']!r} has an empty 'answers' list; every gold "
                            "question needs an answer (label-stripped test files cannot be scored)")
                    if not all(isinstance(answer, str) for answer in answers):
                        raise HarnessError(f"{path}: question {qa['id']!r}: answer 'text' must be a string")
                    gold.append((qa["id"], answers))
    except (KeyError, TypeError) as err:
        raise HarnessError(f"{path}: not SQuAD format (missing or malformed {err}); expected data[].paragraphs[].qas[].answers[].text") from None
    if not gold:
        raise HarnessError(f"{path}: no questions in the label file")
    return gold


def read_squad_predictions(path: Path) -> dict[str, str]:
    predictions = read_json(path)
    if not isinstance(predictions, dict):
        raise HarnessError(f"{path}: expected a JSON object mapping question ids to answer text")
    for qid, answer in predictions.items():
        if not isinstance(answer, str):
            raise HarnessError(f"{path}: answer for question {qid!r} is {type(answer).__name__}, expected a string")
    return predictions


# --------------------------------------------------------------------------- per-file scoring


def _check_labels(path: Path, values: Iterable[tuple[int, str]], allowed: Sequence[str] | None) -> None:
    if allowed is None:
        return
    allowed_set = set(allowed)
    for number, value in values:
        if value not in allowed_set:
            shown = ", ".join(allowed) if len(allowed) <= 20 else f"{len(allowed)} known labels"
            raise HarnessError(f"{path}:{number}: unknown label {value!r}; expected one of: {shown}")


def _check_same_length(prediction: Path, gold: Path, n_pred: int, n_gold: int, unit: str) -> None:
    if n_pred != n_gold:
        raise HarnessError(f"{prediction}: {n_pred} {unit} but {gold} has {n_gold}; one prediction per gold {unit[:-1]} is expected")


def read_label_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[str], list[str]]:
    """(gold labels, predicted labels), one per line, both checked against the task's labels."""
    predictions, labels = read_lines(prediction), read_lines(gold)
    _check_labels(gold, enumerate(labels, start=1), task.labels)
    _check_same_length(prediction, gold, len(predictions), len(labels), "lines")
    _check_labels(prediction, enumerate(predictions, start=1), task.labels)
    return labels, predictions


def _check_indices(path: Path, values: list[str]) -> None:
    for number, value in enumerate(values, start=1):
        if not value.isdigit():
            raise HarnessError(f"{path}:{number}: expected the index of an English sentence, got {value!r}")


def read_index_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[str], list[str]]:
    """(gold indices, predicted indices) as the strings XTREME compares (Tatoeba)."""
    predictions, labels = read_lines(prediction), read_lines(gold)
    _check_indices(gold, labels)
    _check_same_length(prediction, gold, len(predictions), len(labels), "lines")
    _check_indices(prediction, predictions)
    return labels, predictions


def read_tag_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[list[str]], list[list[str]]]:
    """(gold sentences, predicted sentences) of tags, same shape, tags checked against the task's labels."""
    predictions, labels = read_tag_sentences(prediction), read_tag_sentences(gold)
    for gold_line, gold_tags in labels:
        _check_labels(gold, ((gold_line + i, tag) for i, tag in enumerate(gold_tags)), task.labels)
    _check_same_length(prediction, gold, len(predictions), len(labels), "sentences")
    for (line, tags), (gold_line, gold_tags) in zip(predictions, labels, strict=True):
        if len(tags) != len(gold_tags):
            raise HarnessError(f"{prediction}:{line}: sentence has {len(tags)} tags but the gold sentence at {gold}:{gold_line} has {len(gold_tags)}")
        _check_labels(prediction, ((line + i, tag) for i, tag in enumerate(tags)), task.labels)
    return [t for _, t in labels], [t for _, t in predictions]


def _parse_pairs(path: Path, lines: list[str]) -> list[tuple[str, str]]:
    """The (source id, English id) pairs of `lines`, read from `path` (named in errors)."""
    pairs = []
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if len(fields) != 2 or not all(fields):
            raise HarnessError(f"{path}:{number}: expected '<source-id>\\t<english-id>', got {line!r}")
        pairs.append((fields[0], fields[1]))
    return pairs


def read_pair_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(gold pairs, predicted pairs) of BUCC sentence ids. An empty prediction file is a valid
    answer (nothing mined above the threshold): it scores P/R/F1 0, not an error."""
    lines = read_lines(prediction, allow_empty=True)  # read once: empty or whitespace-only is "nothing mined"
    predicted = _parse_pairs(prediction, lines) if any(lines) else []
    return _parse_pairs(gold, read_lines(gold)), predicted


def read_squad_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[tuple[str, list[str]]], dict[str, str]]:
    """(gold (question id, answer texts), {question id: predicted answer})."""
    labels, predictions = read_squad_gold(gold), read_squad_predictions(prediction)
    known = {qid for qid, _ in labels}
    unknown = sorted(set(predictions) - known)
    if unknown:
        # The official scorer only looks up the gold ids, so extra answers change nothing.
        log.warning("%s: %d answer(s) for question ids not in %s (e.g. %r); ignored",
                    prediction, len(unknown), gold, unknown[0])
        predictions = {qid: answer for qid, answer in predictions.items() if qid in known}
    return labels, predictions
