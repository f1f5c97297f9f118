"""An embedder and data writers shared by the retrieval runner tests (no model, no real data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class OneHotEmbedder:
    """Each translation pair gets its own axis, so every sentence finds its own translation."""

    def __init__(self, pairs: dict[str, str]):
        self.axis = {}
        for index, (a, b) in enumerate(pairs.items()):
            self.axis[a] = self.axis[b] = index
        self.dim = len(pairs) + 1
        self.tasks: set[str] = set()  # the task names embed() was called with (the cache key's)

    def embed(self, texts, task, lang, side, split):
        self.tasks.add(task)
        vectors = np.full((len(texts), self.dim), 0.01, dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, self.axis[text]] = 1.0
        return vectors

    def protocol(self):
        return {"layer": 1, "pooling": "mean"}


def write_tatoeba_de(folder: Path, src: list[str], eng: list[str]) -> None:
    """tatoeba.deu-eng.{deu,eng}, one sentence a line, line i of each a translation pair."""
    (folder / "tatoeba.deu-eng.deu").write_text("\n".join(src) + "\n", encoding="utf-8")
    (folder / "tatoeba.deu-eng.eng").write_text("\n".join(eng) + "\n", encoding="utf-8")


def write_bucc_de_dev(folder: Path, de: dict[str, str], en: dict[str, str], gold_pairs: int) -> None:
    """de-en.dev.{de,en,gold}: id<TAB>text, and the first `gold_pairs` ids paired by position."""
    (folder / "de-en.dev.de").write_text("".join(f"{k}\t{v}\n" for k, v in de.items()), encoding="utf-8")
    (folder / "de-en.dev.en").write_text("".join(f"{k}\t{v}\n" for k, v in en.items()), encoding="utf-8")
    gold = zip(list(de)[:gold_pairs], list(en)[:gold_pairs], strict=True)
    (folder / "de-en.dev.gold").write_text("".join(f"{a}\t{b}\n" for a, b in gold), encoding="utf-8")
