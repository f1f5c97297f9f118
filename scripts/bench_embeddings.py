#!/usr/bin/env python
"""Embedding throughput: length-sorted batches against unsorted batches, on Tatoeba sentences.

Prints sentences/s and padded tokens for both orders (same model, same sentences, same
batch size, measured in the same run). Uses an imported multilingual-e5-small folder when
given (``--model``), else a tiny XLM-R built on the fly.

    .venv/bin/python scripts/bench_embeddings.py --model /tmp/e5-small --langs de zh --limit 500
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "xtreme-data"


def load_sentences(data_dir: Path, langs: list[str], limit: int) -> list[str]:
    import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with)
    from harness.data.sources import load_split

    sentences: list[str] = []
    for lang in langs:
        pairs = load_split(data_dir, "tatoeba", lang, "test")
        sentences += pairs.src[:limit] + pairs.eng[:limit]
    return sentences


def padded_tokens(batches: list[np.ndarray], lengths: np.ndarray) -> int:
    return int(sum(lengths[b].max() * len(b) for b in batches))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder (default: a tiny XLM-R built now)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--langs", nargs="+", default=["de", "zh", "ar", "ru"])
    parser.add_argument("--limit", type=int, default=250, help="sentence pairs per language")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    import torch

    from harness.models.encoder import load_encoder
    from harness.retrieval.embeddings import (
        EmbeddingSettings,
        encode_sentences,
        plan_batches,
        protocol_for,
    )

    if not args.data_dir.is_dir():
        print(f"{args.data_dir}: Tatoeba data not found; pass --data-dir", file=sys.stderr)
        return 2
    sentences = load_sentences(args.data_dir, args.langs, args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model
        if model_dir is None:
            from harness.models.tiny import build_tiny_model

            model_dir = build_tiny_model(Path(tmp) / "tiny", sentences)
        model, tokenizer = load_encoder(model_dir)
    settings = EmbeddingSettings(layer=protocol_for(model_dir).layer, pooling="mean")
    lengths = np.array([len(ids) for ids in tokenizer(sentences, truncation=True,
                                                       max_length=settings.max_length)["input_ids"]])
    sorted_order = np.argsort(-lengths, kind="stable")
    print(f"model {model_dir}  layer {settings.layer}  threads {torch.get_num_threads()}  "
          f"{len(sentences)} sentences ({', '.join(args.langs)}), {lengths.sum()} tokens, "
          f"batch {args.batch_size}")
    print(f"{'batches':<34} {'seconds':>8} {'sent/s':>8} {'speed-up':>8} {'padded tokens':>14} {'padding':>8}")
    results, base = {}, None
    encode_sentences(model, tokenizer, sentences[:8], settings, progress=False)  # warm-up
    unbounded = 1 << 40  # batches of exactly --batch-size sentences, whatever their length
    runs = ((f"unsorted, {args.batch_size} per batch", False), (f"length-sorted, {args.batch_size} per batch", True))
    for label, sort in runs:
        order = sorted_order if sort else np.arange(len(sentences))
        batch_size, max_tokens = args.batch_size, unbounded
        padded = padded_tokens(plan_batches(lengths, order, batch_size, max_tokens), lengths)
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            vectors = encode_sentences(model, tokenizer, sentences, settings, batch_size=batch_size,
                                       max_tokens=max_tokens, sort_by_length=sort, progress=False)
            best = min(best, time.perf_counter() - start)
        base = base or best
        results[label] = vectors
        print(f"{label:<34} {best:>8.2f} {len(sentences) / best:>8.1f} {base / best:>7.2f}x {padded:>14} "
              f"{100 * (padded - lengths.sum()) / padded:>7.1f}%")
    first, *others = results.values()
    diff = max(float(np.abs(first - other).max()) for other in others)
    print(f"max |difference| between the runs' vectors = {diff:.2e} (order restored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
