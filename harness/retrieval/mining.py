"""Margin-based bitext mining (Artetxe and Schwenk 2019), as LASER and XTREME score BUCC.

For source x and target y with unit vectors, let m_x be the mean cosine of x to its k
nearest targets and m_y the mean cosine of y to its k nearest sources. Then

    ratio margin    = cos(x, y) / ((m_x + m_y) / 2)
    distance margin = cos(x, y) - (m_x + m_y) / 2

Candidates are each source's k nearest targets (forward) and each target's k nearest
sources (backward), each scored by the margin; every sentence keeps its best candidate. The
default "max" strategy takes the union of both directions' best pairs and accepts them in
order of decreasing score, each sentence used at most once (LASER's ``--retrieval max``).
A threshold on the score is then tuned for F1 on dev gold and the same threshold applied to
test.

Why the "fused" kNN: both neighbourhoods come from the same similarity matrix. Computing it
once, tile by tile (never N x N at once), and keeping a row top-k (faiss heaps) and a column
top-k (a threshold filter, since after the first rows few entries can enter a column's top-k)
does half the multiply-adds of two separate kNN searches. With a GPU, two faiss GPU searches
are cheaper still, and that is what "auto" picks there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.retrieval.search import gpu_count, knn, l2_normalize

log = logging.getLogger(__name__)

MARGINS = ("ratio", "distance", "absolute")
STRATEGIES = ("max", "forward", "backward", "intersection", "union")
KNN_METHODS = ("auto", "fused", "faiss")


@dataclass(frozen=True)
class Neighbourhoods:
    """k nearest neighbours in both directions: x→y (forward) and y→x (backward), best first."""

    fwd_sims: np.ndarray  # (n_x, k)
    fwd_ids: np.ndarray  # (n_x, k) indices into y
    bwd_sims: np.ndarray  # (n_y, k)
    bwd_ids: np.ndarray  # (n_y, k) indices into x

    @property
    def fwd_mean(self) -> np.ndarray:
        return self.fwd_sims.mean(axis=1)

    @property
    def bwd_mean(self) -> np.ndarray:
        return self.bwd_sims.mean(axis=1)


class _ColumnTopK:
    """Running top-k of each column of a matrix seen tile by tile.

    An entry can only enter a column's top-k if it beats the column's current k-th best, so
    each tile is filtered by one vectorised comparison and only the few survivors are merged.
    The first rows of a column block are taken in doubling chunks (k, 2k, 4k, ...) so that the
    threshold is already tight when the bulk of the rows arrives.
    """

    def __init__(self, n_cols: int, k: int):
        self.k = k
        self.val = np.full((n_cols, k), -np.inf, dtype=np.float32)
        self.ids = np.full((n_cols, k), -1, dtype=np.int64)
        self.rows_seen = np.zeros(n_cols, dtype=np.int64)

    def add(self, tile: np.ndarray, row0: int, col0: int) -> None:
        start = 0
        while start < tile.shape[0]:
            chunk = max(2 * self.k, int(self.rows_seen[col0]))
            self._add_chunk(tile[start : start + chunk], row0 + start, col0)
            self.rows_seen[col0 : col0 + tile.shape[1]] += min(chunk, tile.shape[0] - start)
            start += chunk

    def _add_chunk(self, tile: np.ndarray, row0: int, col0: int) -> None:
        k, n_cols = self.k, tile.shape[1]
        kth = np.ascontiguousarray(self.val[col0 : col0 + n_cols, k - 1])  # strided compares are slow
        flat = np.flatnonzero(tile > kth)  # 2-d np.nonzero is ~30x slower
        if flat.size == 0:
            return
        rows, cs = np.divmod(flat, n_cols)
        values = tile.reshape(-1)[flat]
        cs += col0
        touched = np.unique(cs)
        all_cols = np.concatenate([np.repeat(touched, k), cs])
        all_vals = np.concatenate([self.val[touched].ravel(), values])
        all_ids = np.concatenate([self.ids[touched].ravel(), rows + row0])
        order = np.lexsort((-all_vals, all_cols))
        all_cols, all_vals, all_ids = all_cols[order], all_vals[order], all_ids[order]
        starts = np.searchsorted(all_cols, touched)
        counts = np.diff(np.append(starts, len(all_cols)))
        rank = np.arange(len(all_cols)) - np.repeat(starts, counts)
        keep = rank < k
        self.val[all_cols[keep], rank[keep]] = all_vals[keep]
        self.ids[all_cols[keep], rank[keep]] = all_ids[keep]


def _fused_neighbourhoods(x: np.ndarray, y: np.ndarray, k: int, tile: int) -> Neighbourhoods:
    import faiss

    kx, ky = min(k, y.shape[0]), min(k, x.shape[0])
    rows = faiss.ResultHeap(x.shape[0], kx, keep_max=True)
    cols = _ColumnTopK(y.shape[0], ky)
    for r0 in range(0, x.shape[0], tile):
        xb = x[r0 : r0 + tile]
        for c0 in range(0, y.shape[0], tile):
            sims = xb @ y[c0 : c0 + tile].T  # float32 sgemm, one tile at a time
            rows.heaps.addn(sims.shape[1], faiss.swig_ptr(sims), c0, r0, sims.shape[0])
            cols.add(sims, r0, c0)
    rows.finalize()
    return Neighbourhoods(rows.D, rows.I, cols.val, cols.ids)


def resolve_knn_method(method: str) -> str:
    """"auto" → two faiss searches when faiss sees a GPU, else the fused CPU pass."""
    if method not in KNN_METHODS:
        raise HarnessError(f"--knn {method!r}: choose one of {', '.join(KNN_METHODS)}")
    if method == "auto":
        return "faiss" if gpu_count() > 0 else "fused"
    return method


def neighbourhoods(
    x: np.ndarray, y: np.ndarray, k: int = 4, method: str = "auto", tile: int = 4096
) -> Neighbourhoods:
    """k-NN both ways between unit vectors ``x`` and ``y``."""
    method = resolve_knn_method(method)
    if method == "fused":
        return _fused_neighbourhoods(x, y, k, tile)
    fwd_sims, fwd_ids = knn(x, y, k)
    bwd_sims, bwd_ids = knn(y, x, k)
    return Neighbourhoods(fwd_sims, fwd_ids, bwd_sims, bwd_ids)


def margin_score(cos: np.ndarray, mean_x: np.ndarray, mean_y: np.ndarray, margin: str = "ratio") -> np.ndarray:
    """Margin of cosine ``cos`` given the two sides' mean k-NN similarities."""
    average = (mean_x + mean_y) / 2
    if margin == "ratio":
        return cos / average
    if margin == "distance":
        return cos - average
    if margin == "absolute":  # plain cosine, for comparison
        return np.broadcast_to(cos, np.broadcast_shapes(np.shape(cos), np.shape(average))).copy()
    raise HarnessError(f"--margin {margin!r}: choose one of {', '.join(MARGINS)}")


@dataclass(frozen=True)
class MinedPairs:
    """Candidate pairs (indices into x and y) with their margin scores, best first."""

    src: np.ndarray
    tgt: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.score)

    def above(self, threshold: float) -> MinedPairs:
        keep = self.score >= threshold
        return MinedPairs(self.src[keep], self.tgt[keep], self.score[keep])


def _best_candidates(sims, ids, own_mean, other_mean, margin):
    scores = margin_score(sims, own_mean[:, None], other_mean[ids], margin)
    best = scores.argmax(axis=1)
    rows = np.arange(len(best))
    return ids[rows, best], scores[rows, best]


def _sorted(src, tgt, score) -> MinedPairs:
    order = np.lexsort((tgt, src, -score))  # by score, ties by index: deterministic
    return MinedPairs(src[order].astype(np.int64), tgt[order].astype(np.int64), score[order].astype(np.float64))


def mine_bitext(
    x: np.ndarray,
    y: np.ndarray,
    k: int = 4,
    margin: str = "ratio",
    strategy: str = "max",
    knn_method: str = "auto",
    tile: int = 4096,
) -> MinedPairs:
    """Margin-scored candidate pairs between sources ``x`` and targets ``y`` (any scale)."""
    check_options(margin, strategy)
    if len(x) == 0 or len(y) == 0:
        return MinedPairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    nb = neighbourhoods(l2_normalize(x), l2_normalize(y), k, knn_method, tile)
    return mine_from_neighbourhoods(nb, margin, strategy)


def check_options(margin: str, strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise HarnessError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    if margin not in MARGINS:
        raise HarnessError(f"--margin {margin!r}: choose one of {', '.join(MARGINS)}")


def mine_from_neighbourhoods(nb: Neighbourhoods, margin: str = "ratio", strategy: str = "max") -> MinedPairs:
    """Score both directions' candidates by the margin and combine them by ``strategy``."""
    check_options(margin, strategy)
    n_x, n_y = len(nb.fwd_ids), len(nb.bwd_ids)
    fwd_mean, bwd_mean = nb.fwd_mean, nb.bwd_mean
    fwd_tgt, fwd_score = _best_candidates(nb.fwd_sims, nb.fwd_ids, fwd_mean, bwd_mean, margin)
    bwd_src, bwd_score = _best_candidates(nb.bwd_sims, nb.bwd_ids, bwd_mean, fwd_mean, margin)
    fwd_src, bwd_tgt = np.arange(n_x), np.arange(n_y)
    if strategy == "forward":
        return _sorted(fwd_src, fwd_tgt, fwd_score)
    if strategy == "backward":
        return _sorted(bwd_src, bwd_tgt, bwd_score)
    if strategy == "intersection":
        mutual = bwd_src[fwd_tgt] == fwd_src
        return _sorted(fwd_src[mutual], fwd_tgt[mutual], fwd_score[mutual])
    pairs = _sorted(np.concatenate([fwd_src, bwd_src]), np.concatenate([fwd_tgt, bwd_tgt]),
                    np.concatenate([fwd_score, bwd_score]))
    if strategy == "union":
        # A pair found in both directions has the same score twice; keep it once.
        _, first = np.unique(pairs.src * n_y + pairs.tgt, return_index=True)
        first.sort()
        return MinedPairs(pairs.src[first], pairs.tgt[first], pairs.score[first])
    used_src = np.zeros(n_x, dtype=bool)
    used_tgt = np.zeros(n_y, dtype=bool)
    keep = np.zeros(len(pairs), dtype=bool)
    for i, (s, t) in enumerate(zip(pairs.src.tolist(), pairs.tgt.tolist(), strict=True)):
        if not used_src[s] and not used_tgt[t]:
            used_src[s] = used_tgt[t] = keep[i] = True
    return MinedPairs(pairs.src[keep], pairs.tgt[keep], pairs.score[keep])


# Choices that no figure depends on today but other models' might (issue 11, item 12); every
# BUCC record carries them, beside the task spec's `protocol.follows`.
MINING_CHOICES: dict[str, str] = {
    "text_stripping": "texts are embedded as the files give them, not stripped (XTREME's tokenize_text "
                      "strips each line first)",
    "greedy_ties": "the 'max' strategy takes candidates best score first, equal scores by source index, then "
                   "English index (XTREME's np.argsort(-scores) leaves the order of equal scores unspecified)",
    "positive_score_filter": "not applied: LASER's/XTREME's mine_bitext keeps a greedy pair only if its "
                             "margin score is > 0 (threshold=0); here every pair is a candidate",
    "threshold_cuts": "the threshold is only cut between distinct scores (midpoint to the next lower one), "
                      "so equal scores are all kept or all dropped",
}


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    precision: float  # 0-100, on the data the threshold was tuned on
    recall: float
    f1: float
    n_predicted: int


def tune_threshold(scores: np.ndarray, correct: np.ndarray, n_gold: int) -> ThresholdChoice:
    """The score threshold (keep pairs with score >= threshold) with the best F1.

    ``scores``: candidate scores; ``correct``: whether each candidate is a gold pair. Cuts
    are only made between distinct scores, so the F1 reported is exactly what applying the
    threshold gives. The threshold is the midpoint to the next lower score (as in XTREME),
    or the lowest score when every candidate is kept.
    """
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    if n_gold <= 0:
        raise HarnessError("threshold tuning needs gold pairs; this split has none")
    if scores.size == 0 or not correct.any():
        top = float(scores.max()) + 1.0 if scores.size else 0.0
        return ThresholdChoice(top, 0.0, 0.0, 0.0, 0)
    order = np.argsort(-scores, kind="stable")
    scores, correct = scores[order], correct[order]
    hits = np.cumsum(correct)
    kept = np.arange(1, len(scores) + 1)
    last_of_tie = np.append(scores[1:] < scores[:-1], True)  # cut only after a run of equal scores
    precision, recall = hits / kept, hits / n_gold
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(hits > 0, 2 * precision * recall / (precision + recall), 0.0)
    f1 = np.where(last_of_tie, f1, -1.0)
    best = int(np.argmax(f1))
    threshold = scores[best] if best + 1 == len(scores) else (scores[best] + scores[best + 1]) / 2
    return ThresholdChoice(float(threshold), 100 * float(precision[best]), 100 * float(recall[best]),
                           100 * float(f1[best]), int(kept[best]))


def write_pair_predictions(path: str | Path, pairs: Iterable[tuple[str, str]]) -> Path:
    """XTREME submission format for BUCC: ``<src-id>\\t<en-id>`` per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    tmp.replace(path)
    return path
