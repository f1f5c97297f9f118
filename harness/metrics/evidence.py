"""Per-example evidence: the sufficient statistics of each test item, from which every corpus
metric of XTREME is a ratio of sums.

Why: a bootstrap resamples test items, so each item must carry what it adds to the metric's
numerator and denominator. One function per metric kind turns examples and predictions into
an (ids, stats) pair; `metrics_from_sums` turns summed stats back into the 0-100 metrics with
the very arithmetic of the scorer, so the full sample reproduces the recorded numbers bit for
bit and a resample gives the metric of the resampled test set.

Kinds and their units (what a bootstrap resamples):
- accuracy (XNLI, PAWS-X): one sentence pair; stats correct, count.
- retrieval_accuracy (Tatoeba): one English query; stats correct, count.
- qa (XQuAD, MLQA, TyDiQA-GoldP): one question; stats exact_match, f1, count.
- spans (PAN-X, UD-POS): one sentence; stats tp, fp, fn of the scorer's chunks, plus
  tokens_correct and tokens (per-token correctness, for reading POS results).
- bucc: one non-English sentence id that occurs in a gold or a predicted pair; stats tp,
  predicted, gold (its pairs). Resampling these sentences resamples the gold pairs and the
  mined pairs of each sentence together, so P/R/F1 recompute exactly on the full set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from harness.metrics.qa import _token_f1, normalize_mlqa, normalize_squad
from harness.metrics.tagging import chunks_2020

STAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "accuracy": ("correct", "count"),
    "retrieval_accuracy": ("correct", "count"),
    "qa": ("exact_match", "f1", "count"),
    "spans": ("tp", "fp", "fn", "tokens_correct", "tokens"),
    "bucc": ("tp", "predicted", "gold"),
}
# The metric keys each kind reproduces, as the records store them.
KIND_METRICS: dict[str, tuple[str, ...]] = {
    "accuracy": ("accuracy",),
    "retrieval_accuracy": ("accuracy",),
    "qa": ("exact_match", "f1"),
    "spans": ("f1", "precision", "recall"),
    "bucc": ("f1", "precision", "recall"),
}

ItemStats = tuple[np.ndarray, np.ndarray]  # (ids as str array, stats as float64 (n, k))


def _pack(ids: Sequence[str], rows: Sequence[Sequence[float]], kind: str) -> ItemStats:
    stats = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(STAT_COLUMNS[kind]))
    return np.asarray([str(i) for i in ids], dtype=str), stats


def accuracy_evidence(labels: Sequence[str], predictions: Sequence[str]) -> ItemStats:
    """Per example: 1 when the prediction equals the label."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    rows = [(float(gold == guess), 1.0) for gold, guess in zip(labels, predictions, strict=True)]
    return _pack([str(i) for i in range(len(rows))], rows, "accuracy")


def tatoeba_evidence(predictions: Sequence[int]) -> ItemStats:
    """Per English query i: 1 when the retrieved line is line i."""
    hits = np.asarray(predictions) == np.arange(len(predictions))
    return _pack([str(i) for i in range(len(hits))], [(float(h), 1.0) for h in hits], "retrieval_accuracy")


def qa_evidence(gold: Iterable[tuple[str, Sequence[str]]], predictions: Mapping[str, str],
                language: str | None = None) -> ItemStats:
    """Per question: EM and F1 against its best gold answer (0 when unanswered), as the scorers do.

    `language` selects MLQA's normalisation; None is SQuAD v1.1's (XQuAD, TyDiQA-GoldP).
    """
    normalize = normalize_squad if language is None else (lambda text: normalize_mlqa(text, language))
    ids, rows = [], []
    for qid, answers in gold:
        ids.append(qid)
        if qid not in predictions:
            rows.append((0.0, 0.0, 1.0))
            continue
        guess = normalize(predictions[qid])
        golds = [normalize(a) for a in answers]
        rows.append((max(float(guess == g) for g in golds), max(_token_f1(guess, g) for g in golds), 1.0))
    return _pack(ids, rows, "qa")


def sentence_chunks(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The chunks of one sentence, by the same chunking function the corpus scorer counts with
    (`harness.metrics.tagging.chunks_2020`, seqeval 0.0.12's reading). Sentences never share a
    chunk, so per-sentence counts sum to the corpus counts."""
    return set(chunks_2020([list(tags)]))


def span_evidence(labels: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> ItemStats:
    """Per sentence: true positive, false positive and false negative chunks, and token hits."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predicted sentences for {len(labels)} gold sentences")
    rows = []
    for gold, guess in zip(labels, predictions, strict=True):
        true, pred = sentence_chunks(gold), sentence_chunks(guess)
        tp = len(true & pred)
        hits = sum(1 for g, p in zip(gold, guess, strict=False) if g == p)
        rows.append((tp, len(pred) - tp, len(true) - tp, hits, len(gold)))
    return _pack([str(i) for i in range(len(rows))], rows, "spans")


def bucc_evidence(gold_pairs: Iterable[tuple[str, str]], predicted_pairs: Iterable[tuple[str, str]]) -> ItemStats:
    """Per non-English sentence id in a gold or predicted pair: its tp, predicted and gold pair counts."""
    gold, predicted = set(gold_pairs), set(predicted_pairs)
    tp = Counter(src for src, _ in gold & predicted)
    n_pred = Counter(src for src, _ in predicted)
    n_gold = Counter(src for src, _ in gold)
    ids = sorted(set(n_pred) | set(n_gold))
    return _pack(ids, [(tp[i], n_pred[i], n_gold[i]) for i in ids], "bucc")


def sequential_sums(stats: np.ndarray) -> np.ndarray:
    """Column sums added one item after another, in file order, as the scorers add them."""
    totals = [0.0] * stats.shape[1]
    for row in stats.tolist():
        for k, value in enumerate(row):
            totals[k] += value
    return np.asarray(totals, dtype=np.float64)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), 0.0)


def metrics_from_sums(kind: str, sums: np.ndarray) -> dict[str, np.ndarray]:
    """The 0-100 metrics of summed stats (last axis = STAT_COLUMNS[kind]); any leading shape.

    The operations and their order are the scorers' (`harness.metrics`): accuracy c/n·100,
    Tatoeba (search) 100·mean, SQuAD/MLQA 100·Σ/n, span and BUCC F1 2pr/(p+r)·100.
    """
    sums = np.asarray(sums, dtype=np.float64)
    col = {name: sums[..., k] for k, name in enumerate(STAT_COLUMNS[kind])}
    if kind == "accuracy":
        return {"accuracy": _divide(col["correct"], col["count"]) * 100}
    if kind == "retrieval_accuracy":
        return {"accuracy": 100.0 * _divide(col["correct"], col["count"])}
    if kind == "qa":
        return {"exact_match": _divide(100.0 * col["exact_match"], col["count"]),
                "f1": _divide(100.0 * col["f1"], col["count"])}
    if kind == "spans":
        tp = col["tp"]
        precision, recall = _divide(tp, tp + col["fp"]), _divide(tp, tp + col["fn"])
        f1 = _divide(2.0 * precision * recall, 1.0 * precision + recall)
        return {"f1": 100.0 * f1, "precision": 100.0 * precision, "recall": 100.0 * recall}
    if kind == "bucc":
        tp = col["tp"]
        precision, recall = _divide(tp, col["predicted"]), _divide(tp, col["gold"])
        f1 = _divide(2 * precision * recall, precision + recall)
        return {"f1": np.where(tp > 0, f1 * 100, 0.0), "precision": np.where(tp > 0, precision * 100, 0.0),
                "recall": np.where(tp > 0, recall * 100, 0.0)}
    raise ValueError(f"unknown evidence kind {kind!r}; known: {', '.join(sorted(STAT_COLUMNS))}")


def main_metric(kind: str, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
    """The per-language headline of a kind: QA the mean of EM and F1, span tasks F1, else accuracy."""
    if kind == "qa":
        return (metrics["exact_match"] + metrics["f1"]) / 2
    if kind in ("spans", "bucc"):
        return metrics["f1"]
    return metrics["accuracy"]


def recompute(kind: str, stats: np.ndarray) -> dict[str, float]:
    """The corpus metrics of the full evidence, exactly as the scorer computed them."""
    return {key: float(value) for key, value in metrics_from_sums(kind, sequential_sums(stats)).items()}
