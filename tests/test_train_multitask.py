"""Multi-task mix: sampling proportions with a cap, and one encoder learning several heads."""

from __future__ import annotations

from collections import Counter

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


def test_schedule_is_examples_proportional_with_cap():
    from harness.train.multitask import proportional_schedule

    sizes = [1000, 300, 50]
    schedule = proportional_schedule(sizes, batch_size=10, cap=400, epochs=3, seed=0)
    per_task = Counter()
    for task, rows in schedule:
        per_task[task] += len(rows)
        assert len(rows) <= 10 and all(0 <= r < sizes[task] for r in rows)
    # min(size, cap) examples of each task per epoch: 400, 300, 50
    assert [per_task[t] for t in range(3)] == [3 * 400, 3 * 300, 3 * 50]
    # every epoch draws the capped task afresh: over 3 epochs it sees more than 400 examples
    seen_big = {r for task, rows in schedule if task == 0 for r in rows}
    assert 400 < len(seen_big) <= 1000
    # small tasks see each example exactly once per epoch
    small = Counter(r for task, rows in schedule if task == 2 for r in rows)
    assert set(small.values()) == {3} and len(small) == 50
    # the tasks are interleaved, not run one after another
    first_third = Counter(task for task, _ in schedule[: len(schedule) // 3])
    assert all(first_third[t] > 0 for t in range(3))
    assert proportional_schedule(sizes, 10, 400, 3, seed=0) == schedule
    assert proportional_schedule(sizes, 10, 400, 3, seed=1) != schedule
    half = proportional_schedule(sizes, 10, 400, 0.5, seed=0)
    assert len(half) == round((40 + 30 + 5) * 0.5)


@pytest.mark.slow
def test_shared_encoder_learns_every_head(tmp_path):
    from harness.models.tiny import build_tiny_model
    from harness.train import synthetic
    from harness.train.multitask import export_multitask_head, train_multitask
    from harness.train.runner import predict

    encoder = build_tiny_model(tmp_path / "tiny", synthetic.corpus(1000))
    hp = {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48, "epochs": 2,
          "logging_steps": 5}
    tasks = [("pairs", task_type("pair_classification"), synthetic.pair_examples(320, 1), synthetic.PAIR_LABELS),
             ("tags", task_type("token_classification"), synthetic.tagged_sentences(800, 1), synthetic.TAG_LABELS),
             ("choices", task_type("multiple_choice"), synthetic.choice_examples(160, 1), None)]
    trained = train_multitask(encoder, tasks, tmp_path / "mt", hp, seed=0, cap=320,
                              deepspeed=None)
    assert trained.steps == 2 * (20 + 20 + 10)  # tags capped at 320 features per epoch
    assert trained.examples == 2 * (320 + 320 + 160)

    pairs = synthetic.pair_examples(200, 2)
    got = predict(export_multitask_head(tmp_path / "mt", "pairs", tmp_path / "p"),
                  task_type("pair_classification"), pairs, hp)
    assert sum(p == e.label for p, e in zip(got, pairs, strict=True)) / len(pairs) >= 0.9
    sentences = synthetic.tagged_sentences(50, 2)
    got = predict(export_multitask_head(tmp_path / "mt", "tags", tmp_path / "t"),
                  task_type("token_classification"), sentences, hp)
    entity = [(p, g) for ps, s in zip(got, sentences, strict=True)
              for p, g in zip(ps, s.tags, strict=True) if g != "O"]
    assert sum(p == g for p, g in entity) / len(entity) >= 0.9
    choices = synthetic.choice_examples(100, 2)
    got = predict(export_multitask_head(tmp_path / "mt", "choices", tmp_path / "c"),
                  task_type("multiple_choice"), choices, hp)
    assert sum(p == e.label for p, e in zip(got, choices, strict=True)) / len(choices) >= 0.8
