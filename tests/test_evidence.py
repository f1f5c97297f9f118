"""Per-example evidence: the corpus metrics recompute exactly (==, not approximately) from it,
against the scorers the records are written with (seqeval for spans, XTREME's BUCC P/R/F1)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from harness.metrics import accuracy, bucc_scores, mlqa_em_f1, squad_em_f1, tagging_scores
from harness.metrics.evidence import (
    accuracy_evidence,
    bucc_evidence,
    metrics_from_sums,
    qa_evidence,
    recompute,
    span_evidence,
    tatoeba_evidence,
)
from harness.metrics.retrieval import bucc_scores as bucc_scores_direct
from harness.results import ResultRecord
from harness.results.evidence import (
    Evidence,
    LanguageEvidence,
    bucc_language_evidence,
    evidence_path,
    load_evidence,
    matches_record,
    read_evidence,
    record_identity,
    write_evidence,
)
from harness.retrieval.search import tatoeba_accuracy

NER = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
POS = ["NOUN", "VERB", "ADJ", "DET", "PUNCT", "PROPN", "ADP"]


def noisy_tags(rng: random.Random, tagset: list[str], n_sentences: int, noise: float):
    gold, pred = [], []
    for _ in range(n_sentences):
        sentence = [rng.choice(tagset) for _ in range(rng.randint(1, 25))]
        gold.append(sentence)
        pred.append([rng.choice(tagset) if rng.random() < noise else tag for tag in sentence])
    return gold, pred


@pytest.mark.parametrize("tagset", [NER, POS], ids=["ner", "pos"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_span_f1_recomputes_exactly(tagset, seed):
    gold, pred = noisy_tags(random.Random(seed), tagset, 400, noise=0.3)
    _, stats = span_evidence(gold, pred)
    assert recompute("spans", stats) == tagging_scores(gold, pred)


def test_span_evidence_counts_chunks_per_sentence():
    _, stats = span_evidence([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "B-LOC", "O"]])
    # one PER chunk found, one spurious LOC, one missed LOC; 2 of 4 tokens right
    assert stats.tolist() == [[1.0, 1.0, 1.0, 2.0, 4.0]]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bucc_f1_recomputes_exactly(seed):
    rng = random.Random(seed)
    gold = {(f"de-{i:06d}", f"en-{i:06d}") for i in range(0, 3000, 3)}
    predicted = {pair for pair in gold if rng.random() < 0.8}
    predicted |= {(f"de-{rng.randrange(5000):06d}", f"en-{rng.randrange(5000):06d}") for _ in range(300)}
    _, stats = bucc_evidence(gold, predicted)
    assert recompute("bucc", stats) == bucc_scores(gold, predicted) == bucc_scores_direct(gold, predicted)
    item = bucc_language_evidence(gold, predicted)
    assert item.metrics() == bucc_scores(gold, predicted)
    assert len(item.gold_pairs) == len(gold) and len(item.predicted_pairs) == len(predicted)


def test_bucc_without_a_correct_pair_is_zero():
    _, stats = bucc_evidence({("a", "x")}, {("b", "y")})
    assert recompute("bucc", stats) == bucc_scores({("a", "x")}, {("b", "y")}) == {"f1": 0.0, "precision": 0.0,
                                                                                   "recall": 0.0}


@pytest.mark.parametrize("seed", [0, 1])
def test_accuracy_and_tatoeba_recompute_exactly(seed):
    rng = random.Random(seed)
    labels = [rng.choice("abc") for _ in range(5010)]
    guesses = [label if rng.random() < 0.7 else rng.choice("abc") for label in labels]
    assert recompute("accuracy", accuracy_evidence(labels, guesses)[1]) == accuracy(labels, guesses)
    retrieved = np.array([i if rng.random() < 0.6 else rng.randrange(1000) for i in range(1000)])
    assert recompute("retrieval_accuracy", tatoeba_evidence(retrieved)[1]) == {"accuracy": tatoeba_accuracy(retrieved)}


def test_qa_recomputes_exactly_with_unanswered_questions():
    rng = random.Random(5)
    words = ["the", "red", "house", "a", "river", "Berlin", "1990", "of", "old", "town", "北京", "大学"]
    gold, predictions = [], {}
    for i in range(800):
        answers = [" ".join(rng.choices(words, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 3))]
        gold.append((f"q{i}", answers))
        if rng.random() < 0.95:
            predictions[f"q{i}"] = answers[0] if rng.random() < 0.4 else " ".join(rng.choices(words, k=3))
    assert recompute("qa", qa_evidence(gold, predictions)[1]) == squad_em_f1(gold, predictions)
    for lang in ("zh", "de"):
        assert recompute("qa", qa_evidence(gold, predictions, lang)[1]) == mlqa_em_f1(gold, predictions, lang)


def test_metrics_from_sums_is_vectorised():
    gold, pred = noisy_tags(random.Random(3), NER, 50, noise=0.4)
    _, stats = span_evidence(gold, pred)
    stacked = np.stack([stats.sum(axis=0), stats[:10].sum(axis=0)])
    f1 = metrics_from_sums("spans", stacked)["f1"]
    assert f1.shape == (2,)
    assert f1[1] == pytest.approx(tagging_scores(gold[:10], pred[:10])["f1"], abs=1e-12)


def _record(task: str, languages: dict, **fields) -> ResultRecord:
    return ResultRecord(experiment="mini", variant="nli_de", model="tiny", task=task, languages=languages,
                        suite="mini", seed=1, protocol={"run_key": "k1"}, **fields)


def test_sidecar_round_trip_and_record_matching(tmp_path):
    gold = {(f"de-{i}", f"en-{i}") for i in range(50)}
    predicted = {pair for pair in gold if int(pair[0][3:]) % 4} | {("de-x", "en-y")}
    item = bucc_language_evidence(gold, predicted)
    record = _record("bucc2018", {"de": bucc_scores(gold, predicted)})
    record_file = tmp_path / "mini" / "nli_de" / "tiny" / "bucc2018.seed1.result.json"
    written = write_evidence(Evidence("bucc2018", {"de": item}, record_identity(record)), record_file)
    assert evidence_path(record_file).name == written["file"] == "bucc2018.seed1.evidence.npz"
    again = read_evidence(evidence_path(record_file))
    assert again.metrics() == {"de": bucc_scores(gold, predicted)}
    assert {tuple(p) for p in again.languages["de"].predicted_pairs} == predicted
    assert matches_record(again, record) is None
    assert load_evidence(tmp_path, [record]).keys() == {0}
    # a record whose numbers differ (a rerun) does not get the old sidecar
    rerun = _record("bucc2018", {"de": {**bucc_scores(gold, predicted), "f1": 1.0}})
    assert "recomputes" in matches_record(again, rerun)
    assert load_evidence(tmp_path, [rerun]) == {}
    # the same bytes for the same evidence
    first = evidence_path(record_file).read_bytes()
    write_evidence(Evidence("bucc2018", {"de": item}, record_identity(record)), record_file)
    assert evidence_path(record_file).read_bytes() == first


def test_a_corrupt_sidecar_is_skipped_with_its_name(tmp_path, caplog):
    record = _record("xnli", {"de": {"accuracy": 50.0}})
    path = tmp_path / "xnli.seed1.evidence.npz"
    path.write_bytes(b"not a zip")
    assert load_evidence(tmp_path, [record]) == {}
    assert str(path) in caplog.text


def test_language_evidence_metrics_match_kind():
    ids, stats = accuracy_evidence(["a", "b"], ["a", "a"])
    # computed by hand: 1 of 2 predictions right
    assert LanguageEvidence("accuracy", ids, stats).metrics() == {"accuracy": 50.0}


def test_pos_tags_that_read_as_chunk_markers_recompute_exactly():
    # INTJ/SCONJ/SYM start with I/S, the chunk markers: the 2020 chunking treats them specially
    tags = ["INTJ", "SCONJ", "SYM", "CCONJ", "NOUN", "ADJ", "PUNCT", "X"]
    gold, pred = noisy_tags(random.Random(9), tags, 300, noise=0.35)
    assert recompute("spans", span_evidence(gold, pred)[1]) == tagging_scores(gold, pred)


# --------------------------------------------------------------------------- from the files a run writes


def _written_split(task_name: str, tmp_path, rng: random.Random):
    """Predictions and gold of one language, written by the task type's own writers."""
    from harness.spec import default_registry

    task = default_registry().task(task_name)
    if task_name == "xnli":
        gold = [rng.choice(task.labels) for _ in range(300)]
        pred = [g if rng.random() < 0.6 else rng.choice(task.labels) for g in gold]
    elif task_name == "panx":
        gold, pred = noisy_tags(rng, NER, 120, noise=0.3)
    elif task_name == "udpos":
        gold, pred = noisy_tags(rng, POS + ["INTJ", "SCONJ", "SYM"], 120, noise=0.3)
    elif task_name == "xquad":
        words = ["river", "the", "old", "town", "1990", "Berlin"]
        gold = [{"id": f"q{i}", "question": "?", "answers": [{"text": " ".join(rng.choices(words, k=2)),
                                                              "answer_start": 0}]} for i in range(150)]
        pred = {g["id"]: (g["answers"][0]["text"] if rng.random() < 0.5 else " ".join(rng.choices(words, k=2)))
                for g in gold if rng.random() < 0.9}
    elif task_name == "tatoeba":
        gold = list(range(200))
        pred = [i if rng.random() < 0.7 else rng.randrange(200) for i in gold]
    else:  # bucc2018
        gold = sorted({(f"de-{i:06d}", f"en-{i:06d}") for i in range(0, 400, 2)})
        pred = [p for p in gold if rng.random() < 0.7] + [(f"de-{i:06d}", f"en-{i + 1:06d}") for i in range(1, 60, 2)]
    return task, gold, pred


@pytest.mark.parametrize("task_name", ["xnli", "panx", "udpos", "xquad", "tatoeba", "bucc2018"])
def test_sidecar_from_the_written_files_reproduces_the_record(task_name, tmp_path):
    from harness.results.evidence import record_evidence, save_record_evidence
    from harness.tasktypes import evaluate_split

    rng = random.Random(len(task_name))
    predictions_dir = tmp_path / "predictions" / "seed1"
    record_languages = {}
    for lang in ("de", "fr"):
        task, gold, pred = _written_split(task_name, tmp_path, rng)
        evaluated = evaluate_split(task, "test", lang, pred, gold, predictions_dir)
        record_languages[lang] = evaluated.metrics
    record = _record(task_name, record_languages)
    evidence = record_evidence(task, record, predictions_dir)
    assert evidence is not None and evidence.metrics() == {
        lang: {k: record_languages[lang][k] for k in evidence.metrics()[lang]} for lang in record_languages}
    written = save_record_evidence(task, record, predictions_dir, tmp_path / "results")
    assert written is not None and written.name == f"{task_name}.seed1.evidence.npz"
    assert load_evidence(tmp_path / "results", [record]).keys() == {0}
