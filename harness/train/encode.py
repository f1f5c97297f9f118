"""One entry point from (task type, examples) to model features and the matching collator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.errors import HarnessError
from harness.train.choice import MultipleChoiceCollator, encode_choices
from harness.train.features import Encoded, label_index
from harness.train.hyperparams import Hyperparameters
from harness.train.pair import encode_pairs
from harness.train.qa import encode_qa
from harness.train.tagging import encode_tagged


def encode_task(task_type: str, tokenizer, examples: Sequence[Any], hp: Hyperparameters,
                labels: Sequence[str] | None, training: bool) -> Encoded:
    """Features for training (with targets) or prediction (with decoding bookkeeping)."""
    label2id = label_index(labels) if (training and labels) else None
    if task_type == "pair_classification":
        return encode_pairs(tokenizer, examples, hp.max_seq_length, label2id)
    if task_type == "token_classification":
        return encode_tagged(tokenizer, examples, hp.max_seq_length, label2id)
    if task_type == "extractive_qa":
        return encode_qa(tokenizer, examples, hp.max_seq_length, hp.doc_stride,
                         hp.max_query_length, training)
    if task_type == "multiple_choice":
        return encode_choices(tokenizer, examples, hp.max_seq_length, training)
    raise HarnessError(f"task_type {task_type!r} has no fine-tuning features; use one of "
                       "pair_classification, token_classification, extractive_qa, multiple_choice")


def collator_for(task_type: str, tokenizer):
    """Dynamic padding per batch, the right way for each head's inputs and labels."""
    from transformers import DataCollatorForTokenClassification, DataCollatorWithPadding

    if task_type == "token_classification":
        return DataCollatorForTokenClassification(tokenizer)
    if task_type == "multiple_choice":
        return MultipleChoiceCollator(tokenizer)
    return DataCollatorWithPadding(tokenizer)
