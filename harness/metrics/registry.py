"""The one metric registry: per metric name, what it computes, the per-language keys it
reports, its main score, its leaderboard title; per prediction format, the file suffix and the
reader of a (prediction file, gold file) pair.

Why one table: the scorer (`harness score`), the executor, aggregation and the leaderboard
all need these facts; kept here, a new metric is one entry instead of an if-branch in every
module. The entries name their implementations by dotted path (`module:function`) and
import them on first use, so loading the specs pays neither for seqeval nor for sklearn.
The implementations are the metric functions in `harness.metrics.*` and the validating
readers in `harness.metrics.submission`, unchanged: the numbers are theirs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.spec import TaskSpec


@cache
def resolve(reference: str) -> Callable:
    """The function a `module:function` reference names (imported on first use)."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Metric:
    """One metric as XTREME reports it.

    `compute` is called as compute(gold, predicted, language) on what the prediction
    format's reader returns; `main_keys` are averaged into the task's main score (QA: the
    mean of EM and F1, XTREME's convention).
    """

    name: str
    keys: tuple[str, ...]
    main_keys: tuple[str, ...]
    title: str
    compute: str
    description: str = ""
    #: how per-example evidence (bootstrap sidecars, harness/metrics/evidence.py) is kept
    evidence: str = ""

    def score(self, gold: Any, predicted: Any, language: str) -> dict[str, float]:
        return resolve(self.compute)(gold, predicted, language)

    def main_score(self, values: Mapping[str, float]) -> float:
        """The headline number from one language's metrics or from their means over languages."""
        if len(self.main_keys) == 1:
            return values[self.main_keys[0]]
        return sum(values[key] for key in self.main_keys) / len(self.main_keys)

    @property
    def is_qa(self) -> bool:
        """Shown as EM / F1 (two numbers) on the leaderboard."""
        return self.main_keys == ("exact_match", "f1")

    @property
    def extra_keys(self) -> tuple[str, ...]:
        """Reported keys that are not part of the main score (precision, recall)."""
        return tuple(key for key in self.keys if key not in self.main_keys)


@dataclass(frozen=True)
class PredictionFormat:
    """An XTREME submission file format: `<task>/<split>-<lang>.<suffix>`.

    `read` is called as read(task, prediction_path, gold_path) and returns (gold, predicted),
    validated (one clear HarnessError naming file and line otherwise).
    """

    name: str
    suffix: str
    read: str
    description: str = ""

    def read_pair(self, task: TaskSpec, prediction: Path, gold: Path) -> tuple[Any, Any]:
        return resolve(self.read)(task, Path(prediction), Path(gold))


# --------------------------------------------------------------------------- compute adapters
# One calling convention (gold, predicted, language) over the metric functions' own.


def _accuracy(gold, predicted, language: str) -> dict[str, float]:
    from harness.metrics.classification import accuracy

    return accuracy(gold, predicted)


def _span_f1(gold, predicted, language: str) -> dict[str, float]:
    from harness.metrics.tagging import tagging_scores

    return tagging_scores(gold, predicted)


def _squad(gold, predicted, language: str) -> dict[str, float]:
    from harness.metrics.qa import squad_em_f1

    return squad_em_f1(gold, predicted)


def _mlqa(gold, predicted, language: str) -> dict[str, float]:
    from harness.metrics.qa import mlqa_em_f1

    # Normalisation follows the answer (context) language; a code such as "zh-tw" uses "zh".
    return mlqa_em_f1(gold, predicted, language.split("-")[0])


def _bucc(gold, predicted, language: str) -> dict[str, float]:
    from harness.metrics.retrieval import bucc_scores

    return bucc_scores(gold, predicted)


_HERE = __name__

METRICS: dict[str, Metric] = {}
FORMATS: dict[str, PredictionFormat] = {}


def register_metric(metric: Metric) -> Metric:
    if metric.name in METRICS:
        raise HarnessError(f"metric {metric.name!r} is registered twice")
    METRICS[metric.name] = metric
    return metric


def register_format(fmt: PredictionFormat) -> PredictionFormat:
    if fmt.name in FORMATS:
        raise HarnessError(f"prediction format {fmt.name!r} is registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


register_metric(Metric("accuracy", ("accuracy",), ("accuracy",), "Acc.", f"{_HERE}:_accuracy",
                       "share of correct predictions (XNLI, PAWS-X, Tatoeba)", evidence="accuracy"))
register_metric(Metric("f1", ("f1", "precision", "recall"), ("f1",), "F1", f"{_HERE}:_span_f1",
                       "span F1, micro-averaged, with seqeval 0.0.12's chunking as XTREME in 2020 (PAN-X, UD-POS)", evidence="spans"))
register_metric(Metric("squad_em_f1", ("exact_match", "f1"), ("exact_match", "f1"), "EM / F1", f"{_HERE}:_squad",
                       "SQuAD v1.1 exact match and token F1 (XQuAD, TyDiQA-GoldP)", evidence="qa"))
register_metric(Metric("mlqa_em_f1", ("exact_match", "f1"), ("exact_match", "f1"), "EM / F1", f"{_HERE}:_mlqa",
                       "MLQA exact match and token F1, normalised per answer language", evidence="qa"))
register_metric(Metric("bucc_f1", ("f1", "precision", "recall"), ("f1",), "F1", f"{_HERE}:_bucc",
                       "F1 of mined sentence pairs against the gold pairs (BUCC 2018)", evidence="bucc"))

register_format(PredictionFormat("labels", "tsv", "harness.metrics.submission:read_label_files",
                                 "one label per line"))
register_format(PredictionFormat("indices", "tsv", "harness.metrics.submission:read_index_files",
                                 "one index of a retrieved sentence per line (Tatoeba)"))
register_format(PredictionFormat("tags", "tsv", "harness.metrics.submission:read_tag_files",
                                 "one tag per line, a blank line after each sentence"))
register_format(PredictionFormat("pairs", "tsv", "harness.metrics.submission:read_pair_files",
                                 "'<source-id>\\t<english-id>' per line (BUCC)"))
register_format(PredictionFormat("squad_json", "json", "harness.metrics.submission:read_squad_files",
                                 "a JSON object {question id: answer text}; gold in SQuAD v1.1 format"))


def _lookup(table: dict, name: str | None, kind: str):
    try:
        return table[name]
    except KeyError:
        raise HarnessError(f"unknown {kind} {name!r}; known: {', '.join(table)}") from None


def metric(name: str | None) -> Metric:
    return _lookup(METRICS, name, "metric")


def prediction_format(name: str | None) -> PredictionFormat:
    return _lookup(FORMATS, name, "prediction format")


def metric_of(task: TaskSpec) -> Metric:
    """The task's main metric; an error naming the spec file when it has none."""
    if task.metric is None:
        raise HarnessError(f"{task.source_file}: task {task.name} has no metric; a target task needs the key 'metric'")
    return metric(task.metric)


def format_of(task: TaskSpec) -> PredictionFormat:
    if task.prediction_format is None:
        raise HarnessError(f"{task.source_file}: task {task.name} has no prediction_format")
    return prediction_format(task.prediction_format)


def score_files(task: TaskSpec, prediction: Path, gold: Path, language: str) -> dict[str, float]:
    """Metrics of one language file: read and check both files, then compute (`harness score`)."""
    gold_values, predicted = format_of(task).read_pair(task, prediction, gold)
    return metric_of(task).score(gold_values, predicted, language)


__all__ = ["FORMATS", "METRICS", "Metric", "PredictionFormat", "format_of", "metric", "metric_of",
           "prediction_format", "register_format", "register_metric", "resolve", "score_files"]
