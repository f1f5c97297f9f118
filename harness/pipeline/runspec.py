"""A plan as JSON, and back: the serialized run spec a cluster job is given.

Why: a Slurm job (or a person reproducing one step by hand) must run exactly one step of a
plan without re-planning on another machine, where data checksums or the model cache could
differ. The file holds the settings, every step with its key, the resolved model spec and
retrieval protocols, and the names of the suite and experiment (their specs are read from the
registry and checked against the fingerprint of what was planned). `plan_from_json(plan_to_json(p))`
gives back an equal plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.models.specs import ModelSource, ModelSpec, RetrievalProtocol, RetrievalSpec
from harness.pipeline.plan import Plan, RunSettings, Step
from harness.spec import ExperimentSpec, Registry, SuiteSpec, VariantSpec

FORMAT = "harness-plan"
FORMAT_VERSION = 1

_PATHS = {"data_dir", "work_dir", "results_dir", "site_dir", "cache_dir", "predictions_dir"}
_TUPLES = {"seeds", "variants", "tasks", "languages"}


def settings_to_dict(settings: RunSettings) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif f.name == "task_languages":
            value = {task: list(langs) for task, langs in value.items()}
        out[f.name] = value
    return out


def settings_from_dict(data: dict[str, Any]) -> RunSettings:
    known = {f.name for f in dataclasses.fields(RunSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise HarnessError(f"plan file: unknown setting {unknown[0]!r}")
    values = dict(data)
    for name in _PATHS & set(values):
        if values[name] is not None:
            values[name] = Path(values[name])
    for name in _TUPLES & set(values):
        if values[name] is not None:
            values[name] = tuple(values[name])
    values["task_languages"] = {task: tuple(langs) for task, langs in values.get("task_languages", {}).items()}
    return RunSettings(**values)


def step_to_dict(step: Step) -> dict[str, Any]:
    out = dataclasses.asdict(step)
    out["languages"], out["tasks"] = list(step.languages), list(step.tasks)
    out["retrieval"] = step.retrieval.as_dict() if step.retrieval is not None else None
    return out


def step_from_dict(data: dict[str, Any]) -> Step:
    values = dict(data)
    values["languages"] = tuple(values.get("languages", ()))
    values["tasks"] = tuple(values.get("tasks", ()))
    if values.get("retrieval") is not None:
        values["retrieval"] = RetrievalProtocol.from_dict(values["retrieval"])
    return Step(**values)


def model_spec_to_dict(spec: ModelSpec) -> dict[str, Any]:
    out = dataclasses.asdict(spec)
    out["aliases"] = list(spec.aliases)
    return out


def model_spec_from_dict(data: dict[str, Any]) -> ModelSpec:
    values = dict(data)
    values["source"] = ModelSource(**values["source"])
    values["retrieval"] = RetrievalSpec(**values["retrieval"])
    values["aliases"] = tuple(values.get("aliases", ()))
    return ModelSpec(**values)


def _spec_fingerprint(spec: SuiteSpec | ExperimentSpec) -> str:
    blob = json.dumps(dataclasses.asdict(spec), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    experiment = plan.experiment
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "settings": settings_to_dict(plan.settings),
        "suite": {"name": plan.suite.name, "fingerprint": _spec_fingerprint(plan.suite)},
        # An experiment may be made up on the spot (`harness retrieve --experiment X`): kept whole.
        "experiment": {**dataclasses.asdict(experiment), "fingerprint": _spec_fingerprint(experiment)},
        "model": plan.model,
        "model_identity": plan.model_identity,
        "model_spec": model_spec_to_dict(plan.model_spec) if plan.model_spec is not None else None,
        "steps": [step_to_dict(step) for step in plan.steps],
    }


def plan_to_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), indent=1, sort_keys=True, allow_nan=False) + "\n"


def _experiment_from_dict(data: dict[str, Any]) -> ExperimentSpec:
    variants = tuple(VariantSpec(**{**v, "intermediate": tuple(v.get("intermediate", ()))})
                     for v in data["variants"])
    return ExperimentSpec(name=data["name"], variants=variants, description=data.get("description", ""),
                          source_file=data.get("source_file", ""))


def plan_from_dict(data: dict[str, Any], registry: Registry) -> Plan:
    """The plan a file describes; its suite must still be the one it was planned with."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise HarnessError(f"not a harness plan file (expected \"format\": \"{FORMAT}\")")
    if data.get("format_version") != FORMAT_VERSION:
        raise HarnessError(f"plan file format_version {data.get('format_version')!r} is not supported "
                           f"(this harness reads {FORMAT_VERSION})")
    suite = registry.suite(data["suite"]["name"])
    if _spec_fingerprint(suite) != data["suite"]["fingerprint"]:
        raise HarnessError(f"suite {suite.name!r} ({suite.source_file}) changed since the plan was made; plan again")
    experiment_data = {k: v for k, v in data["experiment"].items() if k != "fingerprint"}
    experiment = _experiment_from_dict(experiment_data)
    if _spec_fingerprint(experiment) != data["experiment"]["fingerprint"]:
        raise HarnessError("plan file: the experiment does not match its fingerprint (edited by hand?)")
    spec = data.get("model_spec")
    return Plan(settings=settings_from_dict(data["settings"]), suite=suite, experiment=experiment,
                model=data["model"], steps=[step_from_dict(s) for s in data["steps"]],
                model_spec=model_spec_from_dict(spec) if spec is not None else None,
                model_identity=data.get("model_identity", ""))


def plan_from_json(text: str, registry: Registry) -> Plan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise HarnessError(f"plan file: invalid JSON at line {err.lineno}: {err.msg}") from None
    return plan_from_dict(data, registry)


def write_plan(plan: Plan, path: Path) -> Path:
    from harness.results.store import write_json_atomic

    write_json_atomic(Path(path), plan_to_dict(plan))
    return Path(path)


def read_plan(path: Path, registry: Registry) -> Plan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise HarnessError(f"{path}: cannot read the plan file ({err})") from None
    try:
        return plan_from_json(text, registry)
    except HarnessError as err:
        raise HarnessError(f"{path}: {err}") from None
    except (KeyError, TypeError) as err:
        raise HarnessError(f"{path}: malformed plan file ({type(err).__name__}: {err})") from None


__all__ = ["plan_from_dict", "plan_from_json", "plan_to_dict", "plan_to_json", "read_plan", "write_plan"]
