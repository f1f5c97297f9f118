"""Retrieval records say which protocol they follow and the choices no figure shows yet.

The facts are the XTREME repository's own scripts (google-research/xtreme run_tatoeba.sh at
commit 0918248, run_bucc2018.sh at 5cc0e78, utils_retrieve.py at 4940374), written in the task
specs' `protocol` and copied into every record's protocol by the retrieval runner.
"""

import numpy as np
import pytest

from harness.retrieval.mining import MINING_CHOICES
from harness.retrieval.runner import run_bucc, run_tatoeba
from harness.retrieval.search import SEARCH_CHOICES
from harness.spec import default_registry


class OneHotEmbedder:
    """Each distinct text gets its own axis, so every sentence finds its own translation."""

    def __init__(self, pairs: dict[str, str]):
        self.axis = {}
        for index, (a, b) in enumerate(pairs.items()):
            self.axis[a] = self.axis[b] = index
        self.dim = len(pairs) + 1

    def embed(self, texts, task, lang, side, split):
        vectors = np.full((len(texts), self.dim), 0.01, dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, self.axis[text]] = 1.0
        return vectors

    def protocol(self):
        return {"layer": 1, "pooling": "mean"}


def test_specs_state_the_protocol_followed():
    registry = default_registry()
    tatoeba, bucc = registry.task("tatoeba").protocol, registry.task("bucc2018").protocol
    assert "similarity_search" in tatoeba["follows"] and "4940374" in tatoeba["follows"]
    assert "index 13 for XLM-R (7 for mBERT)" in tatoeba["xtreme_scripts"] and "0918248" in tatoeba["xtreme_scripts"]
    assert "mine_bitext" in bucc["follows"] and "applied to test" in bucc["follows"]
    assert "index 7" in bucc["xtreme_scripts"] and "first-token" in bucc["xtreme_scripts"]
    assert "5cc0e78" in bucc["xtreme_scripts"]


def test_tatoeba_record_protocol_carries_source_and_choices(tmp_path):
    src = ["Hallo Welt", "Guten Morgen", "Danke schön"]
    eng = ["Hello world", "Good morning", "Thank you"]
    (tmp_path / "tatoeba").mkdir()
    (tmp_path / "tatoeba" / "tatoeba.deu-eng.deu").write_text("\n".join(src) + "\n", encoding="utf-8")
    (tmp_path / "tatoeba" / "tatoeba.deu-eng.eng").write_text("\n".join(eng) + "\n", encoding="utf-8")
    result = run_tatoeba(OneHotEmbedder(dict(zip(src, eng, strict=True))), tmp_path, ["de"])
    assert result.languages["de"]["accuracy"] == 100.0
    assert result.protocol["task_protocol"] == dict(default_registry().task("tatoeba").protocol)
    assert result.protocol["choices"] == SEARCH_CHOICES
    assert "not stripped" in result.protocol["choices"]["text_stripping"]


@pytest.mark.parametrize("key", ["text_stripping", "greedy_ties", "positive_score_filter", "threshold_cuts"])
def test_bucc_choices_are_named(key):
    assert MINING_CHOICES[key]


def test_bucc_record_protocol_carries_source_and_choices(tmp_path):
    de = {f"de-{i:06d}": text for i, text in enumerate(["Hallo Welt", "Guten Morgen", "Danke schön", "Ja"])}
    en = {f"en-{i:06d}": text for i, text in enumerate(["Hello world", "Good morning", "Thank you", "Yes"])}
    folder = tmp_path / "bucc2018"
    folder.mkdir()
    (folder / "de-en.dev.de").write_text("".join(f"{k}\t{v}\n" for k, v in de.items()), encoding="utf-8")
    (folder / "de-en.dev.en").write_text("".join(f"{k}\t{v}\n" for k, v in en.items()), encoding="utf-8")
    (folder / "de-en.dev.gold").write_text("".join(f"de-{i:06d}\ten-{i:06d}\n" for i in range(3)), encoding="utf-8")
    embedder = OneHotEmbedder(dict(zip(de.values(), en.values(), strict=True)))
    result = run_bucc(embedder, tmp_path, ["de"])
    assert result.languages["de"]["recall"] == 100.0
    assert result.protocol["task_protocol"] == dict(default_registry().task("bucc2018").protocol)
    assert result.protocol["choices"] == MINING_CHOICES
