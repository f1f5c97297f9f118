"""Task types fine-tuned with a head: pair and token classification, extractive QA, multiple
choice, and continued MLM. Features, collators and decoding stay in `harness.train.*`;
each type here says which of them it uses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.tasktypes.base import TaskType, register_task_type
from harness.tasktypes.files import (
    write_answers,
    write_lines,
    write_squad_gold,
    write_tag_sentences,
)


class _LabelPerExample(TaskType):
    """One `ex.label` per example, written one per line (a class name, a choice index)."""

    def has_gold(self, examples: Sequence[Any]) -> bool:
        return bool(examples) and all(ex.label is not None for ex in examples)

    def gold(self, examples: Sequence[Any]) -> list:
        return [ex.label for ex in examples]

    def write_predictions(self, path: Path, predictions: Sequence[Any]) -> Path:
        return write_lines(path, predictions)

    def write_gold(self, path: Path, gold: Sequence[Any]) -> Path:
        return write_lines(path, gold)


@register_task_type
class PairClassification(_LabelPerExample):
    name = "pair_classification"
    format_name = "labels"
    head = "AutoModelForSequenceClassification"
    labelled = True
    description = "a label per sentence pair (XNLI, PAWS-X, MNLI, QQP, ANLI)"

    def labels_seen(self, examples: Sequence[Any]) -> set[str]:
        return {ex.label for ex in examples}

    def encode(self, tokenizer, examples, hp, label2id, training):
        from harness.train.pair import encode_pairs

        return encode_pairs(tokenizer, examples, hp.max_seq_length, label2id)

    def decode(self, examples, encoded, outputs, id2label, hp) -> list[str]:
        from harness.train.pair import decode_pairs

        return decode_pairs(outputs, id2label)


@register_task_type
class TokenClassification(TaskType):
    name = "token_classification"
    format_name = "tags"
    head = "AutoModelForTokenClassification"
    labelled = True
    description = "a tag per word (UD-POS, PAN-X, CCG supertags)"

    def labels_seen(self, examples: Sequence[Any]) -> set[str]:
        return {tag for ex in examples for tag in ex.tags}

    def encode(self, tokenizer, examples, hp, label2id, training):
        from harness.train.tagging import encode_tagged

        return encode_tagged(tokenizer, examples, hp.max_seq_length, label2id)

    def collator(self, tokenizer):
        from transformers import DataCollatorForTokenClassification

        return DataCollatorForTokenClassification(tokenizer)

    def decode(self, examples, encoded, outputs, id2label, hp) -> list[list[str]]:
        from harness.train.tagging import decode_tagged, default_fallback

        labels = [id2label[i] for i in sorted(id2label)]
        return decode_tagged(examples, encoded, outputs, id2label, default_fallback(labels))

    def has_gold(self, examples: Sequence[Any]) -> bool:
        return bool(examples) and all(ex.tags for ex in examples)

    def gold(self, examples: Sequence[Any]) -> list[list[str]]:
        return [list(ex.tags) for ex in examples]

    def write_predictions(self, path: Path, predictions: Sequence[Sequence[str]]) -> Path:
        return write_tag_sentences(path, predictions)

    def write_gold(self, path: Path, gold: Sequence[Sequence[str]]) -> Path:
        return write_tag_sentences(path, gold)


@register_task_type
class ExtractiveQA(TaskType):
    name = "extractive_qa"
    format_name = "squad_json"
    head = "AutoModelForQuestionAnswering"
    description = "an answer span of the context per question (SQuAD, XQuAD, MLQA, TyDiQA-GoldP)"

    def encode(self, tokenizer, examples, hp, label2id, training):
        from harness.train.qa import encode_qa

        return encode_qa(tokenizer, examples, hp.max_seq_length, hp.doc_stride, hp.max_query_length, training)

    def decode(self, examples, encoded, outputs, id2label, hp) -> dict[str, str]:
        from harness.train.qa import postprocess_qa

        start, end = outputs
        return postprocess_qa(examples, encoded.meta, start, end, hp.n_best, hp.max_answer_length,
                              hp.version_2_with_negative, hp.null_score_diff_threshold)

    def empty_predictions(self) -> dict[str, str]:
        return {}

    def has_gold(self, examples: Sequence[Any]) -> bool:
        return bool(examples) and all(ex.answers for ex in examples)

    def gold(self, examples: Sequence[Any]) -> list[dict[str, Any]]:
        return [{"id": ex.qid, "question": ex.question,
                 "answers": [{"text": a.text, "answer_start": a.start} for a in ex.answers]} for ex in examples]

    def write_predictions(self, path: Path, predictions: dict[str, str]) -> Path:
        return write_answers(path, predictions)

    def write_gold(self, path: Path, gold: Sequence[dict[str, Any]]) -> Path:
        return write_squad_gold(path, gold)


@register_task_type
class MultipleChoice(_LabelPerExample):
    name = "multiple_choice"
    format_name = "labels"  # the index of the chosen answer, one per line
    head = "AutoModelForMultipleChoice"
    description = "one of several answers per question (HellaSwag, Cosmos QA, CommonsenseQA)"

    def encode(self, tokenizer, examples, hp, label2id, training):
        from harness.train.choice import encode_choices

        return encode_choices(tokenizer, examples, hp.max_seq_length, training)

    def collator(self, tokenizer):
        from harness.train.choice import MultipleChoiceCollator

        return MultipleChoiceCollator(tokenizer)

    def decode(self, examples, encoded, outputs, id2label, hp) -> list[int]:
        from harness.train.choice import decode_choices

        return decode_choices(outputs)


@register_task_type
class MaskedLM(TaskType):
    """Continued masked-language-model training: a corpus of lines, no predictions, no gold."""

    name = "mlm"
    head = "AutoModelForMaskedLM"
    corpus = True
    description = "continued masked-language-model training on raw text"

    def examples(self, loaded: Any) -> list[str]:
        return list(loaded.lines)

    def train(self, encoder_dir, examples, out_dir, hp, seed, *, labels, deepspeed, max_steps):
        from harness.train.mlm import train_mlm

        return train_mlm(encoder_dir, examples, out_dir, hp, seed, deepspeed=deepspeed, max_steps=max_steps)

    def encode(self, tokenizer, examples, hp, label2id, training):
        from harness.train.mlm import encode_corpus

        return encode_corpus(tokenizer, examples, hp.max_seq_length)

    def collator(self, tokenizer):
        from harness.errors import HarnessError

        raise HarnessError("mlm: harness.train.mlm.train_mlm masks with its own seeded collator")
