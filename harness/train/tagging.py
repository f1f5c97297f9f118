"""Token classification (POS, NER, CCG supertags): sub-token alignment both ways.

Training labels the first sub-token of every word and masks the rest with -100, so the loss
and the prediction are per word, as the metrics are. Sentences longer than max_seq_length are
cut into consecutive windows instead of truncated, so every word gets a prediction; a word that
the tokenizer turns into nothing (e.g. a lone zero-width space) gets `fallback_label`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.data.examples import TaggedSentence
from harness.errors import HarnessError
from harness.train.features import Encoded

IGNORE = -100


def encode_tagged(tokenizer, sentences: Sequence[TaggedSentence], max_seq_length: int,
                  label2id: dict[str, int] | None = None) -> Encoded:
    """Windows of sub-tokens; `meta[i]` holds the example index and each position's word index
    when that position is the word's first sub-token (else None)."""
    enc = tokenizer([list(s.tokens) for s in sentences], is_split_into_words=True,
                    truncation=True, max_length=max_seq_length, return_overflowing_tokens=True,
                    stride=0)
    mapping = enc["overflow_to_sample_mapping"]
    seen: dict[int, set[int]] = {}
    features, meta = [], []
    for window in range(len(enc["input_ids"])):
        example_index = mapping[window]
        sentence = sentences[example_index]
        labelled = seen.setdefault(example_index, set())
        first_of_word: list[int | None] = []
        for word in enc.word_ids(window):
            if word is None or word in labelled:
                first_of_word.append(None)
            else:
                labelled.add(word)
                first_of_word.append(word)
        feature = {"input_ids": enc["input_ids"][window],
                   "attention_mask": enc["attention_mask"][window]}
        if label2id is not None:
            if len(sentence.tags) != len(sentence.tokens):
                raise HarnessError(f"sentence {sentence.guid}: has no tags to train on; "
                                   "use the labelled training split")
            labels = []
            for word in first_of_word:
                if word is None:
                    labels.append(IGNORE)
                    continue
                tag = sentence.tags[word]
                if tag not in label2id:
                    raise HarnessError(f"sentence {sentence.guid}: tag {tag!r} is not one of the "
                                       f"task's labels {sorted(label2id)}; fix the data or the "
                                       "task spec's `labels`")
                labels.append(label2id[tag])
            feature["labels"] = labels
        features.append(feature)
        meta.append({"example": example_index, "words": first_of_word})
    return Encoded(features, meta)


def decode_tagged(sentences: Sequence[TaggedSentence], encoded: Encoded,
                  logits: Sequence[np.ndarray], id2label: dict[int, str],
                  fallback_label: str) -> list[list[str]]:
    """One tag per word of every sentence, from the first sub-token's argmax."""
    tags = [[fallback_label] * len(s.tokens) for s in sentences]
    for window_logits, info in zip(logits, encoded.meta, strict=True):
        best = np.asarray(window_logits).argmax(-1)
        for position, word in enumerate(info["words"]):
            if word is not None:
                tags[info["example"]][word] = id2label[int(best[position])]
    return tags


def default_fallback(labels: Sequence[str]) -> str:
    """'O' for NER-style tag sets, else the first label."""
    return "O" if "O" in labels else labels[0]
