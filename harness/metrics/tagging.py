"""Span-level precision, recall and F1 for tagging, through seqeval as XTREME uses it.

seqeval's default (conlleval-style) chunking is used for PAN-X and, as in XTREME, also for
UD-POS tags that carry no B-/I- prefix; keeping the same call keeps the numbers comparable
with published XTREME results.
"""

import warnings
from collections.abc import Sequence

from seqeval.metrics import f1_score, precision_score, recall_score


def tagging_scores(labels: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro-averaged span scores over sentences (lists of tags), on a 0-100 scale."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predicted sentences for {len(labels)} gold sentences")
    for index, (gold, guess) in enumerate(zip(labels, predictions, strict=True)):
        if len(gold) != len(guess):
            raise ValueError(f"sentence {index + 1}: {len(guess)} predicted tags for {len(gold)} tokens")
    gold_lists = [list(s) for s in labels]
    pred_lists = [list(s) for s in predictions]
    with warnings.catch_warnings():
        # POS tags are "not NE tags" to seqeval; its warnings would flood the log.
        warnings.simplefilter("ignore")
        return {
            "f1": 100.0 * f1_score(gold_lists, pred_lists),
            "precision": 100.0 * precision_score(gold_lists, pred_lists),
            "recall": 100.0 * recall_score(gold_lists, pred_lists),
        }
