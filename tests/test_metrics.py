"""Every metric against values computed by hand."""

import pytest

from harness.metrics import (
    accuracy,
    bucc_scores,
    mlqa_em_f1,
    normalize_mlqa,
    normalize_squad,
    squad_em_f1,
    tagging_scores,
)


def test_accuracy_counts_matches():
    assert accuracy(["a", "b", "c", "a"], ["a", "c", "c", "b"]) == {"accuracy": 50.0}


def test_accuracy_rejects_length_mismatch_and_empty():
    with pytest.raises(ValueError):
        accuracy(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        accuracy([], [])


def test_tagging_span_scores():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]
    # gold spans: PER(0-1), LOC(3), ORG(0); predicted: PER(0-1), ORG(3), ORG(0) → 2 of 3 right.
    scores = tagging_scores(gold, pred)
    assert scores["precision"] == pytest.approx(200 / 3)
    assert scores["recall"] == pytest.approx(200 / 3)
    assert scores["f1"] == pytest.approx(200 / 3)


def test_tagging_partial_span_is_wrong():
    scores = tagging_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    assert scores == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_tagging_rejects_token_count_mismatch():
    with pytest.raises(ValueError, match="sentence 1"):
        tagging_scores([["O", "O"]], [["O"]])


def test_squad_normalisation():
    assert normalize_squad("The  Eiffel Tower!") == "eiffel tower"
    assert normalize_squad("an apple, a pear") == "apple pear"


def test_squad_em_f1_by_hand():
    gold = [("q1", ["Denver Broncos", "The Denver Broncos"]), ("q2", ["Carolina"]), ("q3", ["Santa Clara"])]
    predictions = {"q1": "the Denver Broncos", "q2": "Carolina Panthers"}
    # q1 exact; q2: precision 1/2, recall 1 → F1 2/3; q3 unanswered → 0.
    scores = squad_em_f1(gold, predictions)
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)


def test_mlqa_normalisation_per_language():
    assert normalize_mlqa("Der Hund, die Katze.", "de") == "hund katze"
    assert normalize_mlqa("los perros", "es") == "perros"
    assert normalize_mlqa("北京（中国）", "zh") == "北 京 中 国"
    assert normalize_mlqa("الكتاب", "ar") == "كتاب"
    # Unicode punctuation goes, in every language: «» are not in string.punctuation.
    assert normalize_mlqa("«Hallo»", "de") == "hallo"
    with pytest.raises(ValueError):
        normalize_mlqa("x", "fr")


def test_mlqa_chinese_f1_counts_characters():
    # Gold 北京大学 → 4 tokens; prediction 北京 → 2 tokens, all shared: P=1, R=1/2, F1=2/3.
    scores = mlqa_em_f1([("q", ["北京大学"])], {"q": "北京"}, "zh")
    assert scores["exact_match"] == 0.0
    assert scores["f1"] == pytest.approx(200 / 3)
    # SQuAD normalisation sees one token each and no overlap.
    assert squad_em_f1([("q", ["北京大学"])], {"q": "北京"})["f1"] == 0.0


def test_bucc_scores_by_hand():
    gold = {("de-1", "en-1"), ("de-2", "en-2"), ("de-3", "en-3"), ("de-4", "en-4")}
    predicted = [("de-1", "en-1"), ("de-2", "en-9"), ("de-3", "en-3")]
    scores = bucc_scores(gold, predicted)
    assert scores["precision"] == pytest.approx(200 / 3)
    assert scores["recall"] == pytest.approx(50.0)
    assert scores["f1"] == pytest.approx(100 * 2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert bucc_scores(gold, [("x", "y")]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}
