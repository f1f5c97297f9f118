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
    data_dir: Path | None = None
    work_dir: Path = Path("runs")
    results_dir: Path = Path("results")
    site_dir: Path = Path("site")
    seeds: tuple[int, ...] = (1,)
    variants: tuple[str, ...] | None = None
    tasks: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    limit: int | None = None
    max_steps: int | None = None
    hp_overrides: dict[str, Any] = field(default_factory=dict)
    deepspeed: str | None = None
    train_split: str = "train"
    eval_split: str = "test"
    layer: int | None = None
    pooling: str = "mean"
    offline: bool = True

    @property
    def publishable(self) -> bool:
        """Smoke runs (--limit, --max-steps) must never be mistaken for real results."""
        return self.limit is None and self.max_steps is None


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


@dataclass
class Plan:
    settings: RunSettings
    suite: SuiteSpec
    experiment: ExperimentSpec
    model: str
    steps: list[Step]

    def of_kind(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)


def content_key(**parts: Any) -> str:
    """A short, stable hash of a JSON-able description of a step."""
    blob = json.dumps({"pipeline": PIPELINE_VERSION, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def merged_hyperparameters(task: TaskSpec, suite: SuiteSpec, settings: RunSettings) -> dict[str, Any]:
    """Task defaults ← suite overrides ← command line; --max-steps last of all."""
    hp = {**task.hyperparameters, **suite.hyperparameters, **settings.hp_overrides}
    if settings.max_steps is not None:
        hp["max_steps"] = settings.max_steps
    return hp


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


def retrieval_checksums(task: TaskSpec, languages: tuple[str, ...], checksum: Checksum) -> dict[str, str]:
    checksums = {}
    for lang in languages:
        for split, required in RETRIEVAL_SPLITS[task.task_type]:
            try:
                checksums[f"{task.name}/{split}-{lang}"] = checksum(task.name, lang, split)
            except HarnessError:
                if required:
                    raise
    return checksums


def target_languages(task: TaskSpec, suite: SuiteSpec, settings: RunSettings) -> tuple[str, ...]:
    """The suite's languages of the task, cut further by --languages."""
    languages = suite.task_languages(task)
    if settings.languages is not None:
        languages = tuple(lang for lang in languages if lang in settings.languages)
    if not languages:
        raise HarnessError(f"--languages leaves no language of {task.name} ({', '.join(suite.task_languages(task))})")
    return languages


def intermediate_languages(task: TaskSpec, suite: SuiteSpec) -> tuple[str, ...]:
    """The intermediate task's languages; a mix keeps only the suite's languages."""
    if suite.languages is None or len(task.languages) == 1:
        return task.languages
    kept = tuple(lang for lang in task.languages if lang in suite.languages)
    return kept or task.languages


def intermediate_split(task: TaskSpec, settings: RunSettings) -> str:
    return task.data.get("split", "train")


def build_plan(registry: Registry, settings: RunSettings, checksum: Checksum, model_fingerprint: str) -> Plan:
    """All steps of the run in execution order, each with its content key."""
    suite = registry.suite(settings.suite)
    experiment_name = settings.experiment or suite.experiment
    if experiment_name is None:
        raise HarnessError(f"suite {suite.name!r} names no experiment; pass --experiment")
    experiment = registry.experiment(experiment_name)
    model = settings.model or suite.model
    if model is None:
        raise HarnessError(f"suite {suite.name!r} names no model; pass --model")
    limits = {"limit": settings.limit, "max_steps": settings.max_steps}

    model_step = Step(kind="model", key=content_key(kind="model", model=model, fingerprint=model_fingerprint),
                      label=f"prepare model {model}")
    steps = [model_step]
    targets = _selected_tasks(suite, registry, settings)
    for variant in _selected_variants(experiment, settings):
        for seed in settings.seeds:
            encoder_key = model_step.key
            if variant.intermediate:
                specs = [registry.task(name) for name in variant.intermediate]
                checksums, hps = {}, {}
                for spec in specs:
                    split = intermediate_split(spec, settings)
                    for lang in intermediate_languages(spec, suite):
                        checksums[f"{spec.name}/{split}-{lang}"] = checksum(spec.name, lang, split)
                    hps[spec.name] = merged_hyperparameters(spec, suite, settings)
                encoder_key = content_key(kind="intermediate", upstream=model_step.key, tasks=variant.intermediate,
                                          mode=variant.mode, data=checksums, hp=hps, seed=seed,
                                          deepspeed=settings.deepspeed, **limits)
                if not any(s.key == encoder_key for s in steps):
                    steps.append(Step(kind="intermediate", key=encoder_key, upstream=model_step.key,
                                      label=f"intermediate {'+'.join(variant.intermediate)} ({variant.mode}) seed {seed}",
                                      variant=variant.name, seed=seed, tasks=variant.intermediate, mode=variant.mode,
                                      hyperparameters=hps, data_checksums=checksums))
            for task in targets:
                languages = target_languages(task, suite, settings)
                if task.is_retrieval:
                    checksums = retrieval_checksums(task, languages, checksum)
                    key = content_key(kind="retrieval", upstream=encoder_key, task=task.name, data=checksums,
                                      layer=settings.layer, pooling=settings.pooling, **limits)
                    if any(s.key == key for s in steps):
                        continue  # no training upstream (baseline), so no seed: planned once, not per seed
                    steps.append(Step(kind="retrieval", key=key, label=f"{variant.name} seed {seed}: {task.name} retrieval",
                                      variant=variant.name, seed=seed, task=task.name, upstream=encoder_key,
                                      languages=languages, data_checksums=checksums))
                    continue
                hp = merged_hyperparameters(task, suite, settings)
                checksums = {f"{task.train_source}/{settings.train_split}-en": checksum(task.train_source, "en", settings.train_split)}
                for lang in languages:
                    checksums[f"{task.name}/{settings.eval_split}-{lang}"] = checksum(task.name, lang, settings.eval_split)
                key = content_key(kind="target", upstream=encoder_key, task=task.name, data=checksums, hp=hp,
                                  seed=seed, train_split=settings.train_split, eval_split=settings.eval_split,
                                  deepspeed=settings.deepspeed, **limits)
                steps.append(Step(kind="target", key=key, label=f"{variant.name} seed {seed}: {task.name} fine-tune (en) + zero-shot",
                                  variant=variant.name, seed=seed, task=task.name, upstream=encoder_key,
                                  languages=languages, hyperparameters=hp, data_checksums=checksums))
    return Plan(settings=settings, suite=suite, experiment=experiment, model=model, steps=steps)
