"""The tiny XLM-R builder and the offline encoder loader."""

from __future__ import annotations

import hashlib

import pytest

from harness.errors import HarnessError

TEXTS = ["the cat sat on the mat", "der Hund schläft im Haus", "le chat dort sur le lit",
         "el perro duerme en la casa"] * 20


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_tiny_model_is_deterministic_and_loads(tmp_path):
    from harness.models.encoder import load_encoder
    from harness.models.tiny import build_tiny_model

    a = build_tiny_model(tmp_path / "a", TEXTS, hidden_size=32, layers=1, heads=2, seed=3)
    b = build_tiny_model(tmp_path / "b", TEXTS, hidden_size=32, layers=1, heads=2, seed=3)
    c = build_tiny_model(tmp_path / "c", TEXTS, hidden_size=32, layers=1, heads=2, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a)["model.safetensors"] != _digest(c)["model.safetensors"]
    assert _digest(a)["tokenizer.json"] == _digest(c)["tokenizer.json"]

    model, tok = load_encoder(a)
    assert model.config.hidden_size == 32 and model.config.num_hidden_layers == 1
    # XLM-R's special-token layout and pair template.
    assert [tok.cls_token, tok.pad_token, tok.sep_token, tok.unk_token] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert tok.mask_token == "<mask>" and tok.pad_token_id == model.config.pad_token_id == 1
    ids = tok("le chat", "the cat").input_ids
    tokens = tok.convert_ids_to_tokens(ids)
    assert tokens[0] == "<s>" and tokens[-1] == "</s>" and tokens.count("</s>") == 3
    assert "<unk>" not in tokens
    out = model(**tok(["le chat dort"], return_tensors="pt"))
    assert out.last_hidden_state.shape[-1] == 32


def test_load_encoder_errors_are_clear(tmp_path, monkeypatch):
    from harness.models.encoder import load_encoder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HarnessError, match="--online"):
        load_encoder("some-org/not-a-cached-model")
    with pytest.raises(HarnessError, match="no config.json"):
        load_encoder(tmp_path)
    with pytest.raises(HarnessError, match="does not exist"):
        load_encoder(tmp_path / "missing" / "deeper")


def test_tiny_tokenizer_needs_text(tmp_path):
    from harness.models.tiny import build_tiny_model

    with pytest.raises(HarnessError, match="no non-empty text"):
        build_tiny_model(tmp_path, ["", "  "])
