"""Paired bootstrap over test items (Koehn 2004; Berg-Kirkpatrick et al. 2012; Dror et al. 2018).

Why paired: two systems scored on the same test set differ less than two independent draws,
because most items are easy or hard for both. Each replicate draws n items of a test set
with replacement and scores *every* system on that same draw, so a difference between
systems is measured on identical items.

Everything is vectorised: a replicate is a row of counts (how often each item was drawn),
and the summed statistics of all systems for all replicates are one matrix product
counts (R × n) @ stats (n × systems·columns). Metrics are ratios of sums
(`harness.metrics.evidence.metrics_from_sums`), so each replicate gets the corpus metric of
its resampled test set, not a mean of per-item scores.

Replicates are seeded per test set from (seed, task, language) with a stable hash, so the
draw of one test set does not depend on which other tasks or systems are on the board.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.metrics.evidence import STAT_COLUMNS, main_metric, metrics_from_sums

DEFAULT_REPLICATES = 1000
DEFAULT_SEED = 12345
LEVEL = 0.95


def generator(seed: int, *names: str) -> np.random.Generator:
    """A generator keyed by `seed` and names (crc32, not Python's salted hash): reproducible."""
    return np.random.default_rng([seed, *(zlib.crc32(name.encode("utf-8")) for name in names)])


def resample_counts(n: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates × n) float32: how often each of n items is drawn in each replicate (n draws each)."""
    if n == 0:
        return np.zeros((replicates, 0), dtype=np.float32)
    index = np.int32 if replicates * n < 2**31 else np.int64
    draws = rng.integers(0, n, size=(replicates, n), dtype=index)
    draws += (np.arange(replicates, dtype=index) * n)[:, None]
    counts = np.bincount(draws.ravel(), minlength=replicates * n).reshape(replicates, n)
    return counts.astype(np.float32, copy=False)


def align(items: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack the (ids, stats) of several systems on the union of their item ids.

    Returns (ids, stats of shape (systems, n, k)); an item a system lacks contributes zero to
    every sum (for BUCC: a sentence in neither its gold nor its predicted pairs).
    """
    first = np.asarray(items[0][0], dtype=str)
    if all(len(ids) == len(first) and np.array_equal(np.asarray(ids, dtype=str), first) for ids, _ in items[1:]):
        # The usual case: every system scored the same file, item for item.
        return first, np.stack([np.asarray(stats, dtype=np.float64) for _, stats in items])
    all_ids = np.concatenate([np.asarray(ids, dtype=str) for ids, _ in items])
    union, inverse = np.unique(all_ids, return_inverse=True)
    k = items[0][1].shape[1]
    stacked = np.zeros((len(items), len(union), k), dtype=np.float64)
    start = 0
    for s, (ids, stats) in enumerate(items):
        positions = inverse[start:start + len(ids)]
        np.add.at(stacked[s], positions, stats)
        start += len(ids)
    return union, stacked


def replicate_scores(kind: str, stats: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Main metric of each system (axis 0 of `stats`, (S, n, k)) in each replicate: (S, R)."""
    systems, n, k = stats.shape
    if k != len(STAT_COLUMNS[kind]):
        raise ValueError(f"{kind} evidence has {len(STAT_COLUMNS[kind])} columns, got {k}")
    flat = stats.transpose(1, 0, 2).reshape(n, systems * k).astype(np.float32)
    sums = (counts @ flat).reshape(counts.shape[0], systems, k).transpose(1, 0, 2)
    return main_metric(kind, metrics_from_sums(kind, sums.astype(np.float64)))


def bootstrap_test_set(kind: str, items: Sequence[tuple[np.ndarray, np.ndarray]], *, task: str, language: str,
                        replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Bootstrap one test set for several systems at once (paired): (systems, replicates)."""
    _, stacked = align(items)
    counts = resample_counts(stacked.shape[1], replicates, generator(seed, task, language))
    return replicate_scores(kind, stacked, counts)


@dataclass(frozen=True)
class Estimate:
    """A difference (or score) with its 95% percentile interval over bootstrap replicates.

    `other_side` is the share of replicates on the other side of zero from the observed
    value (ties count half); `p` is the two-sided figure, min(1, 2·other_side).
    """

    value: float
    low: float
    high: float
    other_side: float
    replicates: int
    seed_std: float | None = None
    seeds: int = 1

    @property
    def p(self) -> float:
        return min(1.0, 2.0 * self.other_side)

    @property
    def significant(self) -> bool:
        """The 95% interval excludes zero."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict:
        out = {"value": self.value, "ci95": [self.low, self.high], "p": self.p, "other_side": self.other_side,
               "replicates": self.replicates, "significant": self.significant, "seeds": self.seeds}
        if self.seed_std is not None:
            out["seed_std"] = self.seed_std
        return out


def estimate(observed: float, values: np.ndarray, *, seed_std: float | None = None, seeds: int = 1,
             level: float = LEVEL) -> Estimate:
    """Percentile interval and other-side share of bootstrap `values` around `observed`."""
    values = np.asarray(values, dtype=np.float64)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    if observed > 0:
        other = float(np.mean(values < 0) + 0.5 * np.mean(values == 0))
    elif observed < 0:
        other = float(np.mean(values > 0) + 0.5 * np.mean(values == 0))
    else:
        other = 0.5
    return Estimate(value=float(observed), low=float(low), high=float(high), other_side=other,
                    replicates=len(values), seed_std=None if seed_std is None or math.isnan(seed_std) else seed_std,
                    seeds=seeds)
