"""Sentence-pair classification (NLI, paraphrase, QQP): features and decoding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.data.examples import PairExample
from harness.errors import HarnessError
from harness.train.features import Encoded


def encode_pairs(tokenizer, examples: Sequence[PairExample], max_seq_length: int,
                 label2id: dict[str, int] | None = None) -> Encoded:
    """Tokenise (text_a, text_b) with the model's pair template; labels as ids when training."""
    enc = tokenizer([e.text_a for e in examples], [e.text_b for e in examples],
                    truncation=True, max_length=max_seq_length)
    features = []
    for i, example in enumerate(examples):
        feature = {key: enc[key][i] for key in enc.keys()}
        if label2id is not None:
            if example.label not in label2id:
                raise HarnessError(f"example {example.guid}: label {example.label!r} is not one "
                                   f"of the task's labels {sorted(label2id)}; fix the data or "
                                   "the task spec's `labels`")
            feature["labels"] = label2id[example.label]
        features.append(feature)
    return Encoded(features, [{"guid": e.guid} for e in examples])


def decode_pairs(logits: np.ndarray, id2label: dict[int, str]) -> list[str]:
    return [id2label[int(i)] for i in np.asarray(logits).argmax(-1)]
