"""What every task's featuriser returns: model inputs plus the bookkeeping to decode them.

Why separate: the Trainer must see only tensors the model accepts, while decoding
predictions needs to know which window belongs to which example and which token to which
word or character span. `Encoded` keeps the two side by side, index for index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class Encoded:
    """`features[i]` is one model input (a window, a choice set, a sentence); `meta[i]` decodes it."""

    features: list[dict[str, Any]]
    meta: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # training examples dropped (with the reason logged by the featuriser)

    def dataset(self) -> FeatureDataset:
        return FeatureDataset(self.features)


class FeatureDataset(torch.utils.data.Dataset):
    """A list of feature dicts as a map-style dataset the HF Trainer can shard and shuffle."""

    def __init__(self, features: list[dict[str, Any]]):
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.features[index]


def label_index(labels: list[str] | tuple[str, ...]) -> dict[str, int]:
    return {label: i for i, label in enumerate(labels)}


def token_count(features: list[dict[str, Any]]) -> int:
    """Non-padding tokens in a feature list (for throughput figures)."""
    total = 0
    for feature in features:
        ids = feature["input_ids"]
        total += sum(len(x) for x in ids) if ids and isinstance(ids[0], list) else len(ids)
    return total
