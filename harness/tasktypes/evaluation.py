"""The one evaluation path, for trained and retrieval tasks alike: write the predictions (and
the gold side, when the labels are public) in XTREME's submission layout, then score the
files just written with the code of `harness score`. A record's numbers are therefore always
those an independent `harness score --predictions ... --labels ...` reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.metrics.registry import score_files
from harness.tasktypes.base import task_type_of

if TYPE_CHECKING:
    from harness.spec import TaskSpec


@dataclass(frozen=True)
class Evaluated:
    """One (split, language): where its files are, and its metrics (None: labels not public)."""

    prediction: Path
    gold: Path | None
    metrics: dict[str, float] | None


def gold_dir_for(predictions_dir: Path) -> Path:
    """The gold folder beside a prediction folder: `<name>-gold` (`seed1` → `seed1-gold`)."""
    predictions_dir = Path(predictions_dir)
    return predictions_dir.with_name(f"{predictions_dir.name}-gold")


def evaluate_split(task: TaskSpec, split: str, lang: str, predictions: Any, gold: Any | None,
                   predictions_dir: Path, gold_dir: Path | None = None) -> Evaluated:
    """Write `<predictions_dir>/<task>/<split>-<lang>.<suffix>` (and the gold file when `gold` is
    not None), then score the pair of files as `harness score` does."""
    kind = task_type_of(task)
    prediction = kind.write_predictions(kind.path(predictions_dir, task, split, lang), predictions)
    if gold is None:
        return Evaluated(prediction, None, None)
    gold_path = kind.write_gold(kind.path(gold_dir or gold_dir_for(predictions_dir), task, split, lang), gold)
    return Evaluated(prediction, gold_path, score_files(task, prediction, gold_path, lang))
