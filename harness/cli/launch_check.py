"""`harness launch-check`: a launcher set-up checked end to end, a tiny model trained with
DeepSpeed in every process.

    torchrun --nproc_per_node 2 -m harness launch-check --out-dir /tmp/check
    deepspeed --num_gpus 8 -m harness launch-check --out-dir /tmp/check --deepspeed zero3_offload

Every rank trains a tiny XLM-R (built identically from a seed on each rank unless
--encoder-dir is given) on a learnable synthetic pair task, rank 0 saves it, every rank reloads
the saved model and predicts a held-out set; rank 0 writes `launch_check.json` (world size,
losses, accuracy). Exit status 0 means training, saving and reloading all worked in this world.

A command rather than library code: it puts a task type (above the trainers) into the
trainers, so it lives with the other entry points (tests/test_import_layers.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "launch-check", help="check a (multi-process) launcher set-up: tiny DeepSpeed training in every rank",
        description="Run under torchrun or deepspeed (`torchrun --nproc_per_node 2 -m harness launch-check "
                    "--out-dir DIR`): trains, saves and reloads a tiny model in every process and writes "
                    "DIR/launch_check.json.")
    parser.add_argument("--out-dir", required=True, type=Path, help="where the model and launch_check.json go")
    parser.add_argument("--encoder-dir", type=Path, help="encoder folder (default: a tiny XLM-R)")
    parser.add_argument("--deepspeed", default="zero2", help="zero2, zero3_offload, a JSON path, none")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch.distributed as dist

    from harness.models.tiny import build_tiny_model
    from harness.tasktypes import task_type
    from harness.train import synthetic
    from harness.train.runner import predict, train_task

    rank = int(os.environ.get("RANK", "0"))
    encoder = args.encoder_dir or build_tiny_model(args.out_dir / f"encoder-rank{rank}",
                                                   synthetic.corpus(1000), seed=args.seed)
    hp = {"learning_rate": 3e-3, "batch_size": 16, "max_seq_length": 48, "logging_steps": 5}
    trained = train_task(encoder, task_type("pair_classification"), synthetic.pair_examples(320, 1),
                         args.out_dir / "model", hp, args.seed, labels=synthetic.PAIR_LABELS,
                         deepspeed=args.deepspeed, max_steps=args.steps)
    if dist.is_initialized():
        dist.barrier()  # rank 0 has written the model
    test = synthetic.pair_examples(200, 2)
    predictions = predict(args.out_dir / "model", task_type("pair_classification"), test, hp)
    accuracy = sum(p == e.label for p, e in zip(predictions, test, strict=True)) / len(test)
    if rank == 0:
        report = {"world_size": trained.world_size, "deepspeed": trained.deepspeed,
                  "steps": trained.steps, "losses": trained.losses,
                  "examples": trained.examples, "accuracy": accuracy}
        (args.out_dir / "launch_check.json").write_text(json.dumps(report, indent=1))
        print(json.dumps(report), file=sys.stderr)
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return 0
