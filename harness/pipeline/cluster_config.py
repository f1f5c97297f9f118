"""Resources for cluster jobs, per step kind, from the `--executor-config` YAML.

The file has a `defaults` block and one optional block per step kind (`model`, `intermediate`,
`target`, `retrieval`, `leaderboard`); a kind's block overrides the defaults key by key::

    defaults: {partition: gpu, account: nlp, time_min: 240, cpus_per_task: 8, mem_gb: 64}
    intermediate: {gpus_per_node: 4, time_min: 1440}
    target: {gpus_per_node: 1}
    leaderboard: {gpus_per_node: 0, cpus_per_task: 1, mem_gb: 4, time_min: 20}
    sbatch: {exclude: "node[07-08]"}      # any further sbatch option, for every job
    python: apptainer exec --nv --bind /shared /shared/harness.sif python   # how jobs start Python

Multi-GPU steps (`gpus_per_node` > 1 or `nodes` > 1) run under torchrun inside the
allocation, one torchrun per node. Unknown keys and wrong types fail at load, naming the
file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError

STEP_KINDS = ("model", "intermediate", "target", "retrieval", "leaderboard")


@dataclass(frozen=True)
class JobResources:
    nodes: int = 1
    gpus_per_node: int = 0
    cpus_per_task: int = 1
    mem_gb: float | None = None
    time_min: int = 240
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    # Re-queue on preemption or time limit, at most this many times (submitit's mechanism).
    max_requeues: int = 3
    # The command that starts Python in a job, e.g. "apptainer exec --nv harness.sif python"
    # (default: the interpreter that submits).
    python: str | None = None
    sbatch: dict[str, str] = field(default_factory=dict)

    @property
    def distributed(self) -> bool:
        return self.nodes > 1 or self.gpus_per_node > 1


# Sensible defaults: trainings get a GPU and a day, evaluations less; the site needs a CPU.
DEFAULTS: dict[str, JobResources] = {
    "model": JobResources(gpus_per_node=1, cpus_per_task=8, mem_gb=64, time_min=24 * 60),
    "intermediate": JobResources(gpus_per_node=1, cpus_per_task=8, mem_gb=64, time_min=24 * 60),
    "target": JobResources(gpus_per_node=1, cpus_per_task=8, mem_gb=64, time_min=12 * 60),
    "retrieval": JobResources(gpus_per_node=1, cpus_per_task=8, mem_gb=64, time_min=2 * 60),
    "leaderboard": JobResources(gpus_per_node=0, cpus_per_task=1, mem_gb=4, time_min=30),
}
# On a machine without GPUs (and in the tests): the same without GPUs, one CPU each.
CPU_DEFAULTS: dict[str, JobResources] = {
    kind: replace(res, gpus_per_node=0, cpus_per_task=1, mem_gb=None) for kind, res in DEFAULTS.items()
}

_TYPES = {f.name: f.type for f in fields(JobResources)}


def _checked(path: str, where: str, block: Any) -> dict[str, Any]:
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise HarnessError(f"{path}: {where} must be a mapping of resource keys to values")
    out: dict[str, Any] = {}
    for key, value in block.items():
        if key not in _TYPES:
            raise HarnessError(f"{path}: unknown key {key!r} in {where}; allowed keys: {', '.join(sorted(_TYPES))}")
        kind = _TYPES[key]
        if key == "sbatch":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise HarnessError(f"{path}: {where}.sbatch must map sbatch option names to values")
            out[key] = {k.lstrip("-"): str(v) for k, v in value.items()}
        elif "int" in kind and "float" not in kind:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise HarnessError(f"{path}: {where}.{key} must be a whole number >= 0, got {value!r}")
            out[key] = value
        elif "float" in kind:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
                raise HarnessError(f"{path}: {where}.{key} must be a positive number, got {value!r}")
            out[key] = value
        else:
            if value is not None and not isinstance(value, str):
                raise HarnessError(f"{path}: {where}.{key} must be a string, got {value!r}")
            out[key] = value
    if out.get("nodes") == 0:
        raise HarnessError(f"{path}: {where}.nodes must be at least 1")
    return out


def load_cluster_config(path: Path | str | None, gpus: bool = True) -> dict[str, JobResources]:
    """Resources per step kind: the built-in defaults, overridden by the YAML file if given."""
    base = DEFAULTS if gpus else CPU_DEFAULTS
    if path is None:
        return dict(base)
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise HarnessError(f"--executor-config {path}: cannot read it ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise HarnessError(f"--executor-config {path}: invalid YAML: {err}") from None
    if not isinstance(document, dict):
        raise HarnessError(f"{path}: expected a mapping with 'defaults' and step kinds ({', '.join(STEP_KINDS)})")
    unknown = sorted(set(document) - {"defaults", "sbatch", "python", *STEP_KINDS})
    if unknown:
        raise HarnessError(f"{path}: unknown key {unknown[0]!r}; use 'defaults', 'sbatch' or a step kind: "
                           f"{', '.join(STEP_KINDS)}")
    defaults = _checked(str(path), "defaults", document.get("defaults"))
    common_sbatch = _checked(str(path), "the top level", {"sbatch": document.get("sbatch") or {}})["sbatch"]
    python = document.get("python")
    if python is not None and (not isinstance(python, str) or not python.strip()):
        raise HarnessError(f"{path}: key 'python' must be a command line (a string), got {python!r}")
    if python is not None:
        defaults.setdefault("python", python)
    resolved = {}
    for kind in STEP_KINDS:
        own = _checked(str(path), kind, document.get(kind))
        merged = {**defaults, **own}
        merged["sbatch"] = {**common_sbatch, **defaults.get("sbatch", {}), **own.get("sbatch", {})}
        resolved[kind] = replace(base[kind], **merged)
    return resolved
