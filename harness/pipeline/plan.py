"""Planning an experiment: every training and evaluation, keyed by content, before any runs.

A key is the sha256 of everything that changes what a step computes (model, task, data
checksums, hyperparameters, seed, the key of the step it starts from, smoke-run limits). So an
intermediate checkpoint is trained once and reused by every target task and every experiment
that asks for it, and a killed run started again skips whatever already finished.
Planning imports no deep-learning package: `--dry-run` is instant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.models.specs import ModelSpec, RetrievalProtocol
from harness.spec import ExperimentSpec, Registry, SuiteSpec, TaskSpec, VariantSpec
from harness.tasktypes import TASK_TYPES

# Bump when a change to the training or evaluation code makes old checkpoints stale.
PIPELINE_VERSION = 1

Checksum = Callable[[str, str, str], str]  # (task, language, split) -> sha256


@dataclass(frozen=True)
class RunSettings:
    suite: str = "mini"
    experiment: str | None = None
    model: str | None = None
    model_name: str | None = None  # the name records carry (default: the spec's, or the id given)
    data_dir: Path | None = None
    work_dir: Path = Path("runs")
    results_dir: Path = Path("results")
    site_dir: Path = Path("site")
    seeds: tuple[int, ...] = (1,)
    variants: tuple[str, ...] | None = None
    tasks: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    # Languages per task, replacing the suite's (`harness retrieve --langs`, BUCC where data is).
    task_languages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    limit: int | None = None
    max_steps: int | None = None
    hp_overrides: dict[str, Any] = field(default_factory=dict)
    deepspeed: str | None = None
    train_split: str = "train"
    eval_split: str = "test"
    # Retrieval: None takes the model spec's value (the protocol is resolved in the plan).
    layer: int | None = None
    pooling: str | None = None
    prefix: str | None = None
    max_length: int | None = None
    # BUCC mining options (margin, k, strategy, knn); empty: the runner's defaults.
    mining: dict[str, Any] = field(default_factory=dict)
    embed_batch_size: int = 256
    embed_max_tokens: int = 4096
    device: str | None = None
    cache_dir: Path | None = None  # embedding cache; None: <work_dir>/embeddings
    use_cache: bool = True
    predictions_dir: Path | None = None  # None: <work_dir>/predictions/<experiment>/...
    offline: bool = True

    @property
    def publishable(self) -> bool:
        """Smoke runs (--limit, --max-steps) must never be mistaken for real results."""
        return self.limit is None and self.max_steps is None

    @property
    def is_smoke(self) -> bool:
        return not self.publishable


@dataclass(frozen=True)
class Step:
    """One unit of work. `upstream` is the key of the model this step starts from."""

    kind: str  # model | intermediate | target | retrieval
    key: str
    label: str
    variant: str | None = None
    seed: int | None = None
    task: str | None = None
    upstream: str | None = None
    languages: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    mode: str = "single"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    data_checksums: dict[str, str] = field(default_factory=dict)
    retrieval: RetrievalProtocol | None = None  # retrieval steps: the protocol resolved for (model, task)
    run_class: str = "full"  # full | smoke (--limit/--max-steps) | partial (--languages cut the task's)


@dataclass
class Plan:
    settings: RunSettings
    suite: SuiteSpec
    experiment: ExperimentSpec
    model: str  # the name records carry: a declared spec's name, else the id given
    steps: list[Step]
    model_spec: ModelSpec | None = None
    model_identity: str = ""  # hub revision, content hash of the weights, or the builder's inputs

    def of_kind(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)


def content_key(**parts: Any) -> str:
    """A short, stable hash of a JSON-able description of a step."""
    blob = json.dumps({"pipeline": PIPELINE_VERSION, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def merged_hyperparameters(task: TaskSpec, suite: SuiteSpec, settings: RunSettings,
                           model: ModelSpec | None = None) -> dict[str, Any]:
    """Task defaults ← the model's recipe changes ← suite overrides ← command line; --max-steps
    last of all. Checked here, at plan time: a misspelt key fails before anything runs."""
    from harness.train.hyperparams import Hyperparameters

    model_hp = model.hyperparameters_for(task.name) if model is not None else {}
    layers = (("task", task.source_file, task.hyperparameters),
              ("model", model.source_file if model else "", model_hp),
              ("suite", suite.source_file, suite.hyperparameters))
    for _, where, values in layers:
        Hyperparameters.from_dict(values, source=f"{where or 'spec'} (hyperparameters of {task.name})")
    hp = {**task.hyperparameters, **model_hp, **suite.hyperparameters, **settings.hp_overrides}
    if settings.max_steps is not None:
        hp["max_steps"] = settings.max_steps
    Hyperparameters.from_dict(hp, source=f"hyperparameters of {task.name} (task, model, suite, --hp merged)")
    return hp


def check_overrides(overrides: dict[str, Any]) -> None:
    """`--hp` keys and values, checked on their own so the message names the option."""
    from harness.train.hyperparams import Hyperparameters

    for key, value in overrides.items():
        Hyperparameters.from_dict({key: value}, source=f"--hp {key}={value}")


def resolved_hyperparameters(hp: dict[str, Any]) -> dict[str, Any]:
    """Every hyperparameter as the training sees it (defaults filled in): what a record holds."""
    from harness.train.hyperparams import Hyperparameters

    return Hyperparameters.from_dict(hp).as_dict()


def _selected_variants(experiment: ExperimentSpec, settings: RunSettings) -> list[VariantSpec]:
    if not settings.variants:
        return list(experiment.variants)
    return [experiment.variant(name) for name in settings.variants]


def _selected_tasks(suite: SuiteSpec, registry: Registry, settings: RunSettings) -> list[TaskSpec]:
    names = settings.tasks or suite.tasks
    for name in names:
        if name not in suite.tasks:
            raise HarnessError(f"--tasks: {name!r} is not in suite {suite.name!r} ({', '.join(suite.tasks)})")
    return [registry.task(name) for name in names]


# Retrieval reads fixed splits: Tatoeba is one test file per language; BUCC tunes its threshold
# on dev (required) and scores test when it is there.
# (split, required) per retrieval task type, declared by the task types (harness/tasktypes/retrieval.py).
RETRIEVAL_SPLITS = {name: kind.splits for name, kind in TASK_TYPES.items() if kind.retrieval}


def data_key(task: str, split: str, language: str) -> str:
    """How a step names what it reads: `<task>/<split>-<lang>` (the plan's checksum keys)."""
    return f"{task}/{split}-{language}"


def parse_data_key(key: str) -> tuple[str, str, str]:
    """(task, language, split) of a `data_key`."""
    task, _, rest = key.rpartition("/")
    split, _, language = rest.partition("-")
    return task, language, split


class _Checksums:
    """Checksums of what the plan reads; missing files are collected, so that one error lists
    them all (a full `xtreme` plan on an empty folder misses hundreds, not one)."""

    def __init__(self, checksum: Checksum):
        self.checksum = checksum
        self.missing: list[str] = []

    def required(self, task: str, language: str, split: str) -> str:
        try:
            return self.checksum(task, language, split)
        except HarnessError as err:
            message = str(err)
            if message not in self.missing:
                self.missing.append(message)
            return "missing"

    def optional(self, task: str, language: str, split: str) -> str | None:
        try:
            return self.checksum(task, language, split)
        except HarnessError:
            return None

    def raise_if_missing(self) -> None:
        if self.missing:
            count = len(self.missing)
            raise HarnessError(f"{count} data file{'s are' if count > 1 else ' is'} missing; nothing has run. "
                               "`harness data download` fetches them:\n  " + "\n  ".join(self.missing))


def retrieval_checksums(task: TaskSpec, languages: tuple[str, ...], checksum: Checksum | _Checksums) -> dict[str, str]:
    checks = checksum if isinstance(checksum, _Checksums) else _Checksums(checksum)
    checksums = {}
    for lang in languages:
        for split, required in RETRIEVAL_SPLITS[task.task_type]:
            value = checks.required(task.name, lang, split) if required else checks.optional(task.name, lang, split)
            if value is not None:
                checksums[data_key(task.name, split, lang)] = value
    if checks is not checksum:
        checks.raise_if_missing()
    return checksums


def target_languages(task: TaskSpec, suite: SuiteSpec, settings: RunSettings) -> tuple[str, ...]:
    """The suite's languages of the task (or those given for it), cut further by --languages."""
    languages = tuple(settings.task_languages.get(task.name) or suite.task_languages(task))
    if settings.languages is not None:
        languages = tuple(lang for lang in languages if lang in settings.languages)
    if not languages:
        raise HarnessError(f"--languages leaves no language of {task.name} ({', '.join(suite.task_languages(task))})")
    return languages


def run_class(task: TaskSpec, suite: SuiteSpec, settings: RunSettings, languages: tuple[str, ...]) -> str:
    """smoke: --limit/--max-steps; partial: fewer languages than the suite evaluates; else full.
    Part of a record's identity and path, so a smoke run never overwrites a full record."""
    if settings.is_smoke:
        return "smoke"
    if tuple(languages) != suite.task_languages(task):
        return "partial"
    return "full"


def intermediate_languages(task: TaskSpec, suite: SuiteSpec) -> tuple[str, ...]:
    """The intermediate task's languages; a mix keeps only the suite's languages."""
    if suite.languages is None or len(task.languages) == 1:
        return task.languages
    kept = tuple(lang for lang in task.languages if lang in suite.languages)
    return kept or task.languages


def intermediate_split(task: TaskSpec, settings: RunSettings) -> str:
    return task.data.get("split", "train")


def retrieval_protocol(model: ModelSpec, task: TaskSpec, settings: RunSettings) -> RetrievalProtocol:
    """The one protocol of (model, task): the model spec's, with the command line's choices.
    Every variant's retrieval step of the task uses it, whatever checkpoint it embeds with."""
    return model.retrieval_protocol(layer=settings.layer, pooling=settings.pooling, prefix=settings.prefix,
                                    max_length=settings.max_length)


def build_plan(registry: Registry, settings: RunSettings, checksum: Checksum, model_identity: str,
               experiment: ExperimentSpec | None = None) -> Plan:
    """All steps of the run in execution order, each with its content key.

    Everything is checked here, before anything runs: selections, hyperparameters (merged and
    typed), the retrieval protocol, and every data file (all missing ones in one error).
    ``experiment`` replaces the registry's (`harness retrieve` makes up a one-variant one).
    """
    suite = registry.suite(settings.suite)
    if experiment is None:
        experiment_name = settings.experiment or suite.experiment
        if experiment_name is None:
            raise HarnessError(f"suite {suite.name!r} names no experiment; pass --experiment")
        experiment = registry.experiment(experiment_name)
    model = settings.model or suite.model
    if model is None:
        raise HarnessError(f"suite {suite.name!r} names no model; pass --model")
    model_spec = registry.model(model)
    model_name = settings.model_name or (model if model_spec.generic else model_spec.name)
    check_overrides(settings.hp_overrides)
    limits = {"limit": settings.limit, "max_steps": settings.max_steps}
    checks = _Checksums(checksum)

    model_step = Step(kind="model", key=content_key(kind="model", identity=model_identity),
                      label=f"prepare model {model_name} ({model_spec.source.describe()})")
    steps = [model_step]
    targets = _selected_tasks(suite, registry, settings)
    protocols = {task.name: retrieval_protocol(model_spec, task, settings) for task in targets if task.is_retrieval}
    target_hp = {task.name: merged_hyperparameters(task, suite, settings, model_spec)
                 for task in targets if not task.is_retrieval}
    for variant in _selected_variants(experiment, settings):
        for seed in settings.seeds:
            encoder_key = model_step.key
            if variant.intermediate:
                specs = [registry.task(name) for name in variant.intermediate]
                checksums, hps = {}, {}
                for spec in specs:
                    split = intermediate_split(spec, settings)
                    for lang in intermediate_languages(spec, suite):
                        checksums[data_key(spec.name, split, lang)] = checks.required(spec.name, lang, split)
                    hps[spec.name] = merged_hyperparameters(spec, suite, settings, model_spec)
                encoder_key = content_key(kind="intermediate", upstream=model_step.key, tasks=variant.intermediate,
                                          mode=variant.mode, data=checksums, hp=hps, seed=seed,
                                          deepspeed=settings.deepspeed, **limits)
                if not any(s.key == encoder_key for s in steps):
                    steps.append(Step(kind="intermediate", key=encoder_key, upstream=model_step.key,
                                      label=f"intermediate {'+'.join(variant.intermediate)} ({variant.mode}) seed {seed}",
                                      variant=variant.name, seed=seed, tasks=variant.intermediate, mode=variant.mode,
                                      hyperparameters=hps, data_checksums=checksums,
                                      run_class="smoke" if settings.is_smoke else "full"))
            for task in targets:
                languages = target_languages(task, suite, settings)
                klass = run_class(task, suite, settings, languages)
                if task.is_retrieval:
                    checksums = retrieval_checksums(task, languages, checks)
                    protocol = protocols[task.name]
                    key = content_key(kind="retrieval", upstream=encoder_key, task=task.name, data=checksums,
                                      protocol=protocol.as_dict(), mining=settings.mining, **limits)
                    if any(s.key == key for s in steps):
                        continue  # no training upstream (baseline), so no seed: planned once, not per seed
                    steps.append(Step(kind="retrieval", key=key, label=f"{variant.name} seed {seed}: {task.name} retrieval",
                                      variant=variant.name, seed=seed, task=task.name, upstream=encoder_key,
                                      languages=languages, data_checksums=checksums, retrieval=protocol,
                                      run_class=klass))
                    continue
                hp = target_hp[task.name]
                checksums = {data_key(task.train_source, settings.train_split, "en"):
                             checks.required(task.train_source, "en", settings.train_split)}
                for lang in languages:
                    checksums[data_key(task.name, settings.eval_split, lang)] = checks.required(
                        task.name, lang, settings.eval_split)
                key = content_key(kind="target", upstream=encoder_key, task=task.name, data=checksums, hp=hp,
                                  seed=seed, train_split=settings.train_split, eval_split=settings.eval_split,
                                  deepspeed=settings.deepspeed, **limits)
                steps.append(Step(kind="target", key=key, label=f"{variant.name} seed {seed}: {task.name} fine-tune (en) + zero-shot",
                                  variant=variant.name, seed=seed, task=task.name, upstream=encoder_key,
                                  languages=languages, hyperparameters=hp, data_checksums=checksums,
                                  run_class=klass))
    checks.raise_if_missing()
    return Plan(settings=settings, suite=suite, experiment=experiment, model=model_name, steps=steps,
                model_spec=model_spec, model_identity=model_identity)
