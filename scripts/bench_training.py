#!/usr/bin/env python
"""Training throughput (examples/s, tokens/s) with and without DeepSpeed ZeRO-2.

    python scripts/bench_training.py                       # tiny XLM-R on CPU
    python scripts/bench_training.py --e5-dir models/e5s   # + multilingual-e5-small
    python scripts/bench_training.py --xlmr-large-random   # GPU: random XLM-R Large, bf16

The workload is sentence-pair classification (the intermediate NLI tasks) through the same
`train_task` the pipeline uses, on synthetic pairs long enough that every example fills
--seq-len tokens. Throughput is measured between the end of the --warmup-th step and the end
of the last step, so DeepSpeed's set-up and the first (slow) steps do not count; "total s"
includes everything (model load, DeepSpeed initialisation, saving). The table goes to stdout;
--json also writes the rows. XLM-R Large needs no weights: a random initialisation of its
configuration (24 layers, 1024 wide, 250,002-entry vocabulary) costs the same to train.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--e5-dir", type=Path, help="folder from `harness models import-e5-small`")
    parser.add_argument("--xlmr-large-random", action="store_true",
                        help="benchmark a randomly initialised XLM-R Large (meant for a GPU)")
    parser.add_argument("--deepspeed", nargs="+", default=["none", "zero2"],
                        help="configs to compare (none, zero2, zero3_offload, a JSON path)")
    parser.add_argument("--steps", type=int, default=0, help="measured steps (default per model)")
    parser.add_argument("--warmup", type=int, default=2, help="steps before timing starts")
    parser.add_argument("--batch-size", type=int, default=0, help="per device (default per model)")
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    return parser.parse_args(argv)


def long_pairs(n: int, seq_len: int, seed: int = 0):
    """Pairs whose texts each exceed seq_len tokens, so truncation makes every example full."""
    import random

    from harness.data.examples import PairExample
    from harness.train import synthetic

    rng, words = random.Random(seed), synthetic.pseudo_words()
    return [PairExample(f"b{i}", " ".join(rng.choices(words, k=seq_len)),
                        " ".join(rng.choices(words, k=seq_len)), synthetic.PAIR_LABELS[i % 2])
            for i in range(n)]


def parameter_count(model_dir: Path) -> int:
    from safetensors import safe_open

    total = 0
    for file in model_dir.glob("*.safetensors"):
        with safe_open(str(file), "pt") as handle:
            for key in handle.keys():
                shape = handle.get_slice(key).get_shape()
                count = 1
                for dim in shape:
                    count *= dim
                total += count
    return total


def step_clock():
    """A Trainer callback recording when every optimisation step ends."""
    import torch
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.times: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.times.append(time.perf_counter())

    return StepClock()


def bench(name: str, encoder: Path, deepspeed: str, batch: int, seq_len: int, steps: int,
          warmup: int, scratch: Path) -> dict:
    from transformers import AutoTokenizer, set_seed

    from harness.tasktypes import task_type
    from harness.train import synthetic
    from harness.train.encode import collator_for
    from harness.train.heads import build_head
    from harness.train.hyperparams import Hyperparameters
    from harness.train.pair import encode_pairs
    from harness.train.runner import run_trainer

    total_steps = warmup + steps
    hp = Hyperparameters.from_dict({"learning_rate": 1e-5, "batch_size": batch,
                                    "max_seq_length": seq_len, "logging_steps": 10**6})
    set_seed(0)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    model = build_head(encoder, task_type("pair_classification"), synthetic.PAIR_LABELS)
    encoded = encode_pairs(tokenizer, long_pairs(batch * total_steps, seq_len),
                           seq_len, {label: i for i, label in enumerate(synthetic.PAIR_LABELS)})
    clock = step_clock()
    trained = run_trainer(model, tokenizer, encoded.dataset(),
                          collator_for(task_type("pair_classification"), tokenizer),
                          scratch / f"{name}-{deepspeed}", hp, 0, "pair_classification",
                          deepspeed=deepspeed, max_steps=total_steps, save=False,
                          callbacks=[clock])
    total = time.perf_counter() - started
    timed = clock.times[warmup - 1:] if warmup > 0 else clock.times
    seconds = timed[-1] - timed[0]
    measured = len(timed) - 1
    examples = measured * batch * trained.world_size
    tokens_per_example = trained.tokens / max(trained.examples, 1)
    return {"model": name, "deepspeed": trained.deepspeed, "batch": batch, "seq_len": seq_len,
            "steps": measured, "s_per_step": seconds / measured,
            "examples_per_s": examples / seconds,
            "tokens_per_s": examples * tokens_per_example / seconds,
            "total_s": total, "world_size": trained.world_size}


def build_xlmr_large(folder: Path) -> Path:
    """XLM-R Large's configuration, randomly initialised, with a small tokenizer (ids < 2000;
    the 250,002-row embedding matrix and its optimizer state are still all there)."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from harness.models.tiny import build_tiny_tokenizer
    from harness.train import synthetic

    tokenizer = build_tiny_tokenizer(synthetic.corpus(2000), vocab_size=2000)
    config = XLMRobertaConfig(vocab_size=250002, hidden_size=1024, num_hidden_layers=24,
                              num_attention_heads=16, intermediate_size=4096,
                              max_position_embeddings=514, type_vocab_size=1,
                              pad_token_id=tokenizer.pad_token_id,
                              bos_token_id=tokenizer.bos_token_id,
                              eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    XLMRobertaModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
        # accelerate resets the thread count for distributed CPU runs (DeepSpeed's world of
        # one included) unless OMP_NUM_THREADS is set
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    from harness.models.tiny import build_tiny_model
    from harness.train import synthetic

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-training-") as scratch_name:
        scratch = Path(scratch_name)
        models = []
        if args.xlmr_large_random:
            if not torch.cuda.is_available():
                print("note: --xlmr-large-random without a GPU; this will be very slow",
                      file=sys.stderr)
            models.append(("xlmr-large-random", build_xlmr_large(scratch / "xlmr-large"),
                           args.batch_size or 32, args.steps or 20))
        else:
            tiny = build_tiny_model(scratch / "tiny", synthetic.corpus(2000))
            models.append(("tiny", tiny, args.batch_size or 32, args.steps or 20))
            if args.e5_dir:
                if not (args.e5_dir / "config.json").is_file():
                    print(f"{args.e5_dir}: no model there; run `harness models import-e5-small`"
                          " first", file=sys.stderr)
                    return 2
                models.append(("e5-small", args.e5_dir, args.batch_size or 8, args.steps or 6))
        for name, folder, batch, steps in models:
            params = parameter_count(folder)
            for deepspeed in args.deepspeed:
                row = bench(name, folder, deepspeed, batch, args.seq_len, steps, args.warmup,
                            scratch)
                row["parameters"] = params
                rows.append(row)
                print(f"done: {name} / {deepspeed}", file=sys.stderr)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else \
        f"CPU, {torch.get_num_threads()} torch threads"
    print(f"\nTraining throughput, sentence-pair classification ({device})\n")
    header = (f"{'model':<18} {'params':>8} {'deepspeed':<14} {'batch':>5} {'seq':>4} "
              f"{'steps':>5} {'s/step':>8} {'examples/s':>10} {'tokens/s':>10} {'total s':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['model']:<18} {r['parameters'] / 1e6:>7.1f}M {r['deepspeed']:<14} "
              f"{r['batch']:>5} {r['seq_len']:>4} {r['steps']:>5} {r['s_per_step']:>8.3f} "
              f"{r['examples_per_s']:>10.1f} {r['tokens_per_s']:>10.0f} {r['total_s']:>8.1f}")
    if args.json:
        args.json.write_text(json.dumps({"device": device, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
