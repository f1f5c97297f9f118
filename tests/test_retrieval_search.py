"""FAISS search: block search equals one-shot search; Tatoeba as XTREME defines it."""

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.retrieval.search import (
    knn,
    l2_normalize,
    read_index_predictions,
    tatoeba_accuracy,
    tatoeba_predictions,
    write_index_predictions,
)


def random_unit(seed, n, dim):
    return l2_normalize(np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32))


def test_l2_normalize_gives_unit_rows_and_keeps_zero_rows():
    out = l2_normalize(np.array([[3, 4], [0, 0]], dtype=np.float64))
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0]])


@pytest.mark.parametrize("block_size", [1, 37, 100, 10_000])
def test_block_search_equals_one_shot_search(block_size, tmp_path):
    queries, database = random_unit(0, 50, 24), random_unit(1, 300, 24)
    one_sims, one_ids = knn(queries, database, 5)
    # Blocks of a memory-mapped database: only one block is read into memory at a time.
    path = tmp_path / "db.npy"
    np.save(path, database)
    mapped = np.load(path, mmap_mode="r")
    sims, ids = knn(queries, mapped, 5, block_size=block_size)
    np.testing.assert_array_equal(ids, one_ids)
    np.testing.assert_allclose(sims, one_sims, atol=1e-6)
    brute = np.argsort(-(queries @ database.T), axis=1)[:, :5]
    np.testing.assert_array_equal(one_ids, brute)


def test_tatoeba_indexes_the_non_english_side_and_queries_with_english():
    src = random_unit(2, 20, 16)
    eng = src.copy()
    # English sentences 5, 6 and 7 are exact copies of other non-English lines: wrong answers.
    eng[5], eng[6], eng[7] = src[9], src[0], src[19]
    predictions = tatoeba_predictions(src, eng)
    expected = np.arange(20)
    expected[[5, 6, 7]] = [9, 0, 19]
    np.testing.assert_array_equal(predictions, expected)
    assert tatoeba_accuracy(predictions) == pytest.approx(85.0)


def test_tatoeba_direction_matters():
    src = np.eye(3, dtype=np.float32)
    eng = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32)
    # English line 1 is closer to non-English line 0 (0.8) than to its own (0.6) ...
    np.testing.assert_array_equal(tatoeba_predictions(src, eng), [0, 0, 2])
    # ... while non-English line 1 still finds English line 1: the sides are not symmetric.
    np.testing.assert_array_equal(tatoeba_predictions(eng, src), [0, 1, 2])


def test_tatoeba_vectors_need_not_be_normalised():
    src = random_unit(3, 10, 8)
    predictions = tatoeba_predictions(src * 7.0, src * np.arange(1, 11, dtype=np.float32)[:, None])
    assert tatoeba_accuracy(predictions) == 100.0


def test_prediction_file_is_one_integer_per_line(tmp_path):
    path = write_index_predictions(tmp_path / "tatoeba" / "test-de.tsv", np.array([3, 0, 17]))
    assert path.read_text(encoding="utf-8") == "3\n0\n17\n"
    np.testing.assert_array_equal(read_index_predictions(path), [3, 0, 17])
    (tmp_path / "bad.tsv").write_text("1\nx\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"bad.tsv:2: expected an integer"):
        read_index_predictions(tmp_path / "bad.tsv")


def test_xtreme_mock_tatoeba_predictions_read_as_indices(xtreme_mock):
    path = xtreme_mock / "predictions" / "tatoeba" / "test-de.tsv"
    predictions = read_index_predictions(path)
    assert len(predictions) == len(path.read_text(encoding="utf-8").splitlines())
    assert predictions.min() >= 0


def test_empty_prediction_list_is_an_error():
    with pytest.raises(HarnessError, match="no sentences"):
        tatoeba_accuracy(np.array([], dtype=np.int64))
