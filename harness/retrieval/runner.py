"""Run Tatoeba and BUCC 2018 over a data folder: read, embed, search or mine, write, score.

Predictions and gold are written in the XTREME submission format, then scored from those
files by `harness.tasktypes.evaluate_split`, the same code as `harness score` (no second,
in-memory scorer). Returns per-language metrics (0-100), the full protocol and the
checksums of every data file read, ready for a result record.
"""

from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.checksums import memoized_sha256
from harness.errors import HarnessError
from harness.retrieval.bucc import mine_corpus, tune_on_gold
from harness.retrieval.embeddings import Embedder
from harness.retrieval.mining import MINING_CHOICES, resolve_knn_method
from harness.retrieval.search import SEARCH_CHOICES, tatoeba_predictions
from harness.tasktypes import evaluate_split, task_type

if TYPE_CHECKING:
    from harness.spec import TaskSpec

log = logging.getLogger(__name__)


@dataclass
class TaskResult:
    task: str
    languages: dict[str, dict[str, float]] = field(default_factory=dict)
    protocol: dict = field(default_factory=dict)
    data_checksums: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def split_files(data_dir: str | Path, task: str | TaskSpec, lang: str, split: str) -> tuple[Path, ...] | None:
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
        out[name] = memoized_sha256(path)  # the record names them again
    return out


@contextmanager
def _output_dir(predictions_dir: str | Path | None):
    """The folder predictions go to; a temporary one when the caller keeps none."""
    if predictions_dir is not None:
        yield Path(predictions_dir)
        return
    with tempfile.TemporaryDirectory(prefix="harness-retrieval-") as scratch:
        yield Path(scratch) / "predictions"


def _spec(name: str) -> TaskSpec:
    """The built-in spec of a retrieval task, when the caller passes none."""
    from harness.spec import default_registry

    return default_registry().task(name)


def run_tatoeba(
    embedder: Embedder,
    data_dir: str | Path,
    langs: list[str],
    predictions_dir: str | Path | None = None,
    task: TaskSpec | None = None,
) -> TaskResult:
    from harness.data.sources import load_split, resolve_files

    # The spec passed is what is read (a user's renamed copy reads its own data.splits).
    spec, kind = task or _spec("tatoeba"), task_type("retrieval_tatoeba")
    result = TaskResult(spec.name)
    with _output_dir(predictions_dir) as out:
        for lang in langs:
            pairs = load_split(data_dir, spec, lang, "test")  # raises, saying how to get the data
            result.data_checksums.update(_checksums(data_dir, resolve_files(Path(data_dir), spec, lang, "test")))
            src = embedder.embed(pairs.src, spec.name, lang, "src", "test")
            eng = embedder.embed(pairs.eng, spec.name, lang, "eng", "test")
            predictions = tatoeba_predictions(src, eng)
            if len(predictions) == 0:
                raise HarnessError(f"{spec.name} {lang}: no sentences to score")
            # XTREME's own layout sorts the English side: no public gold, so predictions only.
            gold = kind.gold(len(predictions)) if pairs.aligned else None
            evaluated = evaluate_split(spec, "test", lang, predictions, gold, out)
            if evaluated.metrics is None:
                result.notes.append(f"{lang}: test labels not public (XTREME's Tatoeba layout sorts the English "
                                    "side); predictions written, not scored")
                log.info("%s %s: %d predictions written; labels not public, not scored", spec.name, lang, len(predictions))
                continue
            result.languages[lang] = evaluated.metrics
            log.info("%s %s: accuracy %.2f (%d pairs)", spec.name, lang, evaluated.metrics["accuracy"], len(predictions))
    result.protocol = {
        **embedder.protocol(),
        "similarity": "cosine (inner product of L2-normalised vectors), exact (faiss IndexFlatIP)",
        "indexed": "non-English sentences",
        "queries": "English sentences",
        "top_k": 1,
        "metric": "accuracy: share of English sentences i whose nearest sentence is line i",
        "split": "test (the whole LASER Tatoeba v1 file, as in XTREME)",
        "task_protocol": dict(spec.protocol),  # which protocol is followed (tasks/xtreme/tatoeba.yaml)
        "choices": dict(SEARCH_CHOICES),
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
    task: TaskSpec | None = None,
) -> TaskResult:
    from harness.data.sources import load_split

    spec, kind = task or _spec("bucc2018"), task_type("retrieval_bucc")
    result = TaskResult(spec.name)
    per_language: dict[str, dict] = {}
    scored_on = set()
    with _output_dir(predictions_dir) as out:
        for lang in langs:
            splits = {split: split_files(data_dir, spec, lang, split) for split in ("dev", "test")}
            if splits["dev"] is None or len(splits["dev"]) < 3:
                raise HarnessError(f"{Path(data_dir) / 'bucc2018'}/{lang}-en.dev.{{{lang},en,gold}}: BUCC needs the "
                                   "dev sentences and gold to tune the threshold; download them or drop the language")
            candidates, counts = {}, {}
            corpora = {}
            for split, files in splits.items():
                if files is None:
                    continue
                corpus = load_split(data_dir, spec, lang, split)
                corpora[split] = corpus
                result.data_checksums.update(_checksums(data_dir, files))

                def embed(texts, side, split=split, lang=lang):
                    return embedder.embed(texts, spec.name, lang, side, split)

                candidates[split], counts[split] = mine_corpus(
                    corpus.src, corpus.eng, embed, k=k, margin=margin, strategy=strategy, knn_method=knn_method)
            tuned = tune_on_gold(candidates["dev"], corpora["dev"].gold)
            target = "test" if "test" in corpora else "dev"
            predicted = candidates[target].above(tuned.threshold)
            # Unlabelled test (the official BUCC setup): predictions written, no gold, no score.
            gold = kind.gold(corpora[target].gold) if corpora[target].gold else None
            evaluated = evaluate_split(spec, target, lang, predicted, gold, out)
            if evaluated.metrics is None:
                log.info("%s %s: %d test pairs predicted; test gold absent, not scored", spec.name, lang, len(predicted))
                result.notes.append(f"{lang}: {target} gold not public; predictions written, not scored")
            else:
                scores = result.languages[lang] = evaluated.metrics
                scored_on.add(target)
                log.info("%s %s (%s): P %.2f R %.2f F1 %.2f at threshold %.4f", spec.name, lang, target,
                         scores["precision"], scores["recall"], scores["f1"], tuned.threshold)
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
        "task_protocol": dict(spec.protocol),  # which protocol is followed (tasks/xtreme/bucc2018.yaml)
        "choices": dict(MINING_CHOICES),
    }
    return result
