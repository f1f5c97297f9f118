"""Typed examples that every reader returns and every trainer / retriever consumes.

One small dataclass per task family, so that a reader for a new file format only has to
produce these, and a trainer never sees a raw file. Labels of pair classification stay
strings as the files spell them ("entailment", "0"/"1"); the task spec maps them to ids.
Test splits whose labels XTREME strips carry ``label=None`` (or empty tags / answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PairExample:
    """Sentence-pair classification (XNLI, PAWS-X, MNLI, ANLI, SNLI, QQP)."""

    guid: str
    text_a: str
    text_b: str
    label: str | None


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence of token classification (UD-POS, PAN-X/WikiANN, CCG supertags).

    ``tags`` is empty when the file carries no labels (XTREME's stripped test files).
    """

    guid: str
    tokens: list[str]
    tags: list[str]

    def __post_init__(self) -> None:
        if self.tags and len(self.tags) != len(self.tokens):
            raise ValueError(f"{self.guid}: {len(self.tokens)} tokens but {len(self.tags)} tags")


@dataclass(frozen=True)
class Answer:
    """An answer span: its text and its character offset in the context."""

    text: str
    start: int


@dataclass(frozen=True)
class QAExample:
    """Extractive QA in SQuAD format (SQuAD v1.1/v2.0, XQuAD, MLQA, TyDiQA-GoldP)."""

    qid: str
    title: str
    context: str
    question: str
    answers: list[Answer]
    is_impossible: bool = False


@dataclass(frozen=True)
class MultipleChoiceExample:
    """Multiple choice (HellaSwag, Cosmos QA, CommonsenseQA); ``label`` indexes ``choices``.

    A model scores each choice on the pair (``context``, ``question + " " + choice``):
    HellaSwag's ``ctx_b`` is the start of the ending, Cosmos QA's question precedes its
    answers, and CommonsenseQA puts its question stem in ``context`` with an empty question.
    """

    guid: str
    context: str
    question: str
    choices: list[str]
    label: int | None


@dataclass(frozen=True)
class ParallelSentences:
    """Tatoeba: line i of ``src`` is the translation of line i of ``eng`` when ``aligned``.

    ``aligned=False`` is XTREME's own Tatoeba layout, whose English side is sorted: the
    sentences can be searched and predictions written, but there is no public gold to score.
    """

    lang: str
    src: list[str]
    eng: list[str]
    aligned: bool = True

    def __post_init__(self) -> None:
        if len(self.src) != len(self.eng):
            raise ValueError(
                f"{self.lang}: {len(self.src)} source vs {len(self.eng)} English lines"
            )


@dataclass(frozen=True)
class BuccCorpus:
    """BUCC 2018 bitext mining: two comparable corpora keyed by sentence id, and gold pairs."""

    lang: str
    src: dict[str, str]
    eng: dict[str, str]
    gold: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class TextCorpus:
    """Plain text, one sentence or paragraph per line, for continued MLM training."""

    lang: str
    lines: list[str]


Example = PairExample | TaggedSentence | QAExample | MultipleChoiceExample
