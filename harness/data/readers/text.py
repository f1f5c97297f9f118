"""Plain-text corpora for continued MLM: one sentence or paragraph per line."""

from __future__ import annotations

from pathlib import Path

from harness.data.examples import TextCorpus
from harness.data.readers._text import fail, numbered_lines


def read_text_corpus(path: Path, lang: str) -> TextCorpus:
    """Non-blank lines of ``path``; an empty corpus is an error, since MLM would train on nothing."""
    path = Path(path)
    lines = [line.strip() for _, line in numbered_lines(path) if line.strip()]
    if not lines:
        fail(path, 1, "corpus has no text")
    return TextCorpus(lang, lines)
