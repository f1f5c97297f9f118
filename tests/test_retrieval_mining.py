"""Margin mining, threshold tuning and BUCC id handling on vectors with known answers."""

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.retrieval.bucc import (
    mine_corpus,
    score_at,
    to_id_candidates,
    tune_on_gold,
    unique_side,
)
from harness.retrieval.mining import (
    MinedPairs,
    margin_score,
    mine_bitext,
    neighbourhoods,
    tune_threshold,
    write_pair_predictions,
)
from harness.retrieval.search import l2_normalize


def unit(*rows):
    return l2_normalize(np.array(rows, dtype=np.float32))


def random_unit(rng, n, dim):
    return l2_normalize(rng.standard_normal((n, dim)).astype(np.float32))


# Two sources, three targets in the plane; cosines are easy to compute by hand.
X = unit([1, 0], [0, 1])
Y = unit([1, 0], [1, 1], [0, 1])
C = np.sqrt(0.5)  # cos 45 degrees


def test_ratio_and_distance_margin_against_a_hand_computation():
    # k=2. Forward means: x0 -> (1, C), x1 -> (1, C). Backward: y0 -> (1, 0), y1 -> (C, C),
    # y2 -> (1, 0).
    nb = neighbourhoods(X, Y, k=2, method="fused")
    np.testing.assert_allclose(nb.fwd_mean, [(1 + C) / 2, (1 + C) / 2], rtol=1e-6)
    np.testing.assert_allclose(nb.bwd_mean, [0.5, C, 0.5], rtol=1e-6)
    # ratio margin of (x0, y0): 1 / (((1 + C) / 2 + 0.5) / 2)
    expected = 1 / (((1 + C) / 2 + 0.5) / 2)
    assert margin_score(np.float64(1.0), nb.fwd_mean[0], nb.bwd_mean[0], "ratio") == pytest.approx(expected)
    assert margin_score(np.float64(C), nb.fwd_mean[0], nb.bwd_mean[1], "distance") == pytest.approx(
        C - ((1 + C) / 2 + C) / 2)
    pairs = mine_bitext(X, Y, k=2, margin="ratio", strategy="max")
    assert list(zip(pairs.src.tolist(), pairs.tgt.tolist(), strict=True)) == [(0, 0), (1, 2)]
    np.testing.assert_allclose(pairs.score, [expected, expected], rtol=1e-6)


def test_strategies_on_a_target_that_two_sources_prefer():
    # x0 and x1 both prefer y0; x1's second choice y1 is what "max" must fall back on.
    x = unit([1, 0, 0], [0.9, 0.44, 0])
    y = unit([1, 0.05, 0], [0.2, 1, 0], [0.5, 0.5, 1])
    fwd = mine_bitext(x, y, k=1, strategy="forward")
    assert sorted(zip(fwd.src.tolist(), fwd.tgt.tolist(), strict=True)) == [(0, 0), (1, 0)]
    bwd = mine_bitext(x, y, k=1, strategy="backward")
    assert sorted(zip(bwd.src.tolist(), bwd.tgt.tolist(), strict=True)) == [(0, 0), (1, 1), (1, 2)]
    both = mine_bitext(x, y, k=1, strategy="intersection")
    assert list(zip(both.src.tolist(), both.tgt.tolist(), strict=True)) == [(0, 0)]
    union = mine_bitext(x, y, k=1, strategy="union")
    assert sorted(zip(union.src.tolist(), union.tgt.tolist(), strict=True)) == [(0, 0), (1, 0), (1, 1), (1, 2)]
    # max: (0,0) scores 1.0; (1,0) loses y0 to it; x1 then takes y1 (0.795) before y2 (0.744).
    best = mine_bitext(x, y, k=1, strategy="max")
    assert list(zip(best.src.tolist(), best.tgt.tolist(), strict=True)) == [(0, 0), (1, 1)]
    np.testing.assert_allclose(best.score, [1.0, 0.7954], atol=1e-3)


@pytest.mark.parametrize("tile", [7, 64, 4096])
def test_fused_and_faiss_neighbourhoods_equal_brute_force(tile):
    rng = np.random.default_rng(tile)
    x, y = random_unit(rng, 301, 16), random_unit(rng, 257, 16)
    sims = x @ y.T
    for method in ("fused", "faiss"):
        nb = neighbourhoods(x, y, k=4, method=method, tile=tile)
        np.testing.assert_array_equal(nb.fwd_ids, np.argsort(-sims, axis=1)[:, :4])
        np.testing.assert_array_equal(nb.bwd_ids, np.argsort(-sims.T, axis=1)[:, :4])
        np.testing.assert_allclose(nb.bwd_sims, -np.sort(-sims.T, axis=1)[:, :4], atol=1e-6)


def test_k_larger_than_a_side_is_cut_to_its_size():
    nb = neighbourhoods(X, Y, k=4, method="fused")
    assert nb.fwd_ids.shape == (2, 3) and nb.bwd_ids.shape == (3, 2)


def planted_bitext(seed=0, n_src=60, n_tgt=90, n_pairs=30, dim=32):
    """Sources 0..n_pairs-1 have a noisy translation at target 2*i; the rest are distractors."""
    rng = np.random.default_rng(seed)
    x, y = random_unit(rng, n_src, dim), random_unit(rng, n_tgt, dim)
    for i in range(n_pairs):
        y[2 * i] = x[i] + 0.1 * rng.standard_normal(dim).astype(np.float32) / np.sqrt(dim)
    return x, l2_normalize(y)


def test_planted_bitext_is_recovered_with_known_precision_recall_f1():
    x, y = planted_bitext()
    pairs = mine_bitext(x, y, k=4, margin="ratio", strategy="max")
    truth = {(i, 2 * i) for i in range(30)}
    # Two gold pairs that the vectors do not support (source 40 has no translation).
    gold = truth | {(40, 1), (41, 3)}
    correct = np.array([(s, t) in gold for s, t in zip(pairs.src, pairs.tgt, strict=True)])
    choice = tune_threshold(pairs.score, correct, len(gold))
    assert choice.n_predicted == 30
    assert choice.precision == pytest.approx(100.0)
    assert choice.recall == pytest.approx(100 * 30 / 32)
    assert choice.f1 == pytest.approx(100 * 2 * (30 / 32) / (1 + 30 / 32))
    kept = pairs.above(choice.threshold)
    assert set(zip(kept.src.tolist(), kept.tgt.tolist(), strict=True)) == truth
    # The planted pairs score far above every distractor pair.
    assert kept.score.min() > pairs.score[30:].max() * 1.25


def test_tune_threshold_by_hand():
    choice = tune_threshold(np.array([0.9, 0.6, 0.8, 0.7]), np.array([True, False, False, True]), n_gold=3)
    # cuts: 1 kept P1 R1/3 F.5 | 2 kept P.5 R1/3 F.4 | 3 kept P2/3 R2/3 F2/3 | 4 kept P.5 R2/3 F4/7
    assert choice.threshold == pytest.approx(0.65)
    assert (choice.precision, choice.recall, choice.f1) == pytest.approx((200 / 3, 200 / 3, 200 / 3))
    assert choice.n_predicted == 3


def test_tune_threshold_never_cuts_inside_a_tie():
    # Cutting between the two 0.8s would give F1 1.0 on paper but no threshold can do it.
    choice = tune_threshold(np.array([0.9, 0.8, 0.8]), np.array([True, True, False]), n_gold=2)
    assert choice.threshold == pytest.approx(0.8)
    assert choice.n_predicted == 3
    assert choice.f1 == pytest.approx(100 * 0.8)
    assert int((np.array([0.9, 0.8, 0.8]) >= choice.threshold).sum()) == choice.n_predicted


def test_tune_threshold_without_any_correct_candidate_keeps_nothing():
    choice = tune_threshold(np.array([0.5, 0.4]), np.array([False, False]), n_gold=3)
    assert choice.threshold > 0.5 and choice.f1 == 0.0
    with pytest.raises(HarnessError, match="gold"):
        tune_threshold(np.array([0.5]), np.array([True]), n_gold=0)


def test_unknown_options_are_clear_errors():
    with pytest.raises(HarnessError, match="--margin 'cosine'"):
        mine_bitext(X, Y, margin="cosine")
    with pytest.raises(HarnessError, match="--strategy 'both'"):
        mine_bitext(X, Y, strategy="both")


def test_repeated_texts_are_mined_once_and_dropped_from_the_output():
    side = unique_side({"zh-1": "a", "zh-2": "b", "zh-3": "a", "zh-4": "c"})
    assert side.texts == ["a", "b", "c"]
    assert side.ids == [None, "zh-2", "zh-4"]
    assert side.repeated == 1
    eng = unique_side({"en-1": "A", "en-2": "B"})
    mined = MinedPairs(np.array([0, 1, 2]), np.array([0, 1, 0]), np.array([3.0, 2.0, 1.0]))
    candidates = to_id_candidates(mined, side, eng)
    assert candidates.pairs == [("zh-2", "en-2"), ("zh-4", "en-1")]
    np.testing.assert_array_equal(candidates.scores, [2.0, 1.0])


def test_bucc_ids_end_to_end_with_dev_threshold_applied_to_test(tmp_path):
    x, y = planted_bitext(seed=3)
    texts_x = [f"src sentence {i}" for i in range(len(x))]
    texts_y = [f"english sentence {j}" for j in range(len(y))]
    table = {**dict(zip(texts_x, x, strict=True)), **dict(zip(texts_y, y, strict=True))}

    def embed(texts, side):
        return np.stack([table[t] for t in texts])

    src = {f"zh-{i:09d}": t for i, t in enumerate(texts_x)}
    eng = {f"en-{j:09d}": t for j, t in enumerate(texts_y)}
    gold = {(f"zh-{i:09d}", f"en-{2 * i:09d}") for i in range(30)}
    candidates, counts = mine_corpus(src, eng, embed)
    assert counts["src_distinct"] == 60 and counts["eng_repeated_texts_dropped"] == 0
    tuned = tune_on_gold(candidates, gold)
    predicted, scores = score_at(candidates, tuned.threshold, gold)
    assert set(predicted) == gold
    assert scores == {"f1": 100.0, "precision": 100.0, "recall": 100.0}
    # The same threshold on a second set where 10 of the 30 pairs are missing from the gold.
    _, partial = score_at(candidates, tuned.threshold, set(sorted(gold)[:20]))
    assert partial["precision"] == pytest.approx(100 * 20 / 30)
    assert partial["recall"] == pytest.approx(100.0)
    path = write_pair_predictions(tmp_path / "bucc2018" / "dev-zh.tsv", predicted)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30
    assert all(line.count("\t") == 1 and line.startswith("zh-") and "\ten-" in line for line in lines)
