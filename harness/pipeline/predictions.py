"""Predictions of the target phase in XTREME's submission layout, and their scores.

Files are written as `<task>/<split>-<lang>.<tsv|json>`, exactly what `harness score` and the
XTREME leaderboard read, with the gold side beside them when the labels are public, so any
run can be re-scored independently with `harness score --predictions ... --labels ...`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.metrics import accuracy, mlqa_em_f1, squad_em_f1, tagging_scores
from harness.spec import TaskSpec


def _path(task: TaskSpec, root: Path, split: str, lang: str) -> Path:
    path = Path(root) / task.name / f"{split}-{lang}.{task.prediction_suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _tag_lines(sentences: Sequence[Sequence[str]]) -> str:
    return "".join("".join(f"{tag}\n" for tag in tags) + "\n" for tags in sentences)


def write_predictions(task: TaskSpec, root: Path, split: str, lang: str, examples: Sequence[Any],
                      predictions: Any) -> Path:
    path = _path(task, root, split, lang)
    if task.prediction_format == "labels":
        path.write_text("".join(f"{label}\n" for label in predictions), encoding="utf-8")
    elif task.prediction_format == "tags":
        path.write_text(_tag_lines(predictions), encoding="utf-8")
    elif task.prediction_format == "squad_json":
        path.write_text(json.dumps(predictions, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        raise ValueError(f"{task.name}: the target phase does not write {task.prediction_format!r} files")
    return path


def has_labels(task: TaskSpec, examples: Sequence[Any]) -> bool:
    if not examples:
        return False
    if task.task_type == "pair_classification":
        return all(ex.label is not None for ex in examples)
    if task.task_type == "token_classification":
        return all(ex.tags for ex in examples)
    if task.task_type == "extractive_qa":
        return all(ex.answers for ex in examples)
    return False


def write_gold(task: TaskSpec, root: Path, split: str, lang: str, examples: Sequence[Any]) -> Path:
    path = _path(task, root, split, lang)
    if task.prediction_format == "labels":
        path.write_text("".join(f"{ex.label}\n" for ex in examples), encoding="utf-8")
    elif task.prediction_format == "tags":
        path.write_text(_tag_lines([ex.tags for ex in examples]), encoding="utf-8")
    else:
        qas = [{"id": ex.qid, "question": ex.question,
                "answers": [{"text": a.text, "answer_start": a.start} for a in ex.answers]} for ex in examples]
        document = {"version": "1.1", "data": [{"title": "gold", "paragraphs": [{"context": "", "qas": qas}]}]}
        path.write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def score_predictions(task: TaskSpec, examples: Sequence[Any], predictions: Any, lang: str) -> dict[str, float] | None:
    """The task's metrics for one language, or None when the split carries no labels."""
    if not has_labels(task, examples):
        return None
    if task.metric == "accuracy":
        return accuracy([ex.label for ex in examples], list(predictions))
    if task.metric == "f1":
        return tagging_scores([ex.tags for ex in examples], predictions)
    gold = [(ex.qid, [a.text for a in ex.answers]) for ex in examples]
    if task.metric == "mlqa_em_f1":
        return mlqa_em_f1(gold, predictions, lang.split("-")[0])
    return squad_em_f1(gold, predictions)
