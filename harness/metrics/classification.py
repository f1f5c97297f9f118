"""Accuracy, as XTREME's scorer computes it for XNLI, PAWS-X and Tatoeba."""

from collections.abc import Sequence


def accuracy(labels: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """Share of positions where prediction equals label, on a 0-100 scale."""
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    if not predictions:
        raise ValueError("accuracy of an empty set is undefined")
    correct = sum(1 for gold, guess in zip(labels, predictions, strict=True) if gold == guess)
    # XTREME's order (c / n, then * 100): 100 * c / n differs in the last bits.
    return {"accuracy": correct / len(predictions) * 100}
