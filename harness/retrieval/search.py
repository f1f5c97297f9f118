"""Exact cosine nearest neighbours with FAISS, and Tatoeba as XTREME defines it.

Vectors are L2-normalised float32, so inner product is cosine similarity and a flat
(exhaustive) index gives exact neighbours. A GPU index is used when faiss sees a GPU. For
corpora larger than memory the database is indexed in blocks and the per-block top-k lists
are merged with faiss's own heaps (``faiss.ResultHeap``), which gives exactly the one-shot
result (up to the order of exact ties).

Tatoeba (XTREME, ``third_party/evaluate_retrieval.py``): the non-English sentences are
indexed, each English sentence queries them, top-1; prediction i is the index of the
non-English sentence retrieved for English sentence i; accuracy is the share of i with
prediction i, on a 0-100 scale.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from harness.errors import HarnessError

log = logging.getLogger(__name__)

DEFAULT_BLOCK = 262_144  # database rows per flat index; 1 GiB at dim 1024


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """A C-contiguous float32 copy with unit rows (zero rows stay zero)."""
    out = np.array(vectors, dtype=np.float32, order="C", copy=True)
    if out.ndim != 2:
        raise ValueError(f"expected a 2-d matrix of vectors, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def gpu_count() -> int:
    import faiss

    return faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0


def _flat_ip_index(dim: int, use_gpu: bool):
    import faiss

    index = faiss.IndexFlatIP(dim)
    if use_gpu:
        return faiss.index_cpu_to_all_gpus(index)
    return index


def knn(
    queries: np.ndarray,
    database: np.ndarray,
    k: int,
    block_size: int = DEFAULT_BLOCK,
    use_gpu: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k inner products of each query against ``database`` (both already normalised).

    Returns (similarities, indices), each (n_queries, k), best first. ``database`` may be a
    ``np.memmap``: only one block of it is in memory at a time.
    """
    if queries.shape[1] != database.shape[1]:
        raise ValueError(f"dimension mismatch: queries {queries.shape[1]}, database {database.shape[1]}")
    n_db = database.shape[0]
    k = min(k, n_db)
    if k <= 0:
        raise ValueError("knn needs k >= 1 and a non-empty database")
    use_gpu = gpu_count() > 0 if use_gpu is None else use_gpu
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if n_db <= block_size:
        index = _flat_ip_index(database.shape[1], use_gpu)
        index.add(np.ascontiguousarray(database, dtype=np.float32))
        return index.search(queries, k)
    import faiss

    heap = faiss.ResultHeap(queries.shape[0], k, keep_max=True)
    for start in range(0, n_db, block_size):
        block = np.ascontiguousarray(database[start : start + block_size], dtype=np.float32)
        index = _flat_ip_index(block.shape[1], use_gpu)
        index.add(block)
        sims, ids = index.search(queries, min(k, block.shape[0]))
        heap.add_result(sims, ids + start)
    heap.finalize()
    return heap.D, heap.I


# Choices recorded in every Tatoeba record (issue 11, item 12), beside the spec's `protocol.follows`.
SEARCH_CHOICES: dict[str, str] = {
    "text_stripping": "sentences are embedded as the files give them, not stripped (XTREME's tokenize_text "
                      "strips each line first)",
    "direction": "English sentences are the queries, the non-English side the index (XTREME's similarity_search)",
}


def tatoeba_predictions(src: np.ndarray, eng: np.ndarray, block_size: int = DEFAULT_BLOCK) -> np.ndarray:
    """For each English sentence, the index of the nearest non-English sentence (cosine)."""
    _, ids = knn(l2_normalize(eng), l2_normalize(src), 1, block_size=block_size)
    return ids[:, 0]


def tatoeba_accuracy(predictions: np.ndarray) -> float:
    """Share (0-100) of English sentences i whose retrieved sentence is line i."""
    predictions = np.asarray(predictions)
    if predictions.size == 0:
        raise HarnessError("tatoeba: no sentences to score")
    return 100.0 * float(np.mean(predictions == np.arange(len(predictions))))


def write_index_predictions(path: str | Path, predictions: np.ndarray) -> Path:
    """XTREME submission format for Tatoeba: one integer per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{int(p)}\n" for p in predictions), encoding="utf-8")
    tmp.replace(path)
    return path


def read_index_predictions(path: str | Path) -> np.ndarray:
    path = Path(path)
    values = []
    lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines(): see scoring.split_lines
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            values.append(int(line))
        except ValueError:
            raise HarnessError(f"{path}:{number}: expected an integer index, found {line!r}") from None
    return np.asarray(values, dtype=np.int64)
