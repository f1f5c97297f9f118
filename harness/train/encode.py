"""From (task type, examples) to model features and the matching collator.

`kind` is a task-type object (`harness.tasktypes.TaskType`): it says which featuriser and
collator of this package its head uses. This package takes the object and never looks a
task type up by name, so it stays below the task types (one home for per-type knowledge).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from harness.train.features import Encoded, label_index
from harness.train.heads import require_kind
from harness.train.hyperparams import Hyperparameters

if TYPE_CHECKING:
    from harness.tasktypes import TaskType


def encode_task(kind: TaskType, tokenizer, examples: Sequence[Any], hp: Hyperparameters,
                labels: Sequence[str] | None, training: bool) -> Encoded:
    """Features for training (with targets) or prediction (with decoding bookkeeping)."""
    label2id = label_index(labels) if (training and labels) else None
    return require_kind(kind).encode(tokenizer, examples, hp, label2id, training)


def collator_for(kind: TaskType, tokenizer):
    """Dynamic padding per batch, the right way for each head's inputs and labels."""
    return require_kind(kind).collator(tokenizer)
