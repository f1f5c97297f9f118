"""Models as specs: where a model comes from, how retrieval embeds with it, its recipe changes.

One YAML per model under `tasks/models/`. The facts that used to be guessed from folder
names (which hidden layer XTREME reads, e5's ``query: `` prefix) live here, and the plan
resolves them once per (model, task): every variant's retrieval step, the baseline and each
intermediate checkpoint alike, embeds with the same protocol. A model id without a spec (a
local folder, a hub id) gets a generic spec built on the fly, with its layer rule recorded.

Imports nothing heavy: planning and `--dry-run` stay instant.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

SOURCE_KINDS = ("builder", "importer", "hub", "folder")
POOLINGS = ("mean", "cls")
# XTREME's retrieval scripts embed up to 512 tokens (MAXL=512 in run_bucc2018.sh / run_tatoeba.sh).
DEFAULT_MAX_LENGTH = 512
# Models without a published layer: about 60% of the depth (14/24 for XLM-R Large).
MIDDLE_FRACTION = 0.6
PROVENANCE_FILE = "harness_import.json"  # written by `harness models import-...`


@dataclass(frozen=True)
class ModelSource:
    """builder: built locally (`tiny`); importer: `harness models import-<name>`; hub: a hub id at
    a revision; folder: a local transformers folder."""

    kind: str
    name: str
    revision: str | None = None

    def describe(self) -> str:
        at = f"@{self.revision}" if self.revision else ""
        return f"{self.kind}:{self.name}{at}"


@dataclass(frozen=True)
class RetrievalProtocol:
    """How sentences are embedded for retrieval; resolved once in the plan, recorded in every
    retrieval record. ``layer`` counts transformer blocks from 1 (0: the embedding output)."""

    layer: int
    layer_rule: str
    num_layers: int | None = None
    pooling: str = "mean"
    prefix: str = ""
    max_length: int = DEFAULT_MAX_LENGTH

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrievalProtocol:
        return cls(**data)


@dataclass(frozen=True)
class RetrievalSpec:
    """The retrieval part of a model spec: an explicit layer, or a fraction of the depth."""

    layer: int | None = None
    layer_fraction: float | None = None
    layer_rule: str = ""
    pooling: str = "mean"
    prefix: str = ""
    max_length: int = DEFAULT_MAX_LENGTH


@dataclass(frozen=True)
class ModelSpec:
    name: str
    source: ModelSource
    description: str = ""
    aliases: tuple[str, ...] = ()
    num_layers: int | None = None
    retrieval: RetrievalSpec = field(default_factory=RetrievalSpec)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    task_hyperparameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    generic: bool = False  # built on the fly for an id without a YAML
    source_file: str = ""

    def hyperparameters_for(self, task: str) -> dict[str, Any]:
        """The model's recipe changes for one task: its general ones, then the task's own."""
        return {**self.hyperparameters, **self.task_hyperparameters.get(task, {})}

    def retrieval_protocol(self, layer: int | None = None, pooling: str | None = None,
                           prefix: str | None = None, max_length: int | None = None) -> RetrievalProtocol:
        """The protocol this model prescribes, with command-line choices replacing parts of it
        (recorded as such)."""
        spec = self.retrieval
        if layer is not None:
            chosen, rule = layer, "given on the command line"
        elif spec.layer is not None:
            chosen, rule = spec.layer, spec.layer_rule or f"model spec {self.name}: layer {spec.layer}"
        elif self.num_layers is not None:
            fraction = spec.layer_fraction if spec.layer_fraction is not None else MIDDLE_FRACTION
            chosen = max(1, round(fraction * self.num_layers))
            rule = spec.layer_rule or f"round({fraction} * {self.num_layers} layers)"
        else:
            raise HarnessError(f"model {self.name}: its number of layers is unknown (no config.json "
                               "available offline), so no retrieval layer can be chosen; pass --layer")
        if self.num_layers is not None and not 0 <= chosen <= self.num_layers:
            raise HarnessError(f"--layer {chosen}: model {self.name} has {self.num_layers} layers "
                               "(0 is the embedding output)")
        if chosen < 0:
            raise HarnessError(f"--layer {chosen}: must be >= 0 (0 is the embedding output)")
        protocol = RetrievalProtocol(
            layer=chosen, layer_rule=rule, num_layers=self.num_layers,
            pooling=pooling or spec.pooling, prefix=spec.prefix if prefix is None else prefix,
            max_length=spec.max_length if max_length is None else max_length)
        if protocol.pooling not in POOLINGS:
            raise HarnessError(f"--pooling {protocol.pooling!r}: choose one of {', '.join(POOLINGS)}")
        if protocol.max_length <= 0:
            raise HarnessError(f"--max-length {protocol.max_length}: must be a positive number of tokens")
        return protocol


# --------------------------------------------------------------------------- loading

_MODEL_KEYS = {"name", "description", "aliases", "source", "num_layers", "retrieval", "hyperparameters",
               "task_hyperparameters"}
_RETRIEVAL_KEYS = {"layer", "layer_fraction", "layer_rule", "pooling", "prefix", "max_length"}


def _fail(path: Path, message: str) -> HarnessError:
    return HarnessError(f"{path}: {message}")


def _mapping(path: Path, doc: dict, key: str) -> dict:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise _fail(path, f"key {key!r} must be a mapping")
    return value


def _unknown(path: Path, doc: dict, allowed: set[str], where: str = "") -> None:
    extra = sorted(set(doc) - allowed)
    if extra:
        raise _fail(path, f"unknown key {extra[0]!r}{where}; allowed keys: {', '.join(sorted(allowed))}")


def _source(path: Path, raw: Any) -> ModelSource:
    if not isinstance(raw, dict):
        raise _fail(path, "key 'source' must be a mapping such as {hub: ID, revision: SHA}, {folder: PATH}, "
                          "{importer: e5-small} or {builder: tiny}")
    kinds = [k for k in raw if k in SOURCE_KINDS]
    _unknown(path, raw, set(SOURCE_KINDS) | {"revision"}, " in 'source'")
    if len(kinds) != 1:
        raise _fail(path, f"key 'source' needs exactly one of {', '.join(SOURCE_KINDS)}")
    revision = raw.get("revision")
    if revision is not None and kinds[0] != "hub":
        raise _fail(path, "key 'source.revision' applies to hub models only")
    return ModelSource(kinds[0], str(raw[kinds[0]]), None if revision is None else str(revision))


def _retrieval(path: Path, raw: dict) -> RetrievalSpec:
    _unknown(path, raw, _RETRIEVAL_KEYS, " in 'retrieval'")
    spec = RetrievalSpec(**raw)
    if spec.layer is not None and spec.layer_fraction is not None:
        raise _fail(path, "key 'retrieval': give either 'layer' or 'layer_fraction', not both")
    if spec.layer is not None and (not isinstance(spec.layer, int) or spec.layer < 0):
        raise _fail(path, f"key 'retrieval.layer' must be a whole number >= 0, got {spec.layer!r}")
    if spec.layer_fraction is not None and not 0 < float(spec.layer_fraction) <= 1:
        raise _fail(path, "key 'retrieval.layer_fraction' must lie in (0, 1]")
    if spec.pooling not in POOLINGS:
        raise _fail(path, f"key 'retrieval.pooling' is {spec.pooling!r}; expected one of: {', '.join(POOLINGS)}")
    if not isinstance(spec.max_length, int) or spec.max_length <= 0:
        raise _fail(path, "key 'retrieval.max_length' must be a positive whole number")
    if not isinstance(spec.prefix, str):
        raise _fail(path, "key 'retrieval.prefix' must be a string")
    return spec


def load_model_file(path: Path) -> ModelSpec:
    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise _fail(path, f"invalid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise _fail(path, "expected a mapping of keys to values at the top level")
    _unknown(path, doc, _MODEL_KEYS)
    for key in ("name", "source"):
        if key not in doc:
            raise _fail(path, f"missing required key {key!r}")
    num_layers = doc.get("num_layers")
    if num_layers is not None and (not isinstance(num_layers, int) or num_layers <= 0):
        raise _fail(path, "key 'num_layers' must be a positive whole number")
    aliases = doc.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise _fail(path, "key 'aliases' must be a list of names")
    task_hp = _mapping(path, doc, "task_hyperparameters")
    for task, values in task_hp.items():
        if not isinstance(values, dict):
            raise _fail(path, f"key 'task_hyperparameters.{task}' must be a mapping")
    return ModelSpec(
        name=str(doc["name"]), source=_source(path, doc["source"]), description=doc.get("description", ""),
        aliases=tuple(aliases), num_layers=num_layers, retrieval=_retrieval(path, _mapping(path, doc, "retrieval")),
        hyperparameters=dict(_mapping(path, doc, "hyperparameters")),
        task_hyperparameters={str(k): dict(v) for k, v in task_hp.items()}, source_file=str(path))


def load_model_specs(folder: Path) -> dict[str, ModelSpec]:
    """Every `*.yaml` under ``folder``, by name; aliases and hub ids must not collide."""
    models: dict[str, ModelSpec] = {}
    names: dict[str, str] = {}
    if not Path(folder).is_dir():
        return models
    for path in sorted(Path(folder).rglob("*.yaml")):
        spec = load_model_file(path)
        for name in (spec.name, *spec.aliases):
            if name in names:
                raise _fail(path, f"model name {name!r} is already used by {names[name]}")
            names[name] = str(path)
        models[spec.name] = spec
    return models


def find_model_spec(models: dict[str, ModelSpec], name: str) -> ModelSpec | None:
    """A declared spec by name, alias, or hub id (with or without the organisation)."""
    for spec in models.values():
        hub = spec.source.name if spec.source.kind == "hub" else None
        if name == spec.name or name in spec.aliases or (hub and name in (hub, hub.split("/")[-1])):
            return spec
    return None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def hub_cached_file(model_id: str, filename: str, revision: str | None = None) -> Path | None:
    """The file from the local Hugging Face cache, or None (never a network call)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    cached = try_to_load_from_cache(model_id, filename, revision=revision)
    return Path(cached) if isinstance(cached, str) else None


def generic_model_spec(model: str, models: dict[str, ModelSpec] | None = None) -> ModelSpec:
    """A spec for an id without a YAML. A folder imported by the harness names its origin in
    harness_import.json (its protocol is that model's spec); otherwise the layer follows the
    config's depth, and that rule is what the record says."""
    path = Path(model)
    if path.is_dir():
        source = ModelSource("folder", str(path))
        provenance = _read_json(path / PROVENANCE_FILE) or {}
        origin = provenance.get("model")
        declared = find_model_spec(models or {}, str(origin)) if origin else None
        if declared is None and origin:
            declared = find_model_spec(models or {}, str(origin).split("/")[-1])
        config = _read_json(path / "config.json")
        if config is None:
            raise HarnessError(f"{path}: not a model folder (no readable config.json); build one with "
                               "`harness models import-e5-small DIR` or pass a hub id")
        if declared is not None:
            return ModelSpec(name=str(path), source=source, description=f"a local copy of {declared.name}",
                             num_layers=declared.num_layers or config.get("num_hidden_layers"),
                             retrieval=declared.retrieval, hyperparameters=declared.hyperparameters,
                             task_hyperparameters=declared.task_hyperparameters, generic=True,
                             source_file=f"{declared.source_file} (via {path / PROVENANCE_FILE})")
    else:
        if model.startswith((".", "/", "~")) or model.count("/") > 1:
            raise HarnessError(f"--model {model}: no such model folder, and not a hub id "
                               "(`harness ls models` lists the declared models)")
        source = ModelSource("hub", model)
        cached = hub_cached_file(model, "config.json")
        config = _read_json(cached) if cached else None
    layers = config.get("num_hidden_layers") if config else None
    # The rule names no path: a copy of a folder embeds (and is keyed) exactly as the original.
    rule = (f"no model spec: round({MIDDLE_FRACTION} * {layers} layers of its config)"
            if layers else "no model spec")
    return ModelSpec(name=model, source=source, num_layers=layers if isinstance(layers, int) else None,
                     retrieval=RetrievalSpec(layer_fraction=MIDDLE_FRACTION, layer_rule=rule), generic=True,
                     description="built on the fly for a model without a spec")


def resolve_model_spec(models: dict[str, ModelSpec], model: str) -> ModelSpec:
    """The declared spec for ``model``, else a generic one (a local folder or a hub id)."""
    return find_model_spec(models, model) or generic_model_spec(model, models)


__all__ = ["ModelSource", "ModelSpec", "RetrievalProtocol", "RetrievalSpec", "find_model_spec",
           "generic_model_spec", "load_model_file", "load_model_specs", "resolve_model_spec"]
