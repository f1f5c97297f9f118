"""Per-example evidence sidecars: `<record>.evidence.npz` beside each `<record>.result.json`.

Why a sidecar and not more JSON: a full XTREME run has about 700,000 test items; their
statistics as compressed arrays take a few MB, and the record stays small and readable.

One sidecar per record holds, per language, the item ids, the statistics of
`harness.metrics.evidence` (columns named in the file) and, for BUCC, the predicted and gold
pairs themselves. Its `meta` names the record it belongs to (experiment, variant, model, task,
seed, run class, run key) and the metrics it reproduces. A sidecar is only used when it names
the record and its statistics recompute the record's numbers; a stale or foreign one is
ignored with a warning, so the leaderboard never mixes numbers of two runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.metrics.evidence import KIND_METRICS, STAT_COLUMNS, recompute
from harness.results.atomic import write_bytes_atomic

log = logging.getLogger(__name__)

SUFFIX = ".evidence.npz"
RECORD_SUFFIX = ".result.json"
FORMAT = 1
# A recomputed metric must match the record to this many points (the record went through JSON).
TOLERANCE = 1e-9


@dataclass
class LanguageEvidence:
    """The items of one language: ids, per-item statistics, and BUCC's pairs."""

    kind: str
    ids: np.ndarray
    stats: np.ndarray
    predicted_pairs: np.ndarray | None = None
    gold_pairs: np.ndarray | None = None

    def metrics(self) -> dict[str, float]:
        return recompute(self.kind, self.stats)


@dataclass
class Evidence:
    """Everything one record's numbers rest on."""

    task: str
    languages: dict[str, LanguageEvidence] = field(default_factory=dict)
    identity: dict = field(default_factory=dict)

    def metrics(self) -> dict[str, dict[str, float]]:
        return {lang: item.metrics() for lang, item in self.languages.items()}


def record_identity(record) -> dict:
    """What ties a sidecar to its record (run class when the record has one)."""
    identity = {"experiment": record.experiment, "variant": record.variant, "model": record.model,
                "task": record.task, "seed": record.seed, "suite": record.suite,
                "run_key": (record.protocol or {}).get("run_key")}
    run_class = getattr(record, "run_class", None)
    if run_class is not None:
        identity["run_class"] = run_class
    return identity


def evidence_path(record_path: Path | str) -> Path:
    """`.../xnli.seed1.result.json` → `.../xnli.seed1.evidence.npz`."""
    path = Path(record_path)
    name = path.name[: -len(RECORD_SUFFIX)] if path.name.endswith(RECORD_SUFFIX) else path.stem
    return path.with_name(name + SUFFIX)


def _arrays(evidence: Evidence) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for lang, item in sorted(evidence.languages.items()):
        arrays[f"{lang}/ids"] = np.asarray(item.ids, dtype=str)
        arrays[f"{lang}/stats"] = np.asarray(item.stats, dtype=np.float64)
        if item.predicted_pairs is not None:
            arrays[f"{lang}/predicted_pairs"] = np.asarray(item.predicted_pairs, dtype=str).reshape(-1, 2)
        if item.gold_pairs is not None:
            arrays[f"{lang}/gold_pairs"] = np.asarray(item.gold_pairs, dtype=str).reshape(-1, 2)
    return arrays


def encode_evidence(evidence: Evidence) -> bytes:
    """The sidecar's bytes: a zip of .npy arrays with fixed timestamps, so equal evidence gives equal bytes."""
    meta = {"format": FORMAT, "task": evidence.task, "record": evidence.identity,
            "languages": {lang: {"kind": item.kind, "columns": list(STAT_COLUMNS[item.kind]),
                                 "metrics": item.metrics()}
                          for lang, item in sorted(evidence.languages.items())}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {"meta.json": json.dumps(meta, sort_keys=True, allow_nan=False).encode()}
        for name, array in _arrays(evidence).items():
            payload = io.BytesIO()
            np.save(payload, array, allow_pickle=False)
            entries[f"{name}.npy"] = payload.getvalue()
        for name, payload in entries.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload)
    return buffer.getvalue()


def write_evidence(evidence: Evidence, record_path: Path | str) -> dict[str, str]:
    """Write the sidecar of the record at `record_path` atomically; returns its name and sha256."""
    target = evidence_path(record_path)
    payload = encode_evidence(evidence)
    write_bytes_atomic(target, payload, into_special=False)  # as the record beside it is written
    return {"file": target.name, "sha256": hashlib.sha256(payload).hexdigest()}


def read_evidence(path: Path | str) -> Evidence:
    """Load a sidecar; a malformed one is refused with its path named."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("meta.json"))
            arrays = {name[:-4]: np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
                      for name in archive.namelist() if name.endswith(".npy")}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise HarnessError(f"{path}: unreadable evidence sidecar ({err}); delete it and rerun the step") from None
    if meta.get("format") != FORMAT:
        raise HarnessError(f"{path}: evidence format {meta.get('format')!r} is not supported (expected {FORMAT})")
    evidence = Evidence(task=meta["task"], identity=meta.get("record", {}))
    for lang, info in meta.get("languages", {}).items():
        kind = info.get("kind")
        if kind not in STAT_COLUMNS:
            raise HarnessError(f"{path}: language {lang}: unknown evidence kind {kind!r}")
        stats = arrays.get(f"{lang}/stats")
        ids = arrays.get(f"{lang}/ids")
        if stats is None or ids is None or stats.ndim != 2 or stats.shape != (len(ids), len(STAT_COLUMNS[kind])):
            raise HarnessError(f"{path}: language {lang}: ids and stats missing or of the wrong shape")
        if not np.all(np.isfinite(stats)):
            raise HarnessError(f"{path}: language {lang}: statistics hold NaN or infinities")
        evidence.languages[lang] = LanguageEvidence(kind, ids, stats, arrays.get(f"{lang}/predicted_pairs"),
                                                    arrays.get(f"{lang}/gold_pairs"))
    return evidence


def matches_record(evidence: Evidence, record) -> str | None:
    """None when the sidecar belongs to `record` and reproduces its numbers, else why not."""
    identity = record_identity(record)
    for key, value in identity.items():
        if key in evidence.identity and evidence.identity[key] != value:
            return f"it names {key} {evidence.identity[key]!r}, the record {value!r}"
    if set(evidence.languages) != set(record.languages):
        return "its languages differ from the record's"
    for lang, item in evidence.languages.items():
        recomputed = item.metrics()
        for key in KIND_METRICS[item.kind]:
            stored = record.languages[lang].get(key)
            if stored is None or not math.isclose(recomputed[key], stored, rel_tol=0, abs_tol=TOLERANCE):
                return f"{lang} {key} recomputes to {recomputed[key]!r}, the record says {stored!r}"
    return None


def identity_key(identity: dict) -> tuple:
    return (identity.get("experiment"), identity.get("variant"), identity.get("model"), identity.get("task"),
            identity.get("seed"), identity.get("run_class"))


def load_evidence(results_dir: Path | str, records: list) -> dict[int, Evidence]:
    """The valid sidecar of each record under `results_dir`, keyed by the record's index in `records`."""
    root = Path(results_dir)
    found: dict[tuple, list[tuple[Path, Evidence]]] = {}
    for path in sorted(root.rglob(f"*{SUFFIX}")):
        try:
            evidence = read_evidence(path)
        except HarnessError as err:
            log.warning("%s; shown without confidence intervals", err)
            continue
        found.setdefault(identity_key(evidence.identity)[:5], []).append((path, evidence))
    out: dict[int, Evidence] = {}
    for index, record in enumerate(records):
        for path, evidence in found.get(identity_key(record_identity(record))[:5], []):
            problem = matches_record(evidence, record)
            if problem is None:
                out[index] = evidence
                break
            log.debug("%s does not belong to %s/%s/%s: %s", path, record.variant, record.task, record.seed, problem)
        else:
            if found.get(identity_key(record_identity(record))[:5]):
                log.warning("evidence for %s/%s/%s seed %s is stale (it does not reproduce the record); "
                            "ignored", record.experiment, record.variant, record.task, record.seed)
    return out


def bucc_language_evidence(gold_pairs, predicted_pairs) -> LanguageEvidence:
    from harness.metrics.evidence import bucc_evidence

    gold, predicted = sorted(set(gold_pairs)), sorted(set(predicted_pairs))
    ids, stats = bucc_evidence(gold, predicted)
    return LanguageEvidence("bucc", ids, stats, np.asarray(predicted, dtype=str).reshape(-1, 2),
                            np.asarray(gold, dtype=str).reshape(-1, 2))


# --------------------------------------------------------------------------- from the scored files


def file_evidence(task, prediction: Path, gold: Path, language: str) -> LanguageEvidence:
    """Evidence of one language from the prediction and gold files the record was scored from,
    read by the same readers as `harness score` (so the items are exactly the scored ones)."""
    from harness.metrics import evidence as per_example
    from harness.metrics.registry import format_of

    gold_values, predicted = format_of(task).read_pair(task, Path(prediction), Path(gold))
    if task.metric == "accuracy":  # XNLI, PAWS-X, and Tatoeba's index files
        return LanguageEvidence("accuracy", *per_example.accuracy_evidence(gold_values, predicted))
    if task.metric == "f1":
        return LanguageEvidence("spans", *per_example.span_evidence(gold_values, predicted))
    if task.metric == "squad_em_f1":
        return LanguageEvidence("qa", *per_example.qa_evidence(gold_values, predicted))
    if task.metric == "mlqa_em_f1":
        return LanguageEvidence("qa", *per_example.qa_evidence(gold_values, predicted, language.split("-")[0]))
    if task.metric == "bucc_f1":
        return bucc_language_evidence(gold_values, predicted)
    raise ValueError(f"{task.name}: no per-example evidence for metric {task.metric!r}")


def scored_split(record, language: str) -> str:
    """The split a record's language was scored on (BUCC: per language; else the eval split)."""
    per_language = (record.protocol or {}).get("per_language", {})
    scored_on = per_language.get(language, {}).get("scored_on") if isinstance(per_language, dict) else None
    return scored_on or (record.protocol or {}).get("eval_split") or "test"


def record_evidence(task, record, predictions_dir: Path) -> Evidence | None:
    """The evidence of every scored language of `record`, from its written files; None when a
    file is missing or the evidence does not reproduce the record (then no sidecar is written)."""
    from harness.tasktypes.base import task_type_of
    from harness.tasktypes.evaluation import gold_dir_for

    kind = task_type_of(task)
    evidence = Evidence(task.name, identity=record_identity(record))
    for lang in record.languages:
        split = scored_split(record, lang)
        prediction = kind.path(Path(predictions_dir), task, split, lang)
        gold = kind.path(gold_dir_for(Path(predictions_dir)), task, split, lang)
        if not (prediction.is_file() and gold.is_file()):
            log.warning("%s/%s %s: %s or its gold file is missing; no per-example evidence", record.variant,
                        record.task, lang, prediction)
            return None
        evidence.languages[lang] = file_evidence(task, prediction, gold, lang)
    problem = matches_record(evidence, record)
    if problem is not None:
        log.warning("%s/%s: per-example evidence not written: %s", record.variant, record.task, problem)
        return None
    return evidence


def save_record_evidence(task, record, predictions_dir: Path, results_dir: Path) -> Path | None:
    """Write the sidecar of `record` (before the record itself, so a record never points at
    missing evidence). Never fails the run: evidence only adds intervals."""
    from harness.results.store import record_path

    try:
        evidence = record_evidence(task, record, predictions_dir)
        if evidence is None:
            return None
        target = record_path(Path(results_dir), record)
        write_evidence(evidence, target)
        return evidence_path(target)
    except (HarnessError, OSError, ValueError) as err:
        log.warning("%s/%s: per-example evidence not written: %s", record.variant, record.task, err)
        return None
