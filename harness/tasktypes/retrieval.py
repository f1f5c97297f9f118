"""Task types evaluated by sentence retrieval over the encoder's embeddings (no head):
Tatoeba (nearest neighbour search) and BUCC 2018 (margin-based bitext mining)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from harness.metrics.registry import resolve
from harness.tasktypes.base import TaskType, register_task_type
from harness.tasktypes.files import write_lines, write_pairs


class RetrievalTaskType(TaskType):
    retrieval = True
    #: the function that embeds, searches or mines and writes the files (`module:function`)
    runner_ref: ClassVar[str]
    #: (split, required) the retrieval reads, in order
    splits: ClassVar[tuple[tuple[str, bool], ...]]

    def runner(self) -> Callable:
        return resolve(self.runner_ref)

    def runner_options(self, settings: Any) -> dict[str, Any]:
        """Keyword options of the runner taken from the run settings (none by default)."""
        return {}


@register_task_type
class TatoebaRetrieval(RetrievalTaskType):
    name = "retrieval_tatoeba"
    format_name = "indices"
    runner_ref = "harness.retrieval.runner:run_tatoeba"
    splits = (("test", True),)
    description = "for each English sentence, the index of its translation among the other language's"

    def gold(self, n_sentences: int) -> list[int]:
        """Line i translates line i: the gold index of English sentence i is i."""
        return list(range(n_sentences))

    def write_predictions(self, path: Path, predictions: Iterable[int]) -> Path:
        return write_lines(path, (int(p) for p in predictions))

    def write_gold(self, path: Path, gold: Sequence[int]) -> Path:
        return write_lines(path, (int(i) for i in gold))


@register_task_type
class BuccRetrieval(RetrievalTaskType):
    name = "retrieval_bucc"
    format_name = "pairs"
    runner_ref = "harness.retrieval.runner:run_bucc"
    # The threshold is tuned on dev (required); test is mined when present.
    splits = (("dev", True), ("test", False))
    description = "the translation pairs mined from two monolingual corpora"

    def runner_options(self, settings: Any) -> dict[str, Any]:
        """BUCC's mining options (margin, k, strategy, knn_method) from `settings.mining`."""
        return dict(getattr(settings, "mining", None) or {})

    def gold(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted(set(pairs))

    def write_predictions(self, path: Path, predictions: Iterable[tuple[str, str]]) -> Path:
        return write_pairs(path, predictions)

    def write_gold(self, path: Path, gold: Iterable[tuple[str, str]]) -> Path:
        return write_pairs(path, gold)
