"""Multiple choice (HellaSwag, Cosmos QA, CommonsenseQA): one (context, question + choice) pair
per choice, scored jointly by the multiple-choice head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from harness.data.examples import MultipleChoiceExample
from harness.errors import HarnessError
from harness.train.features import Encoded


def encode_choices(tokenizer, examples: Sequence[MultipleChoiceExample], max_seq_length: int,
                   training: bool) -> Encoded:
    """Every example becomes `n_choices` pairs; all examples of a task have the same count."""
    if not examples:
        return Encoded([], [])
    n_choices = len(examples[0].choices)
    firsts, seconds = [], []
    for example in examples:
        if len(example.choices) != n_choices:
            raise HarnessError(f"example {example.guid}: {len(example.choices)} choices, but "
                               f"{examples[0].guid} has {n_choices}; a task needs one count")
        if training and (example.label is None or not 0 <= example.label < n_choices):
            raise HarnessError(f"example {example.guid}: label {example.label!r} is not a "
                               f"choice index 0..{n_choices - 1}")
        for choice in example.choices:
            if example.context.strip():
                firsts.append(example.context)
                seconds.append(f"{example.question} {choice}".strip())
            else:
                firsts.append(example.question)
                seconds.append(choice)
    enc = tokenizer(firsts, seconds, truncation=True, max_length=max_seq_length)
    features = []
    for i, example in enumerate(examples):
        rows = range(i * n_choices, (i + 1) * n_choices)
        feature: dict[str, Any] = {"input_ids": [enc["input_ids"][r] for r in rows],
                                   "attention_mask": [enc["attention_mask"][r] for r in rows]}
        if training:
            feature["labels"] = example.label
        features.append(feature)
    return Encoded(features, [{"guid": e.guid} for e in examples])


class MultipleChoiceCollator:
    """Pads every choice of every example to one length: (batch, choices, tokens)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        n_choices = len(features[0]["input_ids"])
        flat = [{"input_ids": f["input_ids"][j], "attention_mask": f["attention_mask"][j]}
                for f in features for j in range(n_choices)]
        batch = self.tokenizer.pad(flat, return_tensors="pt")
        batch = {k: v.view(len(features), n_choices, -1) for k, v in batch.items()}
        if "labels" in features[0]:
            batch["labels"] = torch.tensor([f["labels"] for f in features], dtype=torch.long)
        return batch


def decode_choices(logits: np.ndarray) -> list[int]:
    return [int(i) for i in np.asarray(logits).argmax(-1)]
