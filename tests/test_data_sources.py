"""load_split / data_checksum / available_languages on a generated mini folder, and their errors."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with: harness/data/catalog.py)
from harness.data import hub, sources
from harness.data.examples import PairExample, TaggedSentence
from harness.data.mini import build_mini_data
from harness.errors import HarnessError


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    return build_mini_data(tmp_path_factory.mktemp("mini"))


def test_xnli_dev_share_splits_by_premise_deterministically(mini):
    train = sources.load_split(mini, "xnli_dev_de", "de", "train")
    held_out = sources.load_split(mini, "xnli_dev_de", "de", "dev")
    full = sources.load_split(mini, "xnli", "de", "dev")
    assert len(train) + len(held_out) == len(full) and train and held_out
    assert not {e.text_a for e in train} & {e.text_a for e in held_out}
    assert sources.load_split(mini, "xnli_dev_de", "de", "test") == held_out
    assert sources.load_split(mini, "xnli_dev_de", "de", "train") == train
    # the files read are XNLI's own dev file
    assert sources.resolve_files(mini, "xnli_dev_de", "de", "train") == (
        mini / "xnli/xtreme_processed/dev-de.tsv",
    )


def test_translate_train_and_its_mix(mini):
    german = sources.load_split(mini, "xnli_mt_de", "de", "train")
    english = sources.load_split(mini, "mnli", "en", "train")
    assert len(german) == len(english) and [e.label for e in german] == [e.label for e in english]
    mixed = sources.load_mix(mini, "xnli_mt_mix", ["de", "ru"], "train")
    assert (
        len(mixed) == 2 * len(german)
        and mixed[0].guid.startswith("de-")
        and mixed[-1].guid.startswith("ru-")
    )
    assert sources.available_languages(mini, "xnli_mt_mix", "train") == ["de", "fr", "ru"]
    assert sources.available_languages(mini, "xnli_mt_de", "train") == ["de"]
    # translate-train tasks are evaluated on XNLI dev in their language
    assert sources.load_split(mini, "xnli_mt_fr", "fr", "dev") == sources.load_split(
        mini, "xnli", "fr", "dev"
    )


def test_train_sources_of_the_target_tasks(mini):
    assert isinstance(sources.load_split(mini, "xnli", "en", "train")[0], PairExample)  # MNLI
    assert sources.load_split(mini, "xquad", "en", "train") == sources.load_split(
        mini, "squad_v1", "en", "train"
    )
    assert sources.load_split(mini, "mlqa", "en", "train") == sources.load_split(
        mini, "squad_v1", "en", "train"
    )
    assert isinstance(sources.load_split(mini, "panx", "en", "train")[0], TaggedSentence)
    assert (
        sources.load_split(mini, "pawsx", "en", "train")[0].guid == "1"
    )  # x-final layout, with ids


def test_available_languages(mini):
    assert sources.available_languages(mini, "xnli", "test") == ["de", "en", "fr", "ru"]
    assert sources.available_languages(mini, "pawsx", "test") == ["de", "en", "fr"]
    assert sources.available_languages(mini, "tatoeba", "test") == ["de", "fr", "ru"]
    assert sources.available_languages(mini, "tatoeba", "dev") == []
    assert sources.available_languages(mini, "udpos", "train") == ["en"]
    assert sources.available_languages(mini, "commonsenseqa", "train") == ["en"]


def test_checksum_follows_content_not_location(mini, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(mini / "xnli", copy / "xnli")
    original = sources.data_checksum(mini, "xnli", "de", "dev")
    assert sources.data_checksum(copy, "xnli", "de", "dev") == original
    path = copy / "xnli/xtreme_processed/dev-de.tsv"
    path.write_text(path.read_text().replace("neutral", "entailment", 1))
    assert sources.data_checksum(copy, "xnli", "de", "dev") != original
    # BUCC hashes its three files together
    assert len(sources.resolve_files(mini, "bucc2018", "ru", "test")) == 3


def test_missing_data_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(
        HarnessError,
        match=r"data folder .*absent does not exist.*harness data download --tasks xnli",
    ):
        sources.load_split(tmp_path / "absent", "xnli", "de", "dev")
    message = ""
    try:
        sources.load_split(tmp_path, "xnli", "de", "dev")
    except HarnessError as err:
        message = str(err)
    assert f"expected {tmp_path}/xnli/xtreme_processed/dev-de.tsv" in message
    assert f"(or {tmp_path}/xnli/XNLI-1.0/xnli.dev.tsv, {tmp_path}/xnli/dev-de.tsv)" in message
    assert f"harness data download --tasks xnli --data-dir {tmp_path}" in message
    assert f"harness data mini --data-dir {tmp_path}" in message
    with pytest.raises(HarnessError, match=r"(?s)PAN-X .*no direct download.*AmazonPhotos"):
        sources.load_split(tmp_path, "panx", "de", "dev")
    with pytest.raises(HarnessError, match="LDC"):
        sources.load_split(tmp_path, "ccg", "en", "train")


def test_bad_requests(mini):
    with pytest.raises(HarnessError, match="unknown split 'validation'"):
        sources.load_split(mini, "xnli", "de", "validation")
    with pytest.raises(HarnessError, match="unknown task 'xnly'"):
        sources.load_split(mini, "xnly", "de", "dev")
    with pytest.raises(HarnessError, match="holds 'de' data only"):
        sources.load_split(mini, "xnli_mt_de", "fr", "train")
    with pytest.raises(HarnessError, match="no dev split in language 'de'"):
        sources.load_split(mini, "tatoeba", "de", "dev")
    with pytest.raises(HarnessError, match="no train split in language 'de'"):
        sources.load_split(mini, "mnli", "de", "train")
    with pytest.raises(HarnessError, match="unknown data source 'web'"):
        sources.load_split(mini, "xnli", "de", "dev", source="web")


def test_hub_source_fails_fast_offline(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(
        HarnessError,
        match=r"offline mode is on.*harness data download --tasks xnli.*harness data mini",
    ):
        sources.load_split("unused", "xnli", "de", "dev", source="hub")
    assert time.monotonic() - started < 30  # no network wait (importing datasets takes seconds)


def test_hub_source_fails_fast_without_network(monkeypatch):
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.raises(
        HarnessError, match=r"cannot be reached.*harness data download --tasks pawsx"
    ):
        sources.load_split("unused", "pawsx", "de", "dev", source="hub")
    with pytest.raises(HarnessError, match="no hub source.*BUCC"):
        sources.load_split("unused", "bucc2018", "de", "dev", source="hub")


def test_hub_rows_become_the_same_typed_examples():
    xnli = hub._rows_to_examples(
        "xnli", "de",
        [{"language": "de", "sentence1": "a", "sentence2": "b", "gold_label": "contradictory"},
         {"language": "fr", "sentence1": "c", "sentence2": "d", "gold_label": "neutral"}],
        None,
    )  # fmt: skip
    assert xnli == [PairExample("de-0", "a", "b", "contradiction")]
    features = {"pos_tags": SimpleNamespace(feature=SimpleNamespace(names=["ADJ", "NOUN"]))}
    [tagged] = hub._rows_to_examples(
        "udpos", "en", [{"tokens": ["big", "dog"], "pos_tags": [0, 1]}], features
    )
    assert tagged.tags == ["ADJ", "NOUN"]
    rows = [
        {
            "id": "arabic-1",
            "title": "",
            "context": "abc",
            "question": "?",
            "answers": {"text": ["b"], "answer_start": [1]},
        },
        {
            "id": "english-2",
            "title": "",
            "context": "xyz",
            "question": "?",
            "answers": {"text": ["z"], "answer_start": [2]},
        },
    ]
    [arabic] = hub._rows_to_examples("tydiqa", "ar", rows, None)
    assert arabic.qid == "arabic-1" and arabic.answers[0].start == 1
    pairs = hub._rows_to_examples(
        "tatoeba", "de", [{"source_sentence": "Hallo", "target_sentence": "Hello"}], None
    )
    assert pairs.src == ["Hallo"] and pairs.eng == ["Hello"]
    assert hub._hub_config("mlqa", "de-es") == ("google/xtreme", "MLQA.de.es")
    # The builder config name in google/xtreme's dataset_info (its card's `configs:` list misspells it).
    assert hub._hub_config("udpos", "af") == ("google/xtreme", "udpos.Afrikaans")
