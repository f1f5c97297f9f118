"""What verifying caches by content costs: a checkpoint the size of multilingual-e5-small
(470 MB at fp32) and embedding matrices, hashed in full and checked by size/mtime only.

The numbers decide the policy in harness/pipeline/checkpoints.py: sha256 of every file on a
checkpoint's first use in a process, sizes and mtimes on later uses in the same process.

    .venv/bin/python scripts/bench_cache_verify.py [--mb 470] [--rows 100000 --dim 384]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from harness.pipeline import checkpoints
from harness.pipeline.checkpoints import verify_checkpoint, write_manifest
from harness.retrieval.embeddings import array_sha256, load_cached, save_cached


def _best_of(runs: int, action) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def bench_checkpoint(root: Path, megabytes: int, runs: int) -> None:
    folder = root / "target-bench"
    (folder / "encoder").mkdir(parents=True)
    block = os.urandom(1 << 20)
    with (folder / "encoder" / "model.safetensors").open("wb") as out:
        for _ in range(megabytes):
            out.write(block)
    (folder / "encoder" / "config.json").write_text("{}")
    started = time.perf_counter()
    write_manifest(folder)
    print(f"checkpoint {megabytes} MB: manifest written in {time.perf_counter() - started:.2f} s")

    def full() -> None:
        assert verify_checkpoint(folder, full=True) is None

    def repeat() -> None:
        assert verify_checkpoint(folder) is None

    seconds = _best_of(runs, full)
    print(f"  sha256 of every file (first use in a process): {seconds:.2f} s, {megabytes / seconds:.0f} MB/s")
    checkpoints._VERIFIED.clear()  # noqa: SLF001
    verify_checkpoint(folder)
    print(f"  later uses in the same process (sizes + mtimes): {_best_of(runs, repeat) * 1e3:.2f} ms")


def bench_embeddings(root: Path, rows: int, dim: int, runs: int) -> None:
    array = np.random.default_rng(0).standard_normal((rows, dim), dtype=np.float32)
    path = root / "tatoeba.de.npy"
    save_cached(path, array)
    mb = array.nbytes / 1e6
    load_plain = _best_of(runs, lambda: np.load(path, allow_pickle=False))
    load_checked = _best_of(runs, lambda: load_cached(path, rows))
    hashing = _best_of(runs, lambda: array_sha256(array))
    print(f"embedding cache {rows} x {dim} ({mb:.0f} MB): np.load {load_plain * 1e3:.0f} ms, "
          f"load_cached (finite check + sha256) {load_checked * 1e3:.0f} ms, sha256 alone {hashing * 1e3:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=470, help="checkpoint size in MB (default: e5-small, fp32)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--runs", type=int, default=3, help="best of this many")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as scratch:
        bench_checkpoint(Path(scratch), args.mb, args.runs)
        bench_embeddings(Path(scratch), args.rows, args.dim, args.runs)


if __name__ == "__main__":
    main()
