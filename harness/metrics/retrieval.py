"""BUCC 2018 mining scores: precision, recall and F1 of predicted against gold sentence pairs."""

from collections.abc import Iterable


def bucc_scores(gold_pairs: Iterable[tuple[str, str]], predicted_pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Set-based P/R/F1 on a 0-100 scale; duplicates count once, as in XTREME's scorer."""
    gold, predicted = set(gold_pairs), set(predicted_pairs)
    correct = len(gold & predicted)
    if correct == 0:
        return {"f1": 0.0, "precision": 0.0, "recall": 0.0}
    precision, recall = correct / len(predicted), correct / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    # XTREME's order: the fraction first, then * 100.
    return {"f1": f1 * 100, "precision": precision * 100, "recall": recall * 100}
