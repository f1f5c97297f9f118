"""Pure metric functions on a 0-100 scale; importable without torch."""

from harness.metrics.classification import accuracy
from harness.metrics.qa import mlqa_em_f1, normalize_mlqa, normalize_squad, squad_em_f1
from harness.metrics.retrieval import bucc_scores
from harness.metrics.tagging import tagging_scores

__all__ = [
    "accuracy", "bucc_scores", "mlqa_em_f1", "normalize_mlqa", "normalize_squad",
    "squad_em_f1", "tagging_scores",
]
