"""From (task type, examples) to model features and the matching collator.

Kept as the entry point the trainers call; what each task type does lives in its object in
`harness.tasktypes` (`TaskType.encode` / `TaskType.collator`), which delegates back to the
featurisers of this package (pair, tagging, qa, choice, mlm).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.tasktypes import task_type
from harness.train.features import Encoded, label_index
from harness.train.hyperparams import Hyperparameters


def encode_task(task_type_name: str, tokenizer, examples: Sequence[Any], hp: Hyperparameters,
                labels: Sequence[str] | None, training: bool) -> Encoded:
    """Features for training (with targets) or prediction (with decoding bookkeeping)."""
    label2id = label_index(labels) if (training and labels) else None
    return task_type(task_type_name).encode(tokenizer, examples, hp, label2id, training)


def collator_for(task_type_name: str, tokenizer):
    """Dynamic padding per batch, the right way for each head's inputs and labels."""
    return task_type(task_type_name).collator(tokenizer)
