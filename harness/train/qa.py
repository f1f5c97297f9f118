"""Extractive QA (SQuAD v1.1/v2.0, XQuAD, MLQA, TyDiQA-GoldP): sliding windows and span decoding.

A context longer than the window is cut into overlapping windows (`doc_stride` tokens of
overlap, the tokenizer's meaning of stride); the question is cut to `max_query_length` tokens
and never takes more than half the window. A window that does not hold the whole answer (and
every window of an unanswerable question) is trained to point at the first token (<s>), as
SQuAD v2 models do. Decoding scores spans start+end over the n-best starts and ends of every
window, keeps spans inside the context and at most `max_answer_length` tokens long, and with
`version_2_with_negative` answers "" when the best null score beats the best span by more than
`null_score_diff_threshold`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from harness.data.examples import QAExample
from harness.errors import HarnessError
from harness.train.features import Encoded

log = logging.getLogger(__name__)


def answer_char_span(example: QAExample) -> tuple[int, int] | None:
    """(start, end) of the first answer in the context, or None for a no-answer example.

    Some datasets' answer offsets are off by a few characters; the text itself is searched for
    then (nearest occurrence). Unfindable answers raise, because training on them is wrong.
    """
    if example.is_impossible or not example.answers:
        return None
    answer = example.answers[0]
    start, text = answer.start, answer.text
    if example.context[start:start + len(text)] == text:
        return start, start + len(text)
    found = [i for i in _occurrences(example.context, text)]
    if not found:
        raise HarnessError(f"question {example.qid}: answer {text!r} does not occur in its "
                           "context; fix or drop the example")
    nearest = min(found, key=lambda i: abs(i - start))
    return nearest, nearest + len(text)


def _occurrences(haystack: str, needle: str):
    i = haystack.find(needle)
    while i >= 0 and needle:
        yield i
        i = haystack.find(needle, i + 1)


def encode_qa(tokenizer, examples: Sequence[QAExample], max_seq_length: int, doc_stride: int,
              max_query_length: int, training: bool) -> Encoded:
    """Windows of (question, context); with `training`, start/end positions of the answer."""
    query_cap = min(max_query_length, max_seq_length // 2)
    questions = _cut_questions(tokenizer, [e.question.lstrip() for e in examples], query_cap)
    room = max_seq_length - query_cap - tokenizer.num_special_tokens_to_add(pair=True)
    if room < 2:
        raise HarnessError(f"max_seq_length {max_seq_length} leaves no room for the context; "
                           "raise max_seq_length")
    stride = min(doc_stride, room - 1)
    enc = tokenizer(questions, [e.context for e in examples], truncation="only_second",
                    max_length=max_seq_length, stride=stride, return_overflowing_tokens=True,
                    return_offsets_mapping=True)
    spans = [answer_char_span(e) for e in examples] if training else None
    features, meta = [], []
    for window in range(len(enc["input_ids"])):
        example_index = enc["overflow_to_sample_mapping"][window]
        ids = enc["input_ids"][window]
        sequence = enc.sequence_ids(window)
        offsets = enc["offset_mapping"][window]
        cls = ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0
        feature = {"input_ids": ids, "attention_mask": enc["attention_mask"][window]}
        context_offsets = [tuple(o) if s == 1 else None for o, s in zip(offsets, sequence, strict=True)]
        if training:
            start, end = _token_span(spans[example_index], context_offsets, cls)
            feature["start_positions"], feature["end_positions"] = start, end
        features.append(feature)
        meta.append({"example": example_index, "offsets": context_offsets, "cls": cls})
    return Encoded(features, meta)


def _cut_questions(tokenizer, questions: list[str], cap: int) -> list[str]:
    enc = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    cut = []
    for question, offsets in zip(questions, enc["offset_mapping"], strict=True):
        cut.append(question[: offsets[cap - 1][1]] if len(offsets) > cap else question)
    return cut


def _token_span(span: tuple[int, int] | None, offsets: list[tuple[int, int] | None],
                cls: int) -> tuple[int, int]:
    """Token positions of a character span inside this window, or (cls, cls) if not all inside."""
    if span is None:
        return cls, cls
    context = [i for i, o in enumerate(offsets) if o is not None]
    first, last = context[0], context[-1]
    start_char, end_char = span
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return cls, cls
    start = first
    while start <= last and offsets[start][0] <= start_char:
        start += 1
    end = last
    while end >= first and offsets[end][1] >= end_char:
        end -= 1
    return start - 1, end + 1


def postprocess_qa(examples: Sequence[QAExample], meta: Sequence[dict],
                   start_logits: Sequence[np.ndarray], end_logits: Sequence[np.ndarray],
                   n_best: int = 20, max_answer_length: int = 30,
                   version_2_with_negative: bool = False,
                   null_score_diff_threshold: float = 0.0) -> dict[str, str]:
    """The answer text per question id from per-window start/end logits."""
    by_example: dict[int, list[int]] = defaultdict(list)
    for window, info in enumerate(meta):
        by_example[info["example"]].append(window)
    answers: dict[str, str] = {}
    for example_index, example in enumerate(examples):
        best_score, best_text = -np.inf, ""
        null_score = np.inf
        for window in by_example.get(example_index, []):
            offsets = meta[window]["offsets"]
            starts = np.asarray(start_logits[window], dtype=np.float64)[: len(offsets)]
            ends = np.asarray(end_logits[window], dtype=np.float64)[: len(offsets)]
            cls = meta[window]["cls"]
            null_score = min(null_score, starts[cls] + ends[cls])
            for s in np.argsort(starts)[::-1][:n_best]:
                for e in np.argsort(ends)[::-1][:n_best]:
                    if offsets[s] is None or offsets[e] is None:
                        continue
                    if e < s or e - s + 1 > max_answer_length:
                        continue
                    score = starts[s] + ends[e]
                    if score > best_score:
                        best_score = score
                        best_text = example.context[offsets[s][0]: offsets[e][1]].strip()
        if version_2_with_negative and (best_score == -np.inf
                                        or null_score - best_score > null_score_diff_threshold):
            best_text = ""
        answers[example.qid] = best_text
    return answers
