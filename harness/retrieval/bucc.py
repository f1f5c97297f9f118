"""BUCC 2018 with sentence ids: deduplicate, mine, tune the threshold on dev, apply it to test.

Sentences are mined once per distinct text (as LASER and XTREME do). A text that occurs
under several ids cannot be attributed to one of them, so pairs involving it are dropped
(XTREME's ``read_sent2id`` does the same); how many such texts there were is recorded.
XTREME's own script tunes a threshold on each split separately and never carries the dev
threshold to test; here the dev threshold is the one applied to test, and recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from harness.errors import HarnessError
from harness.metrics.retrieval import bucc_scores
from harness.retrieval.mining import MinedPairs, mine_bitext, tune_threshold


@dataclass(frozen=True)
class UniqueSide:
    """The distinct texts of one side, and the id of each (None when the text is repeated)."""

    texts: list[str]
    ids: list[str | None]
    repeated: int


def unique_side(sentences: Mapping[str, str]) -> UniqueSide:
    counts = Counter(sentences.values())
    first_id: dict[str, str] = {}
    for sid, text in sentences.items():
        first_id.setdefault(text, sid)
    texts = list(first_id)
    ids = [first_id[t] if counts[t] == 1 else None for t in texts]
    return UniqueSide(texts, ids, sum(1 for t in texts if counts[t] > 1))


@dataclass(frozen=True)
class Candidates:
    """Mined pairs as sentence ids, with scores, best first."""

    pairs: list[tuple[str, str]]
    scores: np.ndarray

    def above(self, threshold: float) -> list[tuple[str, str]]:
        return [p for p, s in zip(self.pairs, self.scores, strict=True) if s >= threshold]


def to_id_candidates(mined: MinedPairs, src: UniqueSide, eng: UniqueSide) -> Candidates:
    pairs, scores = [], []
    for s, t, score in zip(mined.src, mined.tgt, mined.score, strict=True):
        sid, tid = src.ids[s], eng.ids[t]
        if sid is not None and tid is not None:
            pairs.append((sid, tid))
            scores.append(score)
    return Candidates(pairs, np.asarray(scores, dtype=np.float64))


Embed = Callable[[list[str], str], np.ndarray]  # (texts, side) -> vectors


def mine_corpus(
    src: Mapping[str, str],
    eng: Mapping[str, str],
    embed: Embed,
    k: int = 4,
    margin: str = "ratio",
    strategy: str = "max",
    knn_method: str = "auto",
) -> tuple[Candidates, dict]:
    """Embed the distinct texts of both sides and mine them; returns candidates and counts."""
    src_side, eng_side = unique_side(src), unique_side(eng)
    x = embed(src_side.texts, "src")
    y = embed(eng_side.texts, "eng")
    mined = mine_bitext(x, y, k=k, margin=margin, strategy=strategy, knn_method=knn_method)
    counts = {
        "src_sentences": len(src), "eng_sentences": len(eng),
        "src_distinct": len(src_side.texts), "eng_distinct": len(eng_side.texts),
        "src_repeated_texts_dropped": src_side.repeated, "eng_repeated_texts_dropped": eng_side.repeated,
    }
    return to_id_candidates(mined, src_side, eng_side), counts


def tune_on_gold(candidates: Candidates, gold: set[tuple[str, str]]):
    """Best-F1 threshold of ``candidates`` against ``gold`` (see ``mining.tune_threshold``)."""
    if not gold:
        raise HarnessError("BUCC threshold tuning needs the dev gold pairs (<lang>-en.dev.gold)")
    correct = np.array([p in gold for p in candidates.pairs], dtype=bool)
    return tune_threshold(candidates.scores, correct, len(gold))


def score_at(candidates: Candidates, threshold: float, gold: set[tuple[str, str]]) -> tuple[list, dict]:
    """Predicted pairs at ``threshold`` and their P/R/F1 (0-100) against ``gold``."""
    predicted = candidates.above(threshold)
    return predicted, bucc_scores(gold, predicted)
