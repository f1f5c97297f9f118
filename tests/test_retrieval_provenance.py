"""Retrieval records say which protocol they follow and the choices no figure shows yet.

The facts are the XTREME repository's own scripts (google-research/xtreme run_tatoeba.sh at
commit 0918248, run_bucc2018.sh at 5cc0e78, utils_retrieve.py at 4940374), written in the task
specs' `protocol` and copied into every record's protocol by the retrieval runner.
"""

import pytest
from retrieval_fakes import OneHotEmbedder, write_bucc_de_dev, write_tatoeba_de

from harness.retrieval.mining import MINING_CHOICES
from harness.retrieval.runner import run_bucc, run_tatoeba
from harness.retrieval.search import SEARCH_CHOICES
from harness.spec import default_registry


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
    write_tatoeba_de(tmp_path / "tatoeba", src, eng)
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
    write_bucc_de_dev(folder, de, en, gold_pairs=3)
    embedder = OneHotEmbedder(dict(zip(de.values(), en.values(), strict=True)))
    result = run_bucc(embedder, tmp_path, ["de"])
    assert result.languages["de"]["recall"] == 100.0
    assert result.protocol["task_protocol"] == dict(default_registry().task("bucc2018").protocol)
    assert result.protocol["choices"] == MINING_CHOICES
