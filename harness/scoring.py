"""Score an XTREME submission folder (`<task>/test-<lang>.tsv|json`) against a label folder.

The numbers are exactly those of XTREME's official `evaluate.py` (same readers, same metric
calls, same averaging); what differs is that a bad submission is refused with one message
naming the file and line, instead of a traceback or a silently wrong score.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.metrics.registry import format_of, score_files
from harness.results.aggregate import aggregate
from harness.spec import GROUP_TITLES, Registry, SuiteSpec, TaskSpec, default_registry
from harness.text_safety import visible

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


def _parse_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) != 2 or not all(fields):
            raise HarnessError(f"{path}:{number}: expected '<source-id>\\t<english-id>', got {line!r}")
        pairs.append((fields[0], fields[1]))
    return pairs


def read_pair_files(task: TaskSpec, prediction: Path, gold: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(gold pairs, predicted pairs) of BUCC sentence ids. An empty prediction file is a valid
    answer (nothing mined above the threshold): it scores P/R/F1 0, not an error."""
    nothing_mined = not _read_text(prediction, allow_empty=True).strip()
    predicted = [] if nothing_mined else _parse_pairs(prediction)
    return _parse_pairs(gold), predicted


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


def score_file(task: TaskSpec, prediction: Path, gold: Path, language: str) -> dict[str, float]:
    """Metrics for one language file of one task: the task's prediction format reads and checks
    both files, its metric computes (both from `harness.metrics.registry`)."""
    return score_files(task, prediction, gold, language)


# --------------------------------------------------------------------------- folders


def score_submission(predictions_dir: Path, labels_dir: Path, tasks: Sequence[str] | None = None,
                     allow_partial: bool = False, suite: SuiteSpec | None = None,
                     registry: Registry | None = None, split: str = "test") -> dict:
    """Score every requested task present in the submission; returns the aggregate sheet."""
    registry = registry or default_registry()
    suite = suite or registry.suite("xtreme")
    for folder, what in ((predictions_dir, "predictions"), (labels_dir, "labels")):
        if not Path(folder).is_dir():
            raise HarnessError(f"{folder}: {what} folder not found")
    if tasks:
        for name in tasks:
            if name not in suite.tasks:
                raise HarnessError(f"--tasks: {name!r} is not a task of suite {suite.name!r} ({', '.join(suite.tasks)})")
        wanted = list(tasks)
    else:
        wanted = [name for name in suite.tasks if (Path(predictions_dir) / name).is_dir()]
        if not wanted:
            raise HarnessError(f"{predictions_dir}: no task folders found (expected e.g. {suite.tasks[0]}/test-<lang>.tsv)")
    per_task: dict[str, dict[str, dict[str, float]]] = {}
    for name in wanted:
        task = registry.task(name)
        scores: dict[str, dict[str, float]] = {}
        for lang in suite.task_languages(task):
            filename = f"{split}-{lang}.{format_of(task).suffix}"
            prediction, gold = Path(predictions_dir) / name / filename, Path(labels_dir) / name / filename
            missing = [p for p in (prediction, gold) if not p.is_file()]
            if missing:
                if allow_partial:
                    log.warning("%s: missing; %s %s left out (--allow-partial)", missing[0], name, lang)
                    continue
                raise HarnessError(f"{missing[0]}: file not found; every language of {name} is needed (or pass --allow-partial)")
            scores[lang] = score_file(task, prediction, gold, lang)
        if scores:
            per_task[name] = scores
        elif not allow_partial:
            raise HarnessError(f"{name}: no language could be scored")
    return aggregate(per_task, suite, registry)


def format_table(sheet: dict, registry: Registry | None = None) -> str:
    """A plain-text summary of a score sheet for the terminal."""
    registry = registry or default_registry()
    rows = [f"{'task':<10} {'score':>7}  metrics (mean over languages)"]
    for name, entry in sheet["tasks"].items():
        score = "-" if entry["score"] is None else f"{entry['score']:.2f}"
        metrics = ", ".join(f"{m}={v:.2f}" for m, v in entry["metrics"].items())
        flag = "" if entry["complete"] else f"  [partial: missing {', '.join(entry['missing_languages'])}]"
        rows.append(f"{name:<10} {score:>7}  {metrics}{flag}")
    rows.append("")
    for group, entry in sheet["groups"].items():
        flag = " (partial)" if entry["partial"] else ""
        rows.append(f"{GROUP_TITLES[group]:<24} {entry['score']:.2f}{flag}")
    overall = sheet["overall"]
    if overall:
        flag = " (partial)" if overall.get("partial") else ""
        rows.append(f"{'Overall, mean over tasks':<34} {overall['mean_over_tasks']:.2f}{flag}")
        if "mean_over_groups" in overall:
            rows.append(f"{'Overall, mean over categories':<34} {overall['mean_over_groups']:.2f}{flag}")
    else:
        rows.append("Overall: not shown (not every task of the suite was scored)")
    return visible("\n".join(rows))  # names come from specs a user may edit: no live control codes
