"""Exact match and token F1 for extractive QA: SQuAD v1.1's official normalisation, and
MLQA's language-aware one (punctuation of every script, pinned to Unicode 11.0.0 as XTREME
ran it, per-language articles, character segmentation for Chinese). Both score an
unanswered question as 0, as the official scripts do.
"""

from __future__ import annotations

import logging
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from harness.metrics.mlqa_punctuation import MLQA_PUNCTUATION

log = logging.getLogger(__name__)

GoldQuestions = Iterable[tuple[str, Sequence[str]]]

_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MLQA_ARTICLES: dict[str, re.Pattern | None] = {
    "en": _ENGLISH_ARTICLES,
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    # MLQA's Arabic rule removes the definite article "ال" wherever it occurs.
    "ar": re.compile("ال"),
    "hi": None,
    "zh": None,
}
_CJK = re.compile(r"[\u4e00-\u9fa5]")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def normalize_squad(text: str) -> str:
    """SQuAD v1.1: lower case, drop ASCII punctuation and English articles, squeeze spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ENGLISH_ARTICLES.sub(" ", text).split())


def _segment_mixed(text: str, punct: frozenset[str]) -> list[str]:
    """Whitespace tokens, with every CJK character and punctuation mark a token of its own."""
    tokens: list[str] = []
    pending = ""
    for ch in text:
        if _CJK.match(ch) or ch in punct:
            tokens.extend(pending.split())
            pending = ""
            tokens.append(ch)
        else:
            pending += ch
    tokens.extend(pending.split())
    return tokens


def normalize_mlqa(text: str, language: str) -> str:
    """MLQA's normalisation for the answer language `language`."""
    if language not in _MLQA_ARTICLES:
        raise ValueError(f"MLQA normalisation is defined for {sorted(_MLQA_ARTICLES)}, not {language!r}")
    punct = MLQA_PUNCTUATION
    text = "".join(ch for ch in text.lower() if ch not in punct)
    articles = _MLQA_ARTICLES[language]
    if articles is not None:
        text = articles.sub(" ", text)
    tokens = _segment_mixed(text, punct) if language == "zh" else text.split()
    return " ".join(t for t in tokens if t.strip())


def _token_f1(prediction: str, gold: str) -> float:
    pred_tokens, gold_tokens = prediction.split(), gold.split()
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def _em_f1(gold: GoldQuestions, predictions: Mapping[str, str], normalize: Callable[[str], str]) -> dict[str, float]:
    total = exact = f1 = 0.0
    unanswered = 0
    for qid, answers in gold:
        total += 1
        if qid not in predictions:
            unanswered += 1
            continue
        if not answers:
            # The official scripts fail here (max() of an empty list); say which question.
            raise ValueError(f"question {qid!r} has no gold answers")
        guess = normalize(predictions[qid])
        golds = [normalize(a) for a in answers]
        exact += max(float(guess == g) for g in golds)
        f1 += max(_token_f1(guess, g) for g in golds)
    if total == 0:
        raise ValueError("no questions to score")
    if unanswered:
        log.warning("%d of %d questions unanswered; each scores 0", unanswered, int(total))
    return {"exact_match": 100.0 * exact / total, "f1": 100.0 * f1 / total}


def squad_em_f1(gold: GoldQuestions, predictions: Mapping[str, str]) -> dict[str, float]:
    """SQuAD v1.1 EM/F1 (also XQuAD and TyDiQA-GoldP in XTREME). `gold`: (qid, answer texts)."""
    return _em_f1(gold, predictions, normalize_squad)


def mlqa_em_f1(gold: GoldQuestions, predictions: Mapping[str, str], language: str) -> dict[str, float]:
    """MLQA EM/F1 with the normalisation of the answer (context) language."""
    return _em_f1(gold, predictions, lambda text: normalize_mlqa(text, language))
