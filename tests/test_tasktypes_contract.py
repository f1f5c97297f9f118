"""The contract every task type and every target task spec must meet: it resolves to a task type
and a metric, writes prediction and gold files in XTREME's layout that the scorer of
`harness score` reads back, and a perfect prediction scores 100 (the definition of every
XTREME metric: accuracy, span F1, EM/F1, BUCC F1). Runs without torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.data.examples import (
    Answer,
    MultipleChoiceExample,
    PairExample,
    QAExample,
    TaggedSentence,
)
from harness.errors import HarnessError
from harness.metrics.registry import FORMATS, METRICS, metric, metric_of
from harness.scoring import score_file
from harness.spec import TaskSpec, default_registry
from harness.tasktypes import TASK_TYPES, evaluate_split, gold_dir_for, task_type, task_type_of

REGISTRY = default_registry()
TARGETS = [task for task in REGISTRY.tasks.values() if task.role == "target"]


def _examples(kind_name: str, labels: tuple[str, ...] | None) -> list:
    """Three labelled examples of a task type (labels cycled from the spec's, when it has some)."""
    labels = labels or ("A", "B")
    if kind_name == "pair_classification":
        return [PairExample(f"g{i}", f"premise {i}", f"hypothesis {i}", labels[i % len(labels)]) for i in range(3)]
    if kind_name == "token_classification":
        # Every label occurs, so span F1 has chunks to find.
        return [TaggedSentence(f"s{i}", [f"w{j}" for j in range(len(labels))], list(labels[i:] + labels[:i]))
                for i in range(3)]
    if kind_name == "extractive_qa":
        return [QAExample(f"q{i}", "t", f"Der Hund {i} schläft.", f"Wer {i}?", [Answer(f"Hund {i}", 4)])
                for i in range(3)]
    if kind_name == "multiple_choice":
        return [MultipleChoiceExample(f"m{i}", "ctx", "q", ["a", "b", "c"], i % 3) for i in range(3)]
    raise AssertionError(kind_name)


def _perfect(task: TaskSpec) -> tuple[object, object]:
    """(predictions, gold) of a perfect system, through the task type's own gold derivation."""
    kind = task_type_of(task)
    if kind.name == "retrieval_tatoeba":
        return list(range(5)), kind.gold(5)
    if kind.name == "retrieval_bucc":
        pairs = [(f"{task.languages[0]}-00000{i}", f"en-00000{i}") for i in range(4)]
        return list(reversed(pairs)), kind.gold(pairs)
    examples = _examples(kind.name, task.labels)
    assert kind.has_gold(examples)
    gold = kind.gold(examples)
    predictions = {ex.qid: ex.answers[0].text for ex in examples} if kind.name == "extractive_qa" else gold
    return predictions, gold


def _spec_of(kind_name: str) -> TaskSpec:
    """A minimal spec of a task type, with the metric its format is scored with."""
    kind = task_type(kind_name)
    metric_name = {"labels": "accuracy", "indices": "accuracy", "tags": "f1", "squad_json": "squad_em_f1",
                   "pairs": "bucc_f1"}[kind.format_name]
    return TaskSpec(name=f"contract_{kind_name}", role="target", task_type=kind_name, languages=("de",),
                    metric=metric_name, prediction_format=kind.format_name, source_file="<contract>")


def test_every_type_and_metric_is_known_to_the_spec_loader():
    from harness import spec

    assert set(spec.TASK_TYPES) == set(TASK_TYPES)
    assert set(spec.METRIC_KEYS) == set(METRICS)
    assert spec.PREDICTION_FORMATS == {name: fmt.suffix for name, fmt in FORMATS.items()}


@pytest.mark.parametrize("name", sorted(TASK_TYPES))
def test_task_type_declares_what_it_is(name):
    kind = task_type(name)
    assert kind.name == name
    # A task type is either fine-tuned with a head or evaluated by retrieval, never both.
    assert kind.trained != kind.retrieval
    if kind.retrieval:
        assert callable(kind.runner()) and kind.splits
    if kind.labelled:
        assert kind.trained
    if kind.format_name is not None:
        assert kind.format_name in FORMATS


@pytest.mark.parametrize("name", sorted(n for n, k in TASK_TYPES.items() if k.format_name is not None))
def test_task_type_files_read_back_and_score_100(name, tmp_path):
    spec = _spec_of(name)
    predictions, gold = _perfect(spec)
    evaluated = evaluate_split(spec, "test", "de", predictions, gold, tmp_path / "seed1")
    assert evaluated.prediction == tmp_path / "seed1" / spec.name / f"test-de.{task_type(name).format.suffix}"
    assert evaluated.gold == tmp_path / "seed1-gold" / spec.name / evaluated.prediction.name
    read_gold, read_predicted = FORMATS[spec.prediction_format].read_pair(spec, evaluated.prediction, evaluated.gold)
    assert len(read_gold) == len(read_predicted) > 0
    assert metric_of(spec).main_score(evaluated.metrics) == 100.0


def test_labels_come_from_the_spec_else_from_training_data():
    kind = task_type("pair_classification")
    spec = _spec_of("pair_classification")
    examples = _examples("pair_classification", ("b", "a"))
    assert kind.labels(spec, examples) == ["a", "b"]
    with_labels = TaskSpec(**{**spec.__dict__, "labels": ("z", "y")})
    assert kind.labels(with_labels, examples) == ["z", "y"]
    with pytest.raises(HarnessError, match="lists no labels and has no training data"):
        kind.labels(spec, [])
    assert task_type("extractive_qa").labels(spec, examples) is None


def test_unlabelled_split_writes_predictions_and_no_score(tmp_path):
    spec = _spec_of("token_classification")
    unlabelled = [TaggedSentence("s0", ["a", "b"], [])]
    kind = task_type_of(spec)
    assert not kind.has_gold(unlabelled)
    evaluated = evaluate_split(spec, "test", "de", [["A", "B"]], None, tmp_path / "seed1")
    assert evaluated.metrics is None and evaluated.gold is None
    assert evaluated.prediction.read_text() == "A\nB\n\n"
    assert not gold_dir_for(tmp_path / "seed1").exists()


@pytest.mark.parametrize("task", TARGETS, ids=[t.name for t in TARGETS])
def test_target_task_resolves_writes_and_scores_a_perfect_prediction(task, tmp_path):
    kind = task_type_of(task)
    measure = metric_of(task)
    assert task.prediction_format == kind.format_name, f"{task.source_file}: format differs from its task type's"
    assert task.metric_keys == measure.keys
    assert measure.title and set(measure.main_keys) <= set(measure.keys)
    predictions, gold = _perfect(task)
    lang = task.languages[0]
    evaluated = evaluate_split(task, "test", lang, predictions, gold, tmp_path / "seed1")
    assert set(evaluated.metrics) == set(measure.keys)
    assert measure.main_score(evaluated.metrics) == 100.0
    # The numbers are those `harness score` computes from the same two files.
    assert score_file(task, evaluated.prediction, evaluated.gold, lang) == evaluated.metrics


def test_metric_registry_main_score_and_errors():
    # XTREME's QA convention: the task score is the mean of EM and F1.
    assert metric("squad_em_f1").main_score({"exact_match": 60.0, "f1": 80.0}) == 70.0
    assert metric("bucc_f1").main_score({"f1": 55.0, "precision": 50.0, "recall": 61.0}) == 55.0
    assert metric("mlqa_em_f1").is_qa and not metric("f1").is_qa
    assert metric("f1").extra_keys == ("precision", "recall")
    with pytest.raises(HarnessError, match="unknown metric 'bleu'"):
        metric("bleu")
    with pytest.raises(HarnessError, match="unknown task_type 'regression'"):
        task_type("regression")


def test_empty_bucc_prediction_scores_zero(tmp_path):
    spec = _spec_of("retrieval_bucc")
    evaluated = evaluate_split(spec, "test", "de", [], [("de-1", "en-1")], tmp_path / "seed1")
    assert evaluated.metrics == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_registries_import_without_torch_or_seqeval():
    code = ("import sys, harness.tasktypes, harness.metrics.registry, harness.spec; "
            "assert 'torch' not in sys.modules and 'seqeval' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)
