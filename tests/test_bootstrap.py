"""The paired bootstrap: against the normal approximation of a paired accuracy difference,
determinism under a seed, and pairing (the same items for both systems)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.metrics.evidence import accuracy_evidence, span_evidence
from harness.stats.bootstrap import align, bootstrap_test_set, estimate, resample_counts


def paired_accuracy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Correctness of two correlated systems on n items: B is right where A is, 90% of the time."""
    rng = np.random.default_rng(seed)
    a = rng.random(n) < 0.70
    b = np.where(rng.random(n) < 0.9, a, rng.random(n) < 0.75)
    return a.astype(float), b.astype(float)


def as_items(correct: np.ndarray):
    ids = np.arange(len(correct)).astype(str)
    return ids, np.stack([correct, np.ones_like(correct)], axis=1)


def test_paired_difference_matches_the_normal_approximation():
    # The analytic case: for a paired difference of accuracies on n items, the bootstrap
    # standard error tends to sd(a_i - b_i)/sqrt(n) and the 95% interval to d ± 1.96·se.
    n, replicates = 20_000, 2_000
    a, b = paired_accuracy(n, seed=7)
    scores = bootstrap_test_set("accuracy", [as_items(b), as_items(a)], task="t", language="xx",
                                 replicates=replicates, seed=3)
    deltas = scores[0] - scores[1]
    observed = 100 * (b.mean() - a.mean())
    se = 100 * np.std(b - a, ddof=1) / math.sqrt(n)
    assert np.std(deltas, ddof=1) == pytest.approx(se, rel=0.06)
    result = estimate(observed, deltas)
    assert result.low == pytest.approx(observed - 1.96 * se, abs=0.12 * se * 1.96)
    assert result.high == pytest.approx(observed + 1.96 * se, abs=0.12 * se * 1.96)
    # the one-sided share against the normal tail, where the difference is a few se from zero
    z = observed / se
    assert result.other_side == pytest.approx(0.5 * math.erfc(abs(z) / math.sqrt(2)), abs=0.01)


def test_paired_is_much_tighter_than_unpaired_for_correlated_systems():
    n = 5000
    a, b = paired_accuracy(n, seed=1)
    scores = bootstrap_test_set("accuracy", [as_items(b), as_items(a)], task="t", language="xx",
                                 replicates=1000, seed=1)
    paired_se = np.std(scores[0] - scores[1])
    unpaired_se = 100 * math.sqrt(a.var() / n + b.var() / n)
    assert paired_se < 0.6 * unpaired_se


def test_same_seed_same_replicates_and_names_change_them():
    a, b = paired_accuracy(3000, seed=2)
    items = [as_items(a), as_items(b)]
    first = bootstrap_test_set("accuracy", items, task="xnli", language="de", replicates=200, seed=11)
    again = bootstrap_test_set("accuracy", items, task="xnli", language="de", replicates=200, seed=11)
    assert np.array_equal(first, again)
    other_language = bootstrap_test_set("accuracy", items, task="xnli", language="fr", replicates=200, seed=11)
    other_seed = bootstrap_test_set("accuracy", items, task="xnli", language="de", replicates=200, seed=12)
    assert not np.array_equal(first, other_language) and not np.array_equal(first, other_seed)


def test_counts_draw_n_items_per_replicate():
    counts = resample_counts(37, 50, np.random.default_rng(0))
    assert counts.shape == (50, 37) and np.all(counts.sum(axis=1) == 37)


def test_alignment_pairs_items_by_id_and_zero_fills():
    ids, stats = align([(np.array(["b", "a"]), np.array([[1.0, 2.0], [3.0, 4.0]])),
                        (np.array(["c"]), np.array([[5.0, 6.0]]))])
    assert ids.tolist() == ["a", "b", "c"]
    assert stats[0].tolist() == [[3.0, 4.0], [1.0, 2.0], [0.0, 0.0]]
    assert stats[1].tolist() == [[0.0, 0.0], [0.0, 0.0], [5.0, 6.0]]


def test_span_f1_replicates_centre_on_the_corpus_f1():
    rng = np.random.default_rng(4)
    tags = ["O", "B-PER", "I-PER", "B-LOC"]
    gold = [[tags[i] for i in rng.integers(0, 4, 12)] for _ in range(600)]
    pred = [[t if rng.random() < 0.8 else "O" for t in s] for s in gold]
    ids, stats = span_evidence(gold, pred)
    values = bootstrap_test_set("spans", [(ids, stats)], task="panx", language="de", replicates=500)[0]
    from harness.metrics import tagging_scores

    assert np.median(values) == pytest.approx(tagging_scores(gold, pred)["f1"], abs=0.5)


def test_estimate_reports_significance_and_p():
    values = np.linspace(0.5, 2.5, 1001)
    result = estimate(1.5, values)
    assert result.significant and result.other_side == 0.0 and result.p == 0.0
    result = estimate(0.2, np.linspace(-1, 1.4, 1001))
    assert not result.significant and 0 < result.p <= 1
    assert accuracy_evidence(["a"], ["a"])[1].tolist() == [[1.0, 1.0]]
