"""Every head really learns: a tiny XLM-R trained on small learnable sets beats chance by far.

Plain HF Trainer here (DeepSpeed has its own tests); one CPU thread, as the machine is shared.
"""

from __future__ import annotations

import pytest

from harness.tasktypes import task_type

pytest.importorskip("transformers")

HP = {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48, "logging_steps": 5}


@pytest.fixture(scope="module", autouse=True)
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


def test_pair_classification_learns(encoder, tmp_path):
    from harness.train import synthetic
    from harness.train.runner import TrainedModel, is_trained, predict, train_task

    trained = train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(320, 1),
                         tmp_path / "m", HP, seed=2, labels=synthetic.PAIR_LABELS,
                         deepspeed=None, max_steps=30)
    assert is_trained(tmp_path / "m") and TrainedModel.load(tmp_path / "m").steps == 30
    assert trained.examples == 30 * 16 and trained.tokens > trained.examples
    assert trained.losses[-1] < 0.5 * trained.losses[0]
    test = synthetic.pair_examples(200, 2)
    predictions = predict(tmp_path / "m", task_type("pair_classification"), test, HP)
    accuracy = sum(p == e.label for p, e in zip(predictions, test, strict=True)) / len(test)
    assert accuracy >= 0.9  # chance: 0.5


def test_token_classification_learns_and_maps_back_to_words(encoder, tmp_path):
    from harness.train import synthetic
    from harness.train.runner import predict, train_task

    train_task(encoder, task_type("token_classification"), synthetic.tagged_sentences(480, 1),
               tmp_path / "m", HP, seed=0, labels=synthetic.TAG_LABELS, deepspeed=None,
               max_steps=40)
    # longer sentences than in training: several windows of 48 sub-tokens each
    test = synthetic.tagged_sentences(60, 2, length=(20, 40))
    predictions = predict(tmp_path / "m", task_type("token_classification"), test, HP)
    assert [len(p) for p in predictions] == [len(s.tokens) for s in test]
    entity = [(p, g) for ps, s in zip(predictions, test, strict=True)
              for p, g in zip(ps, s.tags, strict=True) if g != "O"]
    recall = sum(p == g for p, g in entity) / len(entity)
    assert recall >= 0.9  # always predicting "O" scores 0 here, a random tag 1/3


def test_extractive_qa_learns_across_windows(encoder, tmp_path):
    from harness.train import synthetic
    from harness.train.runner import predict, train_task

    hp = {**HP, "doc_stride": 16}
    train_task(encoder, task_type("extractive_qa"), synthetic.qa_examples(320, 1, impossible_share=0.2),
               tmp_path / "m", hp, seed=0, deepspeed=None, max_steps=60)
    test = synthetic.qa_examples(100, 2, context_words=(10, 40), impossible_share=0.2)
    v2 = predict(tmp_path / "m", task_type("extractive_qa"), test, {**hp, "version_2_with_negative": True})
    exact = sum(v2[e.qid] == (e.answers[0].text if e.answers else "") for e in test) / len(test)
    assert exact >= 0.8  # a random span of up to 30 tokens is almost never exact
    v1 = predict(tmp_path / "m", task_type("extractive_qa"), test, hp)
    answerable = [e for e in test if e.answers]
    assert sum(v1[e.qid] == e.answers[0].text for e in answerable) / len(answerable) >= 0.8


@pytest.mark.slow
def test_multiple_choice_learns(encoder, tmp_path):
    from harness.train import synthetic
    from harness.train.runner import predict, train_task

    train_task(encoder, task_type("multiple_choice"), synthetic.choice_examples(320, 1), tmp_path / "m",
               HP, seed=0, deepspeed=None, max_steps=30)
    test = synthetic.choice_examples(100, 2)
    predictions = predict(tmp_path / "m", task_type("multiple_choice"), test, HP)
    assert sum(p == e.label for p, e in zip(predictions, test, strict=True)) / len(test) >= 0.8


def test_labelled_heads_need_labels(encoder, tmp_path):
    from harness.errors import HarnessError
    from harness.train import synthetic
    from harness.train.runner import train_task

    with pytest.raises(HarnessError, match="must list its `labels`"):
        train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(4, 1), tmp_path,
                   HP, seed=0, deepspeed=None)
    with pytest.raises(HarnessError, match="cannot be trained"):
        train_task(encoder, task_type("retrieval_bucc"), [], tmp_path, HP, seed=0, deepspeed=None)


@pytest.mark.slow
def test_training_is_reproducible_from_the_seed(encoder, tmp_path):
    import hashlib

    from harness.train import synthetic
    from harness.train.runner import train_task

    def weights(out, seed):
        train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(64, 1), out, HP,
                   seed=seed, labels=synthetic.PAIR_LABELS, deepspeed=None, max_steps=3)
        return hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()

    first = weights(tmp_path / "a", 7)
    assert weights(tmp_path / "b", 7) == first
    assert weights(tmp_path / "c", 8) != first
