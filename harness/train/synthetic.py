"""Small, seeded, learnable example sets for every head: for tests and throughput benchmarks.

Why: the tests must show that each head really learns (accuracy well above chance) in a few
seconds on a CPU, without any dataset on disk. Pairs, QA and multiple choice hinge on a marker
word that the ordinary pseudo-words never contain; tags follow a word's first syllable (which
the tokenizer keeps in the word's first sub-token). A 2-layer model learns each in a few dozen
steps.
"""

from __future__ import annotations

import random

from harness.data.examples import (
    Answer,
    MultipleChoiceExample,
    PairExample,
    QAExample,
    TaggedSentence,
)

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "so", "vi", "de", "pa", "ku", "mo"]
MARKER = "xiyu"  # pair label, QA answer, right choice
TAG_PREFIXES = {"ka": "B-PER", "lo": "B-LOC"}  # a word's tag by its first syllable, else O
PAIR_LABELS = ["no", "yes"]
TAG_LABELS = ["O", "B-PER", "B-LOC"]


def pseudo_words(n: int = 200, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
                   for _ in range(n)})


def _sentence(rng: random.Random, words: list[str], length: int) -> list[str]:
    return [rng.choice(words) for _ in range(length)]


def corpus(n_lines: int = 1000, seed: int = 0) -> list[str]:
    """Text to build the tiny tokenizer on and to run MLM with; contains the marker words."""
    rng, words = random.Random(seed), pseudo_words(seed=0)
    lines = []
    for _ in range(n_lines):
        sentence = _sentence(rng, words, rng.randint(5, 12))
        if rng.random() < 0.3:
            sentence.insert(rng.randrange(len(sentence) + 1), MARKER)
        lines.append(" ".join(sentence))
    return lines


def pair_examples(n: int, seed: int) -> list[PairExample]:
    """'yes' iff the second text contains the marker; balanced."""
    rng, words = random.Random(seed), pseudo_words()
    out = []
    for i in range(n):
        a, b = _sentence(rng, words, rng.randint(4, 8)), _sentence(rng, words, rng.randint(4, 8))
        label = PAIR_LABELS[i % 2]
        if label == "yes":
            for _ in range(2):
                b.insert(rng.randrange(len(b) + 1), MARKER)
        out.append(PairExample(f"pair-{seed}-{i}", " ".join(a), " ".join(b), label))
    rng.shuffle(out)
    return out


def tagged_sentences(n: int, seed: int, length: tuple[int, int] = (5, 12)) -> list[TaggedSentence]:
    """Pseudo-words tagged by their first syllable (`TAG_PREFIXES`), else O."""
    rng, words = random.Random(seed), pseudo_words()
    out = []
    for i in range(n):
        tokens = _sentence(rng, words, rng.randint(*length))
        tags = [TAG_PREFIXES.get(t[:2], "O") for t in tokens]
        out.append(TaggedSentence(f"tag-{seed}-{i}", tokens, tags))
    return out


def qa_examples(n: int, seed: int, context_words: tuple[int, int] = (10, 30),
                impossible_share: float = 0.0) -> list[QAExample]:
    """The answer is the marker word, wherever it stands; without it the question has none."""
    rng, words = random.Random(seed), pseudo_words()
    out = []
    for i in range(n):
        tokens = _sentence(rng, words, rng.randint(*context_words))
        impossible = rng.random() < impossible_share
        answers = []
        if not impossible:
            position = rng.randrange(len(tokens) + 1)
            tokens.insert(position, MARKER)
            start = len(" ".join(tokens[:position])) + (1 if position else 0)
            answers = [Answer(MARKER, start)]
        question = " ".join(_sentence(rng, words, 3)) + " ?"
        out.append(QAExample(f"q-{seed}-{i}", "synthetic", " ".join(tokens), question, answers,
                             impossible))
    return out


def choice_examples(n: int, seed: int, n_choices: int = 4) -> list[MultipleChoiceExample]:
    """The right choice is the one that contains the marker."""
    rng, words = random.Random(seed), pseudo_words()
    out = []
    for i in range(n):
        label = rng.randrange(n_choices)
        choices = []
        for c in range(n_choices):
            choice = _sentence(rng, words, rng.randint(2, 5))
            if c == label:
                choice.insert(rng.randrange(len(choice) + 1), MARKER)
            choices.append(" ".join(choice))
        out.append(MultipleChoiceExample(f"mc-{seed}-{i}", " ".join(_sentence(rng, words, 6)),
                                         " ".join(_sentence(rng, words, 3)), choices, label))
    return out
