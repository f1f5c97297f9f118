"""The one record builder: a finished step of a plan becomes a self-describing result record.

Target and retrieval records (from `harness run` and `harness retrieve` alike) are built here,
with one publishable rule (`harness.results.record.is_publishable`) and one checksum scheme:
sha256 per data file, named relative to the data root as in the data's MANIFEST.sha256, for
the step's own files and for its upstream intermediate training's. The record's `run_spec`
is the resolved specification of the run: enough to reproduce it, and to tell two runs apart.
Imports nothing heavy (`--dry-run` uses `is_done` to mark finished steps).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from harness.checksums import memoized_sha256
from harness.errors import HarnessError
from harness.pipeline.plan import (
    PIPELINE_VERSION,
    Plan,
    Step,
    parse_data_key,
    resolved_hyperparameters,
)
from harness.results.record import ResultRecord, is_publishable
from harness.results.store import read_record, record_path

log = logging.getLogger(__name__)

def file_checksums(data_dir: Path, data_keys: list[str] | dict[str, str]) -> dict[str, str]:
    """{file relative to the data root: sha256} for every file the named splits read."""
    from harness.data.sources import resolve_files

    root = Path(data_dir)
    out: dict[str, str] = {}
    for key in data_keys:
        task, language, split = parse_data_key(key)
        for path in sorted(resolve_files(root, task, language, split)):
            try:
                name = path.relative_to(root).as_posix()
            except ValueError:
                name = path.name
            out[name] = memoized_sha256(path)  # once per process: a retrieval runner hashed them already
    return dict(sorted(out.items()))


def step_record(plan: Plan, step: Step, languages: dict | None = None) -> ResultRecord:
    """The record's identity fields (experiment, variant, model, task, seed, run class)."""
    return ResultRecord(plan.experiment.name, step.variant or "", plan.model, step.task or "", languages or {},
                        suite=plan.suite.name, seed=step.seed, run_class=step.run_class)


def step_record_path(plan: Plan, step: Step) -> Path:
    return record_path(plan.settings.results_dir, step_record(plan, step))


def _model_part(plan: Plan) -> dict[str, Any]:
    spec = plan.model_spec
    if spec is None:
        return {"name": plan.model, "identity": plan.model_identity}
    return {"name": plan.model, "spec": spec.name, "generic": spec.generic, "spec_file": spec.source_file,
            "source": spec.source.describe(), "identity": plan.model_identity}


def _upstream(plan: Plan, step: Step, data_dir: Path | None) -> list[dict[str, Any]]:
    """The chain this step starts from, model first, each with what it was trained on."""
    chain: list[dict[str, Any]] = []
    key = step.upstream
    while key is not None:
        up = plan.step(key)
        part: dict[str, Any] = {"kind": up.kind, "key": up.key}
        if up.kind == "model":
            part["identity"] = plan.model_identity
        else:
            part.update(tasks=list(up.tasks), mode=up.mode, seed=up.seed,
                        hyperparameters={name: resolved_hyperparameters(hp) for name, hp in up.hyperparameters.items()},
                        data_checksums=file_checksums(data_dir, up.data_checksums) if data_dir else {})
        chain.insert(0, part)
        key = up.upstream
    return chain


def run_spec_of(plan: Plan, step: Step, data_dir: Path | None = None) -> dict[str, Any]:
    """The resolved run spec of one step, as a record stores it."""
    s = plan.settings
    spec: dict[str, Any] = {
        "key": step.key, "kind": step.kind, "pipeline_version": PIPELINE_VERSION, "run_class": step.run_class,
        "model": _model_part(plan), "upstream": _upstream(plan, step, data_dir),
        "languages": list(step.languages),
        "settings": {"limit": s.limit, "max_steps": s.max_steps, "deepspeed": s.deepspeed or "none",
                     "train_split": s.train_split, "eval_split": s.eval_split, "seed": step.seed,
                     "hp_overrides": dict(s.hp_overrides), "offline": s.offline},
    }
    if step.kind == "target":
        spec["hyperparameters"] = resolved_hyperparameters(step.hyperparameters)
        spec["hyperparameters_declared"] = dict(step.hyperparameters)
    if step.retrieval is not None:
        spec["retrieval"] = step.retrieval.as_dict()
        spec["mining"] = dict(s.mining)
    return spec


def _scored_split(plan: Plan, step: Step, protocol: dict[str, Any]) -> str | None:
    if step.kind == "target":
        return plan.settings.eval_split
    return protocol.get("scored_on", "test")


def build_record(plan: Plan, step: Step, languages: dict[str, dict[str, float]], protocol: dict[str, Any],
                 notes: str, duration_s: float, data_dir: Path | None) -> ResultRecord:
    """The result record of a finished target or retrieval step."""
    variant = plan.experiment.variant(step.variant)
    limits = {"limit": plan.settings.limit, "max_steps": plan.settings.max_steps}
    checksums = file_checksums(data_dir, step.data_checksums) if data_dir else dict(step.data_checksums)
    record = step_record(plan, step, languages)
    record.variant_family = variant.family
    record.protocol = {**protocol, "run_key": step.key, "intermediate": list(variant.intermediate),
                       "intermediate_mode": variant.mode, "smoke_limits": limits}
    record.data_checksums = checksums
    record.publishable = is_publishable(step.run_class, _scored_split(plan, step, protocol))
    record.notes = notes
    record.duration_s = round(duration_s, 3)
    record.run_spec = run_spec_of(plan, step, data_dir)
    return record


def recorded_key(record: ResultRecord) -> str | None:
    """The plan key a record was made by (v2: its run spec; v1: protocol.run_key)."""
    return record.run_spec.get("key") or record.protocol.get("run_key")


def is_done(plan: Plan, step: Step, checkpoints_dir: Path | None = None) -> bool:
    """Whether a step's output exists: a record made by this very step, or a finished checkpoint
    (checked cheaply: folder and manifest sizes, no hashing)."""
    if step.kind in ("model", "intermediate"):
        from harness.pipeline.checkpoints import verify_checkpoint

        folder = Path(checkpoints_dir or plan.settings.work_dir / "checkpoints") / f"{step.kind}-{step.key}"
        return folder.is_dir() and verify_checkpoint(folder, full=False) is None
    path = step_record_path(plan, step)
    if not path.is_file():
        return False
    try:
        return recorded_key(read_record(path)) == step.key
    except HarnessError:
        return False


__all__ = ["build_record", "file_checksums", "is_done", "recorded_key", "run_spec_of", "step_record_path"]
