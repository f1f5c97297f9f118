"""DeepSpeed on CPU: ZeRO-2 in this process, ZeRO-3 with optimizer offload, a user's own config,
and ZeRO-2 with two processes under torchrun. Each run must learn and its saved model reload.

DeepSpeed's process group is created once for the pytest session (by the first training here)
and reused, never destroyed: recreating it breaks later ZeRO runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.tasktypes import task_type

pytest.importorskip("deepspeed")

ROOT = Path(__file__).resolve().parents[1]
HP = {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48, "logging_steps": 5}


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """One CPU thread (the machine is shared); accelerate would otherwise pick its own count
    for a distributed CPU world unless OMP_NUM_THREADS is set."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS") or "1")
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    from harness.models.tiny import build_tiny_model
    from harness.train import synthetic

    return build_tiny_model(tmp_path_factory.mktemp("tiny"), synthetic.corpus(1000))


def _train_and_score(encoder, out: Path, deepspeed, steps: int = 30):
    from harness.train import synthetic
    from harness.train.runner import predict, train_task

    trained = train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(320, 1), out, HP,
                         seed=2, labels=synthetic.PAIR_LABELS, deepspeed=deepspeed,
                         max_steps=steps)
    test = synthetic.pair_examples(200, 2)
    predictions = predict(out, task_type("pair_classification"), test, HP)
    return trained, sum(p == e.label for p, e in zip(predictions, test, strict=True)) / len(test)


@pytest.mark.slow
def test_zero2_in_process_learns_and_reloads(encoder, tmp_path):
    trained, accuracy = _train_and_score(encoder, tmp_path / "z2", "zero2")
    assert trained.deepspeed == "zero2" and trained.world_size == 1 and trained.steps == 30
    assert trained.losses[-1] < 0.5 * trained.losses[0]
    assert accuracy >= 0.9  # chance 0.5; predict() reloaded the saved model


@pytest.mark.slow
def test_zero3_offload_saves_full_weights(encoder, tmp_path):
    from safetensors.torch import load_file

    trained, accuracy = _train_and_score(encoder, tmp_path / "z3", "zero3_offload")
    assert trained.deepspeed == "zero3_offload" and accuracy >= 0.9
    weights = load_file(str(tmp_path / "z3" / "model.safetensors"))
    # gathered on save: real tensors, not ZeRO-3's empty placeholders
    assert weights["classifier.out_proj.weight"].shape == (2, 64)
    assert all(t.numel() > 0 for t in weights.values())


@pytest.mark.slow
def test_own_deepspeed_config(encoder, tmp_path):
    config = tmp_path / "zero1.json"
    config.write_text(json.dumps({
        "zero_optimization": {"stage": 1},
        "optimizer": {"type": "AdamW", "params": {"lr": "auto", "weight_decay": "auto",
                                                  "torch_adam": True}},
        "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto"}))
    trained, accuracy = _train_and_score(encoder, tmp_path / "own", str(config))
    assert trained.deepspeed == "zero1.json" and accuracy >= 0.9


@pytest.mark.slow
def test_zero2_with_two_processes(tmp_path):
    from harness.train.distributed import free_port

    env = {**os.environ, "OMP_NUM_THREADS": "1", "DS_ACCELERATOR": "cpu",
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)  # this pytest process may already hold a world of one
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_port", str(free_port()), "-m", "harness", "launch-check",
               "--out-dir", str(tmp_path), "--deepspeed", "zero2", "--steps", "30"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "launch_check.json").read_text())
    assert report["world_size"] == 2 and report["deepspeed"] == "zero2" and report["steps"] == 30
    assert report["examples"] == 2 * 30 * 16  # both processes trained on their own batches
    assert report["losses"][-1] < 0.5 * report["losses"][0]
    assert report["accuracy"] >= 0.9  # after every rank reloaded the saved model
