#!/usr/bin/env python
"""Margin mining time and peak memory: harness (FAISS) against plain numpy, in one run.

For N x N random unit vectors (per size and dimension) it times the whole BUCC mining
(normalise, k=4 neighbourhoods both ways, ratio margins, "max" strategy) three ways:

  fused  harness.retrieval.mining with knn="fused": the similarity matrix once, tile by tile,
         row top-k in faiss heaps, column top-k by a threshold filter (the CPU default)
  faiss  harness.retrieval.mining with knn="faiss": two faiss IndexFlatIP k-NN searches
         (what "auto" picks when faiss sees a GPU)
  numpy  a plain numpy version of the same mining: for each direction, row blocks of the
         similarity matrix and np.argpartition for the top k

and counts the pairs mined by one and not by the first ("differ": float32 rounding in the
products can swap near-ties in the greedy "max" selection; 0 or a handful out of thousands). "useful GFLOP/s" counts the 2*N*N*d
multiply-adds of one similarity matrix (which all three need); "done" counts what each one
computes (numpy and faiss build the matrix twice, once per direction). The machine's rate is
the best np.dot float32 GFLOP/s measured in the same run, again just before each N x dim row
group (on a shared machine the rate moves with the load; "of matmul" uses the nearer one). Peak memory is the highest RSS above
the starting RSS, sampled every 2 ms (it sees faiss's C++ allocations too).

    .venv/bin/python scripts/bench_mining.py --sizes 20000 --dims 384      # a quick run
    .venv/bin/python scripts/bench_mining.py                                # 20k/50k/100k x 384/1024
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time

import numpy as np

from harness.retrieval.mining import Neighbourhoods, mine_bitext, mine_from_neighbourhoods
from harness.retrieval.search import l2_normalize

K = 4
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


class PeakRss:
    """Highest RSS seen while the block runs, minus the RSS at its start."""

    def __enter__(self):
        self.start = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())
        self.extra = self.peak - self.start


def matmul_gflops(dim: int, n: int = 4096, repeats: int = 3) -> float:
    """This machine's float32 matrix-multiply rate (np.dot), best of ``repeats``."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, dim), dtype=np.float32)
    b = rng.standard_normal((n, dim), dtype=np.float32)
    np.dot(a, b.T)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.dot(a, b.T)
        best = min(best, time.perf_counter() - start)
    return 2 * n * n * dim / best / 1e9


def numpy_topk(queries: np.ndarray, database: np.ndarray, k: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k inner products, one block of query rows at a time (the full matrix never fits)."""
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), block):
        scores = queries[start : start + block] @ database.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1)
        sims[start : start + block] = np.take_along_axis(top_scores, order, axis=1)
        ids[start : start + block] = np.take_along_axis(top, order, axis=1)
    return sims, ids


def numpy_mine(x: np.ndarray, y: np.ndarray, block: int):
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    y = y / np.linalg.norm(y, axis=1, keepdims=True)
    fwd = numpy_topk(x, y, K, block)
    bwd = numpy_topk(y, x, K, block)
    return mine_from_neighbourhoods(Neighbourhoods(*fwd, *bwd), "ratio", "max")


def numpy_block(n: int, budget_bytes: int = 1 << 30) -> int:
    # scores (4 B) + argpartition's int64 indices (8 B) per entry of a block of rows
    return max(256, min(n, budget_bytes // (12 * n)))


def run_one(impl: str, x: np.ndarray, y: np.ndarray):
    gc.collect()
    with PeakRss() as mem:
        start = time.perf_counter()
        if impl == "numpy":
            pairs = numpy_mine(x, y, numpy_block(len(y)))
        else:
            pairs = mine_bitext(x, y, k=K, margin="ratio", strategy="max", knn_method=impl)
        seconds = time.perf_counter() - start
    return pairs, seconds, mem.extra


def planted(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random unit vectors; every 10th target is a noisy copy of a source (a bitext to mine)."""
    rng = np.random.default_rng(seed)
    x = l2_normalize(rng.standard_normal((n, dim), dtype=np.float32))
    y = l2_normalize(rng.standard_normal((n, dim), dtype=np.float32))
    copies = np.arange(0, n, 10)
    y[copies] = l2_normalize(x[copies] + 0.5 * rng.standard_normal((len(copies), dim), dtype=np.float32) / np.sqrt(dim))
    return x, y


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000, 100_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[384, 1024])
    parser.add_argument("--impls", nargs="+", default=["fused", "faiss", "numpy"],
                        choices=["fused", "faiss", "numpy"])
    args = parser.parse_args()

    import faiss

    rates = {dim: matmul_gflops(dim) for dim in args.dims}
    print(f"threads: numpy/BLAS and faiss {faiss.omp_get_max_threads()}; faiss {faiss.__version__}, "
          f"numpy {np.__version__}; k={K}, ratio margin, max strategy")
    for dim, rate in rates.items():
        print(f"np.dot float32 (4096 x {dim}) @ ({dim} x 4096): {rate:.1f} GFLOP/s")
    header = (f"{'N':>7} {'dim':>5} {'impl':<6} {'seconds':>8} {'vs numpy':>9} {'useful GFLOP/s':>15} "
              f"{'of matmul':>9} {'done GFLOP/s':>13} {'peak MiB':>9} {'pairs':>7} {'differ':>6}")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        for dim in args.dims:
            x, y = planted(n, dim, seed=n + dim)
            useful = 2.0 * n * n * dim
            rate = matmul_gflops(dim)
            print(f"{'':>7} {dim:>5} np.dot float32 now: {rate:.1f} GFLOP/s", flush=True)
            rows, reference = {}, None
            for impl in args.impls:
                pairs, seconds, peak = run_one(impl, x, y)
                found = set(zip(pairs.src.tolist(), pairs.tgt.tolist(), strict=True))
                reference = reference or found
                rows[impl] = (seconds, peak, len(pairs), len(found ^ reference))
            numpy_seconds = rows.get("numpy", (None,))[0]
            for impl, (seconds, peak, count, differ) in rows.items():
                done = useful * (1 if impl == "fused" else 2)
                ratio = f"{numpy_seconds / seconds:8.2f}x" if numpy_seconds else f"{'-':>9}"
                print(f"{n:>7} {dim:>5} {impl:<6} {seconds:>8.2f} {ratio} {useful / seconds / 1e9:>15.1f} "
                      f"{useful / seconds / 1e9 / rate:>8.0%} {done / seconds / 1e9:>13.1f} "
                      f"{peak / 2**20:>9.0f} {count:>7} {differ:>6}", flush=True)
            del x, y
    return 0


if __name__ == "__main__":
    sys.exit(main())
