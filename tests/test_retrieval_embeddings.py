"""Embeddings from a tiny XLM-R: layer and pooling, length-sorted batches, the on-disk cache."""

import logging

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.retrieval import embeddings as emb
from harness.retrieval.embeddings import (
    Embedder,
    EmbeddingSettings,
    encode_sentences,
    plan_batches,
    protocol_for,
)

SENTENCES = [
    "The cat sleeps.",
    "Die Katze schläft auf dem warmen Sofa neben dem Fenster.",
    "A very long sentence about nothing in particular that goes on and on and on for a while.",
    "Hi.",
    "Le chat dort.",
    "Der Hund bellt laut.",
    "Ein Satz.",
]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    from harness.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", SENTENCES * 3, vocab_size=200,
                            layers=3)


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    from harness.models.encoder import load_encoder

    return load_encoder(tiny_dir)


def test_plan_batches_respects_rows_and_token_budget():
    lengths = np.array([5, 30, 8, 30, 2, 9])
    order = np.argsort(-lengths, kind="stable")
    batches = plan_batches(lengths, order, batch_size=4, max_tokens=60)
    assert [b.tolist() for b in batches] == [[1, 3], [5, 2, 0, 4]]
    assert sorted(np.concatenate(batches).tolist()) == list(range(6))
    # A single sentence longer than the budget still gets its own batch.
    assert [b.tolist() for b in plan_batches(lengths, order, 4, max_tokens=10)][0] == [1]


def hidden_states(model, tokenizer, sentences, layer):
    import torch

    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True)
    return out.hidden_states[layer], batch["attention_mask"]


@pytest.mark.parametrize("layer", [0, 1, 2, 3])
def test_mean_and_cls_pooling_of_a_layer_match_a_direct_computation(tiny, layer):
    model, tokenizer = tiny
    hidden, mask = hidden_states(model, tokenizer, SENTENCES, layer)
    m = mask.unsqueeze(-1).float()
    expected_mean = ((hidden * m).sum(1) / m.sum(1)).numpy()
    mean = encode_sentences(model, tokenizer, SENTENCES, EmbeddingSettings(layer=layer), progress=False)
    np.testing.assert_allclose(mean, expected_mean, atol=1e-5)
    cls = encode_sentences(model, tokenizer, SENTENCES, EmbeddingSettings(layer=layer, pooling="cls"),
                           progress=False)
    np.testing.assert_allclose(cls, hidden[:, 0].numpy(), atol=1e-5)
    # Running only the first `layer` blocks leaves the model whole afterwards.
    assert len(model.encoder.layer) == 3


def test_length_sorted_batches_restore_the_input_order(tiny):
    model, tokenizer = tiny
    settings = EmbeddingSettings(layer=2)
    sorted_ = encode_sentences(model, tokenizer, SENTENCES, settings, batch_size=2, progress=False)
    unsorted = encode_sentences(model, tokenizer, SENTENCES, settings, batch_size=2, sort_by_length=False,
                                progress=False)
    one_by_one = np.stack([encode_sentences(model, tokenizer, [s], settings, progress=False)[0]
                           for s in SENTENCES])
    np.testing.assert_allclose(sorted_, unsorted, atol=1e-5)
    np.testing.assert_allclose(sorted_, one_by_one, atol=1e-5)
    assert len({tuple(np.round(v, 5)) for v in sorted_}) == len(SENTENCES)


def test_bad_layer_and_pooling_are_clear_errors(tiny):
    model, tokenizer = tiny
    with pytest.raises(HarnessError, match="--layer 4: the model has only 3 layers"):
        encode_sentences(model, tokenizer, SENTENCES, EmbeddingSettings(layer=4), progress=False)
    with pytest.raises(HarnessError, match="--pooling 'max'"):
        EmbeddingSettings(layer=1, pooling="max")


def test_protocol_comes_from_the_model_spec_never_from_the_folder_name(tmp_path):
    """Layers by XTREME (Hu et al. 2020): mBERT 8 of 12, XLM-R Large 14 of 24; e5 its last."""
    import json

    assert protocol_for("xlm-roberta-large").layer == 14
    assert protocol_for("FacebookAI/xlm-roberta-large").layer == 14
    assert protocol_for("bert-base-multilingual-cased").layer == 8
    e5 = protocol_for("e5-small")
    assert (e5.layer, e5.pooling, e5.prefix, e5.max_length) == (12, "mean", "query: ", 512)
    # A folder named like e5 is not e5: its config decides (round(0.6 * 12) = 7).
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"num_hidden_layers": 12}))
    generic = protocol_for(folder)
    assert generic.layer == 7 and "0.6" in generic.layer_rule and generic.prefix == ""
    # An imported folder names its origin: the origin's spec applies.
    (folder / "harness_import.json").write_text('{"model": "intfloat/multilingual-e5-small"}')
    assert protocol_for(folder) == e5
    assert protocol_for(folder, layer=3).layer_rule == "given on the command line"


def test_cache_is_keyed_by_split_and_layer_and_survives_corruption(tiny_dir, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "cache"
    embedder = Embedder(tiny_dir, layer=2, cache_dir=cache, progress=False)
    first = embedder.embed(SENTENCES, "bucc2018", "zh", "src", "dev")
    files = sorted(cache.glob("*.npy"))
    assert len(files) == 1 and ".dev.layer2.mean." in files[0].name

    calls = []
    real_encode = emb.encode_sentences

    def counting_encode(*args, **kwargs):
        calls.append(1)
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(emb, "encode_sentences", counting_encode)
    np.testing.assert_array_equal(embedder.embed(SENTENCES, "bucc2018", "zh", "src", "dev"), first)
    assert calls == []  # served from the cache
    # Same sentences, other split: a separate entry (XTREME's candidate cache was not keyed by split).
    np.testing.assert_allclose(embedder.embed(SENTENCES, "bucc2018", "zh", "src", "test"), first, atol=1e-6)
    assert len(calls) == 1 and len(list(cache.glob("*.npy"))) == 2
    # Other layer: other vectors, another entry.
    layer1 = Embedder(tiny_dir, layer=1, cache_dir=cache, progress=False)
    other = layer1.embed(SENTENCES, "bucc2018", "zh", "src", "dev")
    assert not np.allclose(other, first) and len(list(cache.glob("*.npy"))) == 3
    # Other sentences: another entry.
    embedder.embed(SENTENCES[:3], "bucc2018", "zh", "src", "dev")
    assert len(list(cache.glob("*.npy"))) == 4
    # A corrupted cache file is recomputed with a warning, not a crash.
    files[0].write_bytes(b"\x93NUMPY garbage")
    with caplog.at_level(logging.WARNING):
        again = embedder.embed(SENTENCES, "bucc2018", "zh", "src", "dev")
    np.testing.assert_allclose(again, first, atol=1e-6)
    assert "unreadable embedding cache" in caplog.text
    # ... and rewritten, so that the next call reads it again.
    calls.clear()
    embedder.embed(SENTENCES, "bucc2018", "zh", "src", "dev")
    assert calls == []


def test_cache_of_the_wrong_shape_is_recomputed(tiny_dir, tmp_path, caplog):
    embedder = Embedder(tiny_dir, layer=1, cache_dir=tmp_path, progress=False)
    embedder.embed(SENTENCES, "tatoeba", "de", "eng", "test")
    (path,) = tmp_path.glob("*.npy")
    np.save(path, np.zeros((2, 3), dtype=np.float32))
    with caplog.at_level(logging.WARNING):
        vectors = embedder.embed(SENTENCES, "tatoeba", "de", "eng", "test")
    assert vectors.shape == (len(SENTENCES), 64)
    assert "expected 7 finite float32 rows" in caplog.text


def test_protocol_records_layer_rule_pooling_and_length(tiny_dir):
    embedder = Embedder(tiny_dir, pooling="cls", max_length=64, progress=False)
    protocol = embedder.protocol()
    assert protocol["layer"] == 2 and protocol["num_layers"] == 3
    assert "round(0.6 * 3 layers" in protocol["layer_rule"]  # the generic spec of a folder: its config
    assert protocol["pooling"] == "cls" and protocol["max_length"] == 64
    assert protocol["precision"] == "fp32" and protocol["text_prefix"] == ""
