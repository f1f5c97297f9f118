"""Continued MLM lowers held-out MLM loss; only the encoder passes on, into any other head."""

from __future__ import annotations

import pytest

from harness.tasktypes import task_type

pytest.importorskip("transformers")


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    from harness.models.tiny import build_tiny_model
    from harness.train import synthetic

    return build_tiny_model(tmp_path_factory.mktemp("tiny"), synthetic.corpus(1000))


def _heldout_mlm_loss(model, tokenizer, lines) -> float:
    """Mean masked-LM loss on fixed masks (same seed every call)."""
    import torch
    from transformers import DataCollatorForLanguageModeling

    from harness.train.mlm import encode_corpus

    features = encode_corpus(tokenizer, lines, 48).features
    batch = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=123)(features)
    model.eval()
    with torch.no_grad():
        return float(model(**batch).loss)


def test_mlm_lowers_heldout_loss_and_saves_encoder_only(encoder, tmp_path):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from harness.train import synthetic
    from harness.train.heads import build_head, save_encoder_only
    from harness.train.mlm import train_mlm

    tokenizer = AutoTokenizer.from_pretrained(encoder)
    heldout = synthetic.corpus(100, seed=99)
    before = _heldout_mlm_loss(build_head(encoder, task_type("mlm"), seed=0), tokenizer, heldout)
    trained = train_mlm(encoder, synthetic.corpus(800, seed=5), tmp_path / "mlm",
                        {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48,
                         "logging_steps": 5}, seed=0, deepspeed=None, max_steps=40)
    after = _heldout_mlm_loss(AutoModelForMaskedLM.from_pretrained(tmp_path / "mlm"), tokenizer,
                              heldout)
    assert trained.losses[-1] < trained.losses[0]
    assert after < before - 0.5  # from about ln(vocab) ~ 5 down towards the unigram entropy

    out = save_encoder_only(tmp_path / "mlm", tmp_path / "encoder")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors",
                                                     "tokenizer.json", "tokenizer_config.json"]


def test_encoder_only_reloads_into_another_head(encoder, tmp_path):
    import torch
    from transformers import AutoModel

    from harness.train import synthetic
    from harness.train.heads import build_head, load_trained, save_encoder_only
    from harness.train.runner import train_task

    train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(64, 1), tmp_path / "pair",
               {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48}, seed=0,
               labels=synthetic.PAIR_LABELS, deepspeed=None, max_steps=4)
    pair_model, tokenizer = load_trained(tmp_path / "pair", task_type("pair_classification"))
    from_folder = save_encoder_only(tmp_path / "pair", tmp_path / "enc-a")
    from_object = save_encoder_only(pair_model, tmp_path / "enc-b", tokenizer)
    assert pair_model.config.architectures == ["XLMRobertaForSequenceClassification"]  # untouched

    original = AutoModel.from_pretrained(encoder).state_dict()
    trained = pair_model.base_model.state_dict()
    for folder in (from_folder, from_object):
        bare = AutoModel.from_pretrained(folder)
        assert bare.config.architectures == ["XLMRobertaModel"]
        assert bare.config.id2label == {0: "LABEL_0", 1: "LABEL_1"}
        state = bare.state_dict()
        changed = 0
        for name, tensor in trained.items():
            assert torch.equal(state[name], tensor), name  # the trained encoder, exactly
            changed += not torch.equal(tensor, original[name])
        assert changed > 0  # ... which training did change
        tagger = build_head(folder, task_type("token_classification"), synthetic.TAG_LABELS, seed=0)
        assert tagger.num_labels == 3
        for name, tensor in trained.items():
            assert torch.equal(tagger.base_model.state_dict()[name], tensor)
