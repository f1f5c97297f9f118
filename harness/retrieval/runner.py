"""Run Tatoeba and BUCC 2018 over a data folder: read, embed, search or mine, score, write.

Returns per-language metrics (0-100), the full protocol and the checksums of every data
file read, ready for a result record; writes predictions in the XTREME submission format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from harness.checksums import file_sha256
from harness.errors import HarnessError
from harness.retrieval.bucc import mine_corpus, score_at, tune_on_gold
from harness.retrieval.embeddings import Embedder
from harness.retrieval.mining import resolve_knn_method, write_pair_predictions
from harness.retrieval.search import (
    tatoeba_accuracy,
    tatoeba_predictions,
    write_index_predictions,
)

log = logging.getLogger(__name__)


@dataclass
class TaskResult:
    task: str
    languages: dict[str, dict[str, float]] = field(default_factory=dict)
    protocol: dict = field(default_factory=dict)
    data_checksums: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def split_files(data_dir: str | Path, task: str, lang: str, split: str) -> tuple[Path, ...] | None:
    """The files ``harness.data.sources.load_split`` reads for this split, or None if absent."""
    from harness.data.sources import resolve_files

    try:
        return resolve_files(Path(data_dir), task, lang, split)
    except HarnessError:
        return None


def _checksums(data_dir: str | Path, files: tuple[Path, ...]) -> dict[str, str]:
    """sha256 per file, named relative to the data root (as in the data's MANIFEST.sha256)."""
    root = Path(data_dir)
    out = {}
    for path in files:
        try:
            name = path.relative_to(root).as_posix()
        except ValueError:
            name = path.name
        out[name] = file_sha256(path)
    return out


def run_tatoeba(
    embedder: Embedder,
    data_dir: str | Path,
    langs: list[str],
    predictions_dir: str | Path | None = None,
) -> TaskResult:
    from harness.data.sources import load_split, resolve_files

    result = TaskResult("tatoeba")
    for lang in langs:
        pairs = load_split(data_dir, "tatoeba", lang, "test")  # raises, saying how to get the data
        result.data_checksums.update(_checksums(data_dir, resolve_files(Path(data_dir), "tatoeba", lang, "test")))
        src = embedder.embed(pairs.src, "tatoeba", lang, "src", "test")
        eng = embedder.embed(pairs.eng, "tatoeba", lang, "eng", "test")
        predictions = tatoeba_predictions(src, eng)
        accuracy = tatoeba_accuracy(predictions)
        result.languages[lang] = {"accuracy": accuracy}
        log.info("tatoeba %s: accuracy %.2f (%d pairs)", lang, accuracy, len(predictions))
        if predictions_dir is not None:
            write_index_predictions(Path(predictions_dir) / "tatoeba" / f"test-{lang}.tsv", predictions)
    result.protocol = {
        **embedder.protocol(),
        "similarity": "cosine (inner product of L2-normalised vectors), exact (faiss IndexFlatIP)",
        "indexed": "non-English sentences",
        "queries": "English sentences",
        "top_k": 1,
        "metric": "accuracy: share of English sentences i whose nearest sentence is line i",
        "split": "test (the whole LASER Tatoeba v1 file, as in XTREME)",
    }
    return result


def run_bucc(
    embedder: Embedder,
    data_dir: str | Path,
    langs: list[str],
    predictions_dir: str | Path | None = None,
    k: int = 4,
    margin: str = "ratio",
    strategy: str = "max",
    knn_method: str = "auto",
) -> TaskResult:
    from harness.data.sources import load_split

    result = TaskResult("bucc2018")
    per_language: dict[str, dict] = {}
    scored_on = set()
    for lang in langs:
        splits = {split: split_files(data_dir, "bucc2018", lang, split) for split in ("dev", "test")}
        if splits["dev"] is None or len(splits["dev"]) < 3:
            raise HarnessError(f"{Path(data_dir) / 'bucc2018'}/{lang}-en.dev.{{{lang},en,gold}}: BUCC needs the "
                               "dev sentences and gold to tune the threshold; download them or drop the language")
        candidates, counts = {}, {}
        corpora = {}
        for split, files in splits.items():
            if files is None:
                continue
            corpus = load_split(data_dir, "bucc2018", lang, split)
            corpora[split] = corpus
            result.data_checksums.update(_checksums(data_dir, files))

            def embed(texts, side, split=split, lang=lang):
                return embedder.embed(texts, "bucc2018", lang, side, split)

            candidates[split], counts[split] = mine_corpus(
                corpus.src, corpus.eng, embed, k=k, margin=margin, strategy=strategy, knn_method=knn_method)
        tuned = tune_on_gold(candidates["dev"], corpora["dev"].gold)
        target = "test" if "test" in corpora else "dev"
        predicted, scores = score_at(candidates[target], tuned.threshold, corpora[target].gold)
        if target == "test" and not corpora["test"].gold:
            # Unlabelled test (the official BUCC setup): predictions only, no score here.
            log.info("bucc2018 %s: %d test pairs predicted; test gold absent, not scored", lang, len(predicted))
        else:
            result.languages[lang] = scores
            scored_on.add(target)
            log.info("bucc2018 %s (%s): P %.2f R %.2f F1 %.2f at threshold %.4f", lang, target,
                     scores["precision"], scores["recall"], scores["f1"], tuned.threshold)
        if predictions_dir is not None:
            write_pair_predictions(Path(predictions_dir) / "bucc2018" / f"{target}-{lang}.tsv", predicted)
        per_language[lang] = {
            "threshold": tuned.threshold,
            "threshold_tuned_on": "dev",
            "dev_f1_at_threshold": tuned.f1,
            "scored_on": target if lang in result.languages else None,
            "predicted_pairs": len(predicted),
            "gold_pairs": len(corpora[target].gold),
            "counts": counts,
        }
        if target == "dev":
            result.notes.append(f"{lang}: only dev data present; threshold tuned and scored on dev "
                                "(an optimistic, in-sample figure)")
    result.protocol = {
        **embedder.protocol(),
        "similarity": "cosine (inner product of L2-normalised vectors), exact",
        "margin": margin,
        "k": k,
        "candidates": "k nearest neighbours in both directions",
        "strategy": strategy,
        "knn": resolve_knn_method(knn_method),
        "threshold_tuned_on": "dev",
        "scored_on": "/".join(sorted(scored_on)) or None,
        "deduplication": "distinct texts mined once; texts repeated under several ids dropped (as XTREME)",
        "per_language": per_language,
    }
    return result
