"""XTREME's own `download/` folder (what its `scripts/download_data.sh` leaves) read as it is.

Each file is written here, small and synthetic, in the exact shape XTREME's
`utils_preprocess.py` writes it (google-research/xtreme, commit 0918248): label-stripped test
files, renamed TyDiQA files, the per-language TyDiQA train split, Tatoeba with its English side
sorted. Unlabelled splits must read without labels, so that they are predicted and not scored.
The Tatoeba test builds XTREME's layout from the genuine LASER files in ../shared/xtreme-data.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with: harness/data/catalog.py)
from harness.data import sources
from harness.data.examples import (
    BuccCorpus,
    PairExample,
    ParallelSentences,
    QAExample,
    TaggedSentence,
)
from harness.data.readers.retrieval import TATOEBA_ISO3
from harness.errors import HarnessError


def _tsv(path: Path, rows: list[list[str]]) -> None:
    """As XTREME's xnli/pawsx preprocessing writes: csv.writer with a tab delimiter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter="\t")
        writer.writerows(rows)


def _tagged(path: Path, sentences: list[list[tuple[str, str]]], with_tags: bool) -> None:
    """As XTREME's udpos/panx preprocessing writes: token[<TAB>tag] lines, a blank line after each sentence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for sentence in sentences:
        lines.extend(f"{token}\t{tag}" if with_tags else token for token, tag in sentence)
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _squad(path: Path, items: list[tuple[str, str, str, str]], stripped: bool) -> None:
    """SQuAD json; ``stripped`` is XTREME's remove_qa_test_annotations (one paragraph per question)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = []
    for qid, context, question, answer in items:
        answers = ([{"answer_start": 0, "text": ""}] if stripped
                   else [{"answer_start": context.index(answer), "text": answer}])
        data.append({"paragraphs": [{"context": context, "qas": [
            {"answers": answers, "question": question, "id": qid}]}]})
    path.write_text(json.dumps({"data": data, "version": "1.1"}), encoding="utf-8")


QA = [("q1", "The river runs north to the sea.", "Where does it run?", "north"),
      ("q2", "Seven stones lie in the garden.", "How many stones?", "Seven")]
SENTENCES = [[("The", "DET"), ("dog", "NOUN"), ("runs", "VERB")], [("Hello", "INTJ"), ("!", "PUNCT")]]
NER = [[("Anna", "B-PER"), ("lives", "O"), ("in", "O"), ("Paris", "B-LOC")], [("Hi", "O")]]


@pytest.fixture(scope="module")
def download(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xtreme") / "download"
    pair_rows = [["A man sleeps.", "Nobody sleeps.", "contradiction"], ["A dog runs.", "An animal moves.", "entailment"]]
    _tsv(root / "xnli/train-en.tsv", pair_rows)
    for lang in ("de", "en"):
        _tsv(root / f"xnli/dev-{lang}.tsv", pair_rows)
        _tsv(root / f"xnli/test-{lang}.tsv", [row[:2] for row in pair_rows])
    binary = [["Cats sit.", "Cats are sitting.", "1"], ["Rain falls.", "The sun shines.", "0"]]
    _tsv(root / "pawsx/train-en.tsv", binary)
    _tsv(root / "pawsx/dev-fr.tsv", binary)
    _tsv(root / "pawsx/test-fr.tsv", [row[:2] for row in binary])
    for task, sentences in (("udpos", SENTENCES), ("panx", NER)):
        _tagged(root / f"{task}/train-en.tsv", sentences, True)
        _tagged(root / f"{task}/dev-de.tsv", sentences, True)
        _tagged(root / f"{task}/test-de.tsv", sentences, False)
    _squad(root / "squad/train-v1.1.json", QA, stripped=False)
    _squad(root / "xquad/xquad.de.json", QA, stripped=True)
    _squad(root / "mlqa/MLQA_V1/dev/dev-context-de-question-de.json", QA, stripped=False)
    _squad(root / "mlqa/MLQA_V1/test/test-context-de-question-es.json", QA, stripped=True)
    # tydiqa_preprocess: train split per language (ids lose their "english-" prefix), dev renamed and stripped
    _squad(root / "tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json", QA, stripped=False)
    _squad(root / "tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.sw.dev.json", QA, stripped=True)
    bucc = root / "bucc2018"
    bucc.mkdir()
    for split in ("dev", "test"):
        (bucc / f"fr-en.{split}.fr").write_text("fr-000000001\tUn chat.\nfr-000000002\tDeux chiens.\n", encoding="utf-8")
        (bucc / f"fr-en.{split}.en").write_text("en-000000001\tTwo dogs.\nen-000000002\tA cat.\n", encoding="utf-8")
    (bucc / "fr-en.dev.gold").write_text("fr-000000001\ten-000000002\n", encoding="utf-8")  # test.gold is removed
    tatoeba = root / "tatoeba"
    tatoeba.mkdir()
    (tatoeba / "de-en.de").write_text("Hallo.\nDanke.\n", encoding="utf-8")
    (tatoeba / "de-en.en").write_text("Hello.\nThanks.\n", encoding="utf-8")  # sorted, as XTREME writes it
    return root


def test_pair_tasks_train_dev_labelled_and_test_predicted_only(download):
    train = sources.load_split(download, "xnli", "en", "train")
    assert [ex.label for ex in train] == ["contradiction", "entailment"]
    assert sources.split_source(download, "xnli", "en", "train").name == "xtreme-download"
    dev = sources.load_split(download, "xnli", "de", "dev")
    assert isinstance(dev[0], PairExample) and sources.has_gold(dev)
    test = sources.load_split(download, "xnli", "de", "test")
    assert len(test) == 2 and not sources.has_gold(test)
    assert sources.available_languages(download, "xnli", "test") == ["de", "en"]
    assert [ex.label for ex in sources.load_split(download, "pawsx", "en", "train")] == ["1", "0"]
    assert sources.has_gold(sources.load_split(download, "pawsx", "fr", "dev"))
    assert not sources.has_gold(sources.load_split(download, "pawsx", "fr", "test"))


def test_tagging_tasks(download):
    for task, expected in (("udpos", SENTENCES), ("panx", NER)):
        train = sources.load_split(download, task, "en", "train")
        assert isinstance(train[0], TaggedSentence)
        assert [list(zip(s.tokens, s.tags, strict=True)) for s in train] == expected, task
        test = sources.load_split(download, task, "de", "test")
        assert [s.tokens for s in test] == [[t for t, _ in s] for s in expected] and not sources.has_gold(test)
        assert sources.resolve_files(download, task, "de", "test") == (download / task / "test-de.tsv",)


def test_qa_tasks_train_on_squad_and_read_stripped_test_files_without_answers(download):
    assert [ex.qid for ex in sources.load_split(download, "xquad", "en", "train")] == ["q1", "q2"]
    xquad = sources.load_split(download, "xquad", "de", "test")
    assert isinstance(xquad[0], QAExample) and not sources.has_gold(xquad)
    assert sources.has_gold(sources.load_split(download, "mlqa", "de", "dev"))
    stripped = sources.load_split(download, "mlqa", "de-es", "test")
    assert len(stripped) == 2 and not sources.has_gold(stripped)
    train = sources.load_split(download, "tydiqa", "en", "train")
    assert [ex.answers[0].text for ex in train] == ["north", "Seven"]
    dev = sources.load_split(download, "tydiqa", "sw", "test")
    assert len(dev) == 2 and not sources.has_gold(dev)
    assert sources.split_source(download, "tydiqa", "sw", "test").name == "xtreme-download"


def test_bucc_test_without_gold_and_tatoeba_without_alignment(download):
    dev = sources.load_split(download, "bucc2018", "fr", "dev")
    assert isinstance(dev, BuccCorpus) and dev.gold == {("fr-000000001", "en-000000002")}
    test = sources.load_split(download, "bucc2018", "fr", "test")
    assert len(test.src) == 2 and not sources.has_gold(test)
    pairs = sources.load_split(download, "tatoeba", "de", "test")
    assert isinstance(pairs, ParallelSentences) and pairs.aligned is False and not sources.has_gold(pairs)
    source = sources.split_source(download, "tatoeba", "de", "test")
    assert source.public_labels is False and source.name == "xtreme-download"


def test_an_empty_training_split_is_an_error(tmp_path):
    # TyDiQA-GoldP's combined train file holds no "english-" ids here: nothing to train on.
    _squad(tmp_path / "tydiqa/tydiqa-goldp-v1.1-train.json", [("arabic-1", *QA[0][1:])], stripped=False)
    with pytest.raises(HarnessError, match=r"tydiqa-goldp-v1.1-train.json: no train examples for task 'tydiqa'"):
        sources.load_split(tmp_path, "tydiqa", "en", "train")


# --------------------------------------------------------------------------- Tatoeba, genuine files


def _xtreme_tatoeba(laser: Path, out: Path, lang: str) -> None:
    """XTREME's tatoeba_preprocess: copy the source side, write the English side sorted."""
    iso3 = TATOEBA_ISO3[lang]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{lang}-en.{lang}").write_bytes((laser / f"tatoeba.{iso3}-eng.{iso3}").read_bytes())
    english = [line.strip() for line in (laser / f"tatoeba.{iso3}-eng.eng").read_text(encoding="utf-8").split("\n")]
    if english and english[-1] == "":
        english.pop()
    (out / f"{lang}-en.en").write_text("".join(f"{t}\n" for t in sorted(english)), encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from harness.models.tiny import build_tiny_model

    text = [f"sentence number {i} with words river stone cloud" for i in range(200)]
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", text, vocab_size=300)


def test_tatoeba_in_xtremes_layout_is_predicted_and_never_scored(xtreme_data, tiny_model, tmp_path):
    from harness.cli import main
    from harness.results import load_records

    data = tmp_path / "download"
    for lang in ("de", "sw"):
        _xtreme_tatoeba(xtreme_data / "tatoeba", data / "tatoeba", lang)
        pairs = sources.load_split(data, "tatoeba", lang, "test")
        laser = sources.load_split(xtreme_data, "tatoeba", lang, "test")
        assert sorted(pairs.src) == sorted(laser.src) and pairs.eng == sorted(e.strip() for e in laser.eng)
        assert not pairs.aligned and laser.aligned
    results, predictions = tmp_path / "results", tmp_path / "predictions"
    code = main(["retrieve", "--task", "tatoeba", "--model", str(tiny_model), "--data-dir", str(data),
                 "--langs", "de", "sw", "--output", str(results), "--predictions", str(predictions),
                 "--layer", "1", "--no-cache"])
    assert code == 0
    assert not results.exists() or not load_records(results)  # no score, so no record
    for lang, count in (("de", 1000), ("sw", 390)):
        written = (predictions / "tatoeba" / f"test-{lang}.tsv").read_text().split("\n")
        assert len([line for line in written if line]) == count
    assert not list(predictions.parent.rglob("*gold*/tatoeba/*"))
