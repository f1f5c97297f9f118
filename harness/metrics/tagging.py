"""Span-level precision, recall and F1 for tagging, exactly as XTREME scored it in 2020.

XTREME's evaluate.py calls seqeval's f1/precision/recall on the tag sequences of PAN-X and
UD-POS; the published XTREME (and Phang et al. 2020) numbers were computed with seqeval
0.0.12, the release of that time. Later seqeval releases (0.0.16 on) read the chunk type of
a tag without a B-/I- prefix as ``tag[1:]``, so ``CCONJ`` and ``SCONJ`` become one type and
UD-POS scores change; XTREME's own evaluate_test.py pins the 0.0.12 numbers. The chunking
below is that release's conlleval-style reading, re-implemented so that the result does not
depend on which seqeval is installed: a tag's first character is its chunk marker (B, I, E,
S, O, or anything else) and its type is the part after the last ``-`` (the whole tag when it
has none). For B-/I- tagged NER both readings agree, so PAN-X numbers are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

Chunk = tuple[str, int, int]


def _ends(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag not in ("O", ".") and prev_type != type_


def _starts(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag not in ("O", ".") and prev_type != type_


def chunks_2020(sentences: Sequence[Sequence[str]]) -> list[Chunk]:
    """seqeval 0.0.12's ``get_entities`` on a list of sentences: (type, first, last) over the
    concatenation, an ``O`` appended after every sentence (so no chunk crosses sentences)."""
    flat = [tag for sentence in sentences for tag in [*sentence, "O"]]
    chunks: list[Chunk] = []
    prev_tag, prev_type, begin = "O", "", 0
    for i, label in enumerate([*flat, "O"]):
        tag, type_ = label[0], label.split("-")[-1]
        if _ends(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _starts(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def tagging_scores(labels: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro-averaged span scores over sentences (lists of tags), on a 0-100 scale.

    Computed in XTREME's order: seqeval's fraction first, then ``* 100``.
    """
    if len(labels) != len(predictions):
        raise ValueError(f"{len(predictions)} predicted sentences for {len(labels)} gold sentences")
    for index, (gold, guess) in enumerate(zip(labels, predictions, strict=True)):
        if len(gold) != len(guess):
            raise ValueError(f"sentence {index + 1}: {len(guess)} predicted tags for {len(gold)} tokens")
    if any(tag == "" for sentence in (*labels, *predictions) for tag in sentence):
        raise ValueError("empty tag")
    true_chunks, pred_chunks = set(chunks_2020(labels)), set(chunks_2020(predictions))
    correct = len(true_chunks & pred_chunks)
    precision = correct / len(pred_chunks) if pred_chunks else 0
    recall = correct / len(true_chunks) if true_chunks else 0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0
    return {"f1": float(f1 * 100), "precision": float(precision * 100), "recall": float(recall * 100)}
