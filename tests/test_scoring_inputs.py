"""The scorer on inputs that used to break it, and the choices that keep it XTREME's.

Reference behaviour is google-research/xtreme's evaluate.py (files read with Python's text
mode, `[l.strip() for l in f]`), its evaluate_test.py numbers, and seqeval 0.0.12 / MLQA's
evaluation script as XTREME ran them in 2020.
"""

import json
import logging
import os
import shutil
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.metrics import accuracy, normalize_mlqa, tagging_scores
from harness.metrics.mlqa_punctuation import MLQA_PUNCTUATION, UNICODE_VERSION
from harness.metrics.submission import split_lines
from harness.retrieval.search import read_index_predictions
from harness.scoring import score_submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def submission(xtreme_mock, tmp_path) -> tuple[Path, Path]:
    predictions, labels = tmp_path / "predictions", tmp_path / "labels"
    for task in ("xnli", "udpos", "xquad", "mlqa", "bucc2018", "tatoeba"):
        shutil.copytree(xtreme_mock / "predictions" / task, predictions / task)
        shutil.copytree(xtreme_mock / "labels" / task, labels / task)
    return predictions, labels


def _languages(submission, task):
    return score_submission(*submission, tasks=[task])["tasks"][task]["languages"]


# --------------------------------------------------------------------------- 2020 semantics


def test_udpos_tags_without_prefix_are_distinct_types():
    # seqeval >= 0.0.16 reads CCONJ and SCONJ as one type "CONJ" and scores this 100.
    assert tagging_scores([["CCONJ"]], [["SCONJ"]])["f1"] == 0.0
    assert tagging_scores([["NOUN", "NOUN"]], [["NOUN", "NOUN"]])["f1"] == 100.0


def test_accuracy_in_the_official_order():
    # evaluate.py: float(correct) / len(predictions), then * 100.
    score = accuracy(["a", "b", "c"], ["a", "x", "y"])["accuracy"]
    assert score == 1 / 3 * 100 and score != 100 * 1 / 3


def test_overall_is_the_same_under_any_hash_seed(xtreme_mock):
    code = (
        "import sys; from pathlib import Path; from harness.scoring import score_submission; "
        "m = Path(sys.argv[1]); o = score_submission(m / 'predictions', m / 'labels')['overall']; "
        "print(repr(o['mean_over_tasks']), repr(o['mean_over_groups']))"
    )
    outputs = set()
    for seed in ("0", "1", "2", "3", "17"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", code, str(xtreme_mock)], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=True)
        outputs.add(result.stdout.strip())
    assert len(outputs) == 1
    # tests/test_scoring.py explains this number (evaluate.py's own varies with the seed).
    assert outputs.pop().split()[0] == "62.17319850507248"


# --------------------------------------------------------------------------- lines


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_only_newlines_end_a_line(separator):
    assert split_lines(f"a{separator}b\nc\r\nd\re\n") == [f"a{separator}b", "c", "d", "e"]


def test_unicode_separator_in_a_file_the_official_reads(submission):
    path = submission[0] / "xnli" / "test-de.tsv"
    before = _languages(submission, "xnli")["de"]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] += "\x0c"  # str.splitlines() would make this two lines, and the count would not match
    path.write_text("\n".join(lines), encoding="utf-8")
    assert _languages(submission, "xnli")["de"] == before


def test_tatoeba_index_file_splits_on_newlines_only(tmp_path):
    path = tmp_path / "test-de.tsv"
    path.write_text("1\n2\x0c\n3\n", encoding="utf-8")
    assert read_index_predictions(path).tolist() == [1, 2, 3]
    assert isinstance(read_index_predictions(path), np.ndarray)


# --------------------------------------------------------------------------- byte-order marks


@pytest.mark.parametrize(("task", "side", "name"), [
    ("xnli", 0, "test-de.tsv"), ("xnli", 1, "test-de.tsv"),
    ("bucc2018", 0, "test-de.tsv"), ("bucc2018", 1, "test-de.tsv"),
    ("udpos", 0, "test-en.tsv"), ("xquad", 0, "test-de.json"), ("xquad", 1, "test-de.json"),
])
def test_byte_order_mark_is_dropped_with_a_warning(submission, caplog, task, side, name):
    lang = name.split("-")[1].split(".")[0]
    before = _languages(submission, task)[lang]
    path = submission[side] / task / name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with caplog.at_level(logging.WARNING):
        assert _languages(submission, task)[lang] == before
    assert "byte-order mark" in caplog.text and name in caplog.text


# --------------------------------------------------------------------------- gold files


def test_gold_labels_are_checked_like_predictions(submission):
    path = submission[1] / "xnli" / "test-fr.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = "entails"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(HarnessError, match=r"labels/xnli/test-fr.tsv:2: unknown label 'entails'"):
        score_submission(*submission, tasks=["xnli"])
    path = submission[1] / "udpos" / "test-en.tsv"
    path.write_text("NOUNN\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(HarnessError, match=r"labels/udpos/test-en.tsv:1: unknown label 'NOUNN'"):
        score_submission(*submission, tasks=["udpos"])


def test_gold_tatoeba_indices_are_checked(submission):
    path = submission[1] / "tatoeba" / "test-af.tsv"
    path.write_text("x\n" + path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(HarnessError, match=r"labels/tatoeba/test-af.tsv:1: expected the index"):
        score_submission(*submission, tasks=["tatoeba"])


def test_gold_question_without_answers_is_a_clear_error(submission):
    path = submission[1] / "xquad" / "test-de.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    qa = document["data"][0]["paragraphs"][0]["qas"][0]
    qa["answers"] = []
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(HarnessError, match=rf"test-de.json: question '{qa['id']}' has an empty 'answers' list"):
        score_submission(*submission, tasks=["xquad"])


def test_bucc_gold_pairs_are_checked(submission):
    (submission[1] / "bucc2018" / "test-de.tsv").write_text("de-1 en-1\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"labels/bucc2018/test-de.tsv:1: expected '<source-id>"):
        score_submission(*submission, tasks=["bucc2018"])


# --------------------------------------------------------------------------- what the official accepts


@pytest.mark.parametrize("content", ["", "\n", "  \n\n"])
def test_empty_bucc_prediction_scores_zero(submission, content):
    (submission[0] / "bucc2018" / "test-fr.tsv").write_text(content, encoding="utf-8")
    assert _languages(submission, "bucc2018")["fr"] == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_answers_for_unknown_question_ids_are_ignored(submission, caplog):
    path = submission[0] / "mlqa" / "test-de.json"
    before = _languages(submission, "mlqa")["de"]
    answers = json.loads(path.read_text(encoding="utf-8"))
    answers["no-such-question"] = "Berlin"
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert _languages(submission, "mlqa")["de"] == before
    assert "no-such-question" in caplog.text and "ignored" in caplog.text


# --------------------------------------------------------------------------- MLQA punctuation


# What Python 3.11's Unicode 14.0.0 changes against the pinned Unicode 11.0.0 set (Python 3.7).
ADDED_SINCE_11 = {
    0x061D, 0x0C77, 0x10EAD, 0x10F86, 0x10F87, 0x10F88, 0x10F89, 0x1145A, 0x116B9, 0x11944, 0x11945,
    0x11946, 0x119E2, 0x11FFF, 0x12FF1, 0x12FF2, 0x16FE2, 0x1B7D, 0x1B7E, 0x2E4F, 0x2E52, 0x2E53,
    0x2E54, 0x2E55, 0x2E56, 0x2E57, 0x2E58, 0x2E59, 0x2E5A, 0x2E5B, 0x2E5C, 0x2E5D,
}
REMOVED_SINCE_11 = {0x166D}  # CANADIAN SYLLABICS CHI SIGN: Po in 11.0, So from 12.0


def test_mlqa_punctuation_is_pinned_to_unicode_11():
    # 797, computed by hand: Unicode 14.0.0 has 819 code points of category P* (Python 3.11's
    # unicodedata counts them); less the 32 added since 11.0.0, plus U+166D (both sets below and
    # checked against the running tables) gives 788, and string.punctuation adds 9 ASCII symbols
    # that are not P* ($ + < = > ^ ` | ~): 788 + 9 = 797.
    assert UNICODE_VERSION == "11.0.0" and len(MLQA_PUNCTUATION) == 797
    assert set(string.punctuation) <= MLQA_PUNCTUATION
    if unicodedata.unidata_version != "14.0.0":
        pytest.skip(f"the documented difference is against Unicode 14.0.0, not {unicodedata.unidata_version}")
    # MLQA's own construction, run by this interpreter:
    running = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")}
    running |= set(string.punctuation)
    assert {ord(c) for c in running - MLQA_PUNCTUATION} == ADDED_SINCE_11
    assert {ord(c) for c in MLQA_PUNCTUATION - running} == REMOVED_SINCE_11


def test_mlqa_normalisation_uses_the_pinned_table():
    # U+2E52 (TIRONIAN SIGN CAPITAL ET) is punctuation only from Unicode 13: XTREME kept it.
    assert normalize_mlqa("a\u2e52b", "hi") == "a\u2e52b"
    assert normalize_mlqa("a\u166db", "hi") == "ab"
    assert normalize_mlqa("a،b!", "ar") == "ab"
