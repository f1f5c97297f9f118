"""Typed task, suite and experiment specs, loaded and validated from the YAML in `tasks/`.

Tasks are data: one YAML file per task; a spec with `expand_languages` becomes one task per
language at load time (`xnli_mt` → `xnli_mt_de`, ...), so per-language files never drift from
their template. Every validation error names the file and the key.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from harness.data.bundles import bundle_specs
from harness.data.catalog import register_catalog
from harness.data.layouts import DataLayout, parse_data
from harness.errors import HarnessError
from harness.languages import LANGUAGE_NAMES
from harness.metrics.registry import FORMATS, METRICS
from harness.resources import builtin_tasks_dir
from harness.strict_yaml import safe_load_unique
from harness.tasktypes import TASK_TYPES as TASK_TYPE_REGISTRY

# The built-in specs ship as package data (tasks/ → harness.tasks, see harness/resources.py).
# HARNESS_TASKS_DIR (several folders separated by os.pathsep) and `--tasks-dir` ADD a user's
# specs to them; a name defined twice is an error naming both files.
TASKS_DIR = Path(builtin_tasks_dir())
TASKS_DIR_ENV = "HARNESS_TASKS_DIR"
# Top-level folders of a spec folder that hold suites and experiments; every other YAML file,
# at any depth, is a task. `models/` holds model specs, which are not tasks.
SUITE_FOLDERS = ("suites",)
EXPERIMENT_FOLDERS = ("experiments",)
NON_TASK_FOLDERS = ("models",)

ROLES = ("target", "intermediate")
GROUPS = ("classification", "structured_prediction", "question_answering", "retrieval")
GROUP_TITLES = {
    "classification": "Sentence classification",
    "structured_prediction": "Structured prediction",
    "question_answering": "Question answering",
    "retrieval": "Sentence retrieval",
}
# Known task types, metrics and prediction formats come from their registries
# (harness/tasktypes, harness/metrics/registry.py): one home per concern.
TASK_TYPES = tuple(TASK_TYPE_REGISTRY)
# Main metric → the per-language metric keys it reports (XTREME's names).
METRIC_KEYS = {name: entry.keys for name, entry in METRICS.items()}
PREDICTION_FORMATS = {name: entry.suffix for name, entry in FORMATS.items()}
VARIANT_FAMILIES = ("baseline", "english", "non_english", "control")
VARIANT_MODES = ("single", "multitask")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    role: str
    task_type: str
    languages: tuple[str, ...]
    description: str = ""
    group: str | None = None
    metric: str | None = None
    prediction_format: str | None = None
    labels: tuple[str, ...] | None = None
    train_source: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    protocol: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    title: str = ""  # the short name tables show ("PAWS-X"); the task name when empty
    chance: float | None = None  # the score (0-100) of guessing, for the leaderboard's reference line
    source_file: str = ""
    data_layout: DataLayout | None = None  # `data` validated: where each split lies (harness.data.layouts)

    @property
    def display_title(self) -> str:
        return self.title or self.name

    @property
    def is_retrieval(self) -> bool:
        return TASK_TYPE_REGISTRY[self.task_type].retrieval

    @property
    def metric_keys(self) -> tuple[str, ...]:
        return METRIC_KEYS[self.metric] if self.metric else ()

    @property
    def prediction_suffix(self) -> str:
        return PREDICTION_FORMATS[self.prediction_format] if self.prediction_format else "tsv"


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    tasks: tuple[str, ...]
    description: str = ""
    languages: tuple[str, ...] | None = None
    experiment: str | None = None
    model: str | None = None
    data: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    source_file: str = ""

    def task_languages(self, task: TaskSpec) -> tuple[str, ...]:
        """The languages this suite evaluates `task` in: the task's own, cut to the suite's list."""
        if self.languages is None:
            return task.languages
        return tuple(lang for lang in task.languages if lang in self.languages)


@dataclass(frozen=True)
class VariantSpec:
    name: str
    family: str
    intermediate: tuple[str, ...] = ()
    mode: str = "single"
    description: str = ""


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    variants: tuple[VariantSpec, ...]
    description: str = ""
    source_file: str = ""

    def variant(self, name: str) -> VariantSpec:
        for variant in self.variants:
            if variant.name == name:
                return variant
        known = ", ".join(v.name for v in self.variants)
        raise HarnessError(f"experiment {self.name!r} has no variant {name!r}; known: {known}")


@dataclass(frozen=True)
class Registry:
    tasks: dict[str, TaskSpec]
    suites: dict[str, SuiteSpec]
    experiments: dict[str, ExperimentSpec]
    # Model specs (tasks/models/*.yaml, harness.models.specs.ModelSpec), by name.
    models: dict[str, Any] = field(default_factory=dict)

    def task(self, name: str) -> TaskSpec:
        return _lookup(self.tasks, name, "task", "harness ls tasks")

    def suite(self, name: str) -> SuiteSpec:
        return _lookup(self.suites, name, "suite", "harness ls suites")

    def experiment(self, name: str) -> ExperimentSpec:
        return _lookup(self.experiments, name, "experiment", "harness ls experiments")

    def target_tasks(self) -> list[TaskSpec]:
        return [t for t in self.tasks.values() if t.role == "target"]

    def model(self, name: str):
        """The declared spec of `name` (a name, alias or hub id), else a generic spec for a local
        folder or hub id; see harness.models.specs."""
        from harness.models.specs import resolve_model_spec

        return resolve_model_spec(self.models, name)


def _lookup(table: dict, name: str, kind: str, hint: str):
    try:
        return table[name]
    except KeyError:
        raise HarnessError(f"unknown {kind} {name!r}; `{hint}` lists the known ones") from None


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = safe_load_unique(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise HarnessError(f"{path}: invalid YAML: {err}") from None
    if not isinstance(document, dict):
        raise HarnessError(f"{path}: expected a mapping of keys to values at the top level")
    return document


def _check_keys(path: Path, document: dict, allowed: set[str], required: set[str], where: str = "") -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise HarnessError(f"{path}: unknown key {unknown[0]!r}{where}; allowed keys: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(document))
    if missing:
        raise HarnessError(f"{path}: missing required key {missing[0]!r}{where}")


def _check_choice(path: Path, key: str, value: Any, choices: tuple[str, ...] | dict) -> None:
    if value not in choices:
        raise HarnessError(f"{path}: key {key!r} is {value!r}; expected one of: {', '.join(choices)}")


def _check_languages(path: Path, key: str, languages: Any) -> tuple[str, ...]:
    if not isinstance(languages, list) or not languages:
        raise HarnessError(f"{path}: key {key!r} must be a non-empty list of language codes")
    for lang in languages:
        if lang not in LANGUAGE_NAMES:
            raise HarnessError(f"{path}: key {key!r}: unknown language {lang!r} (use ISO 639-1 codes such as 'de', 'zh')")
    if len(set(languages)) != len(languages):
        raise HarnessError(f"{path}: key {key!r} lists a language twice")
    return tuple(languages)


_TASK_FIELDS = {f.name for f in dataclasses.fields(TaskSpec)} - {"source_file", "data_layout"}


def load_task_file(path: Path) -> list[TaskSpec]:
    doc = _read_yaml(path)
    _check_keys(path, doc, _TASK_FIELDS | {"expand_languages"}, {"name", "role", "task_type"})
    _check_choice(path, "role", doc["role"], ROLES)
    _check_choice(path, "task_type", doc["task_type"], TASK_TYPES)
    if doc.get("group") is not None:
        _check_choice(path, "group", doc["group"], GROUPS)
    if doc.get("metric") is not None:
        _check_choice(path, "metric", doc["metric"], METRIC_KEYS)
    if doc.get("prediction_format") is not None:
        _check_choice(path, "prediction_format", doc["prediction_format"], PREDICTION_FORMATS)
        writes = TASK_TYPE_REGISTRY[doc["task_type"]].format_name
        if writes is not None and doc["prediction_format"] != writes:
            raise HarnessError(f"{path}: key 'prediction_format' is {doc['prediction_format']!r}, but task_type "
                               f"{doc['task_type']!r} writes {writes!r} files; use {writes!r} or leave the key out")
    elif TASK_TYPE_REGISTRY[doc["task_type"]].format_name is not None:
        doc["prediction_format"] = TASK_TYPE_REGISTRY[doc["task_type"]].format_name  # the task type's own
    if doc["role"] == "target":
        for key in ("group", "metric", "prediction_format", "languages"):
            if doc.get(key) is None:
                raise HarnessError(f"{path}: a target task needs the key {key!r}")
    for key in ("data", "hyperparameters", "protocol", "sizes"):
        if not isinstance(doc.get(key, {}), dict):
            raise HarnessError(f"{path}: key {key!r} must be a mapping")
    if doc.get("title") is not None and not isinstance(doc["title"], str):
        raise HarnessError(f"{path}: key 'title' must be a string")
    chance = doc.get("chance")
    if chance is not None and (isinstance(chance, bool) or not isinstance(chance, int | float)
                               or not 0 <= chance <= 100):
        raise HarnessError(f"{path}: key 'chance' must be a number from 0 to 100 (a score on the 0-100 scale)")
    if "data" not in doc:
        raise HarnessError(f"{path}: missing required key 'data' (where each split lies: data.splits)")
    labels = doc.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or not labels or len(set(map(str, labels))) != len(labels):
            raise HarnessError(f"{path}: key 'labels' must be a non-empty list of distinct labels")
        doc["labels"] = tuple(str(label) for label in labels)
    common = {k: v for k, v in doc.items() if k != "expand_languages"}
    common["source_file"] = str(path)
    if "expand_languages" in doc:
        if "languages" in doc:
            raise HarnessError(f"{path}: use either 'languages' or 'expand_languages', not both")
        expanded = []
        for lang in _check_languages(path, "expand_languages", doc["expand_languages"]):
            data = dict(doc.get("data", {}), language=lang)
            fields = dict(common, name=f"{doc['name']}_{lang}", languages=(lang,),
                          description=doc.get("description", "").replace("{language}", LANGUAGE_NAMES[lang]),
                          data=data, data_layout=parse_data(data, str(path), (lang,), f"{doc['name']}_{lang}"))
            expanded.append(TaskSpec(**fields))
        return expanded
    common["languages"] = _check_languages(path, "languages", doc.get("languages", ["en"]))
    if isinstance(doc["data"], dict) and "language" in doc["data"]:
        raise HarnessError(f"{path}: key 'data.language' is set by expand_languages; do not write it")
    common["data_layout"] = parse_data(doc["data"], str(path), common["languages"], doc["name"])
    return [TaskSpec(**common)]


def load_suite_file(path: Path) -> SuiteSpec:
    doc = _read_yaml(path)
    allowed = {f.name for f in dataclasses.fields(SuiteSpec)} - {"source_file"}
    _check_keys(path, doc, allowed, {"name", "tasks"})
    if not isinstance(doc["tasks"], list) or not doc["tasks"]:
        raise HarnessError(f"{path}: key 'tasks' must be a non-empty list of task names")
    if len(set(doc["tasks"])) != len(doc["tasks"]):
        raise HarnessError(f"{path}: key 'tasks' lists a task twice")
    languages = doc.get("languages")
    return SuiteSpec(
        name=doc["name"], tasks=tuple(doc["tasks"]), description=doc.get("description", ""),
        languages=_check_languages(path, "languages", languages) if languages is not None else None,
        experiment=doc.get("experiment"), model=doc.get("model"), data=doc.get("data"),
        hyperparameters=dict(doc.get("hyperparameters") or {}), source_file=str(path),
    )


def load_experiment_file(path: Path) -> ExperimentSpec:
    doc = _read_yaml(path)
    _check_keys(path, doc, {"name", "description", "variants"}, {"name", "variants"})
    if not isinstance(doc["variants"], list) or not doc["variants"]:
        raise HarnessError(f"{path}: key 'variants' must be a non-empty list")
    variants, seen = [], set()
    allowed = {f.name for f in dataclasses.fields(VariantSpec)}
    for index, raw in enumerate(doc["variants"]):
        where = f" in variants[{index}]"
        if not isinstance(raw, dict):
            raise HarnessError(f"{path}: variants[{index}] must be a mapping")
        _check_keys(path, raw, allowed, {"name", "family"}, where)
        if raw["name"] in seen:
            raise HarnessError(f"{path}: duplicate variant name {raw['name']!r}{where}")
        seen.add(raw["name"])
        _check_choice(path, f"variants[{index}].family", raw["family"], VARIANT_FAMILIES)
        _check_choice(path, f"variants[{index}].mode", raw.get("mode", "single"), VARIANT_MODES)
        intermediate = tuple(raw.get("intermediate") or ())
        if raw.get("mode", "single") == "single" and len(intermediate) > 1:
            raise HarnessError(f"{path}: variant {raw['name']!r} lists several intermediate tasks; set mode: multitask")
        variant = VariantSpec(name=raw["name"], family=raw["family"], intermediate=intermediate,
                              mode=raw.get("mode", "single"), description=raw.get("description", ""))
        twin = next((v for v in variants if _trains_the_same(v, variant)), None)
        if twin is not None:
            raise HarnessError(
                f"{path}: variants {twin.name!r} and {variant.name!r}{where} train the same thing "
                f"(intermediate {list(variant.intermediate)}, mode {variant.mode}); every step of both would be "
                "identical and counted twice: drop one, or make them differ")
        variants.append(variant)
    return ExperimentSpec(name=doc["name"], variants=tuple(variants), description=doc.get("description", ""),
                          source_file=str(path))


def _trains_the_same(a: VariantSpec, b: VariantSpec) -> bool:
    """Two variants whose intermediate training is identical (a multi-task mix is a set of tasks)."""
    if not a.intermediate and not b.intermediate:
        return True
    if a.mode != b.mode:
        return False
    if a.mode == "multitask":
        return sorted(a.intermediate) == sorted(b.intermediate)
    return a.intermediate == b.intermediate


def _register(table: dict, name: str, item: Any, path: Path, kind: str) -> None:
    if name in table:
        raise HarnessError(f"{path}: duplicate {kind} name {name!r} (already defined in {table[name].source_file})")
    table[name] = item


def _spec_files(root: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every YAML file under ``root``, at any depth, in a stable order."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        parts = path.relative_to(root).parts
        top = parts[0] if len(parts) > 1 else ""
        if top in NON_TASK_FOLDERS or any(part.startswith(".") for part in parts):
            continue
        kind = "suite" if top in SUITE_FOLDERS else "experiment" if top in EXPERIMENT_FOLDERS else "task"
        found.append((kind, path))
    return found


def load_registry(tasks_dir: Path | str | None = None, extra_dirs: list[Path | str] | tuple = ()) -> Registry:
    """Load every spec under ``tasks_dir`` (the built-in ones by default) and ``extra_dirs``.

    Folders are read recursively: ``suites/`` and ``experiments/`` at the top of a folder hold
    suites and experiments, every other YAML file is a task (``tasks/custom/x.yaml`` too).
    ``extra_dirs`` add a user's specs; a name defined twice is an error naming both files.
    References between specs are checked once everything is loaded.
    """
    roots = [Path(tasks_dir) if tasks_dir else TASKS_DIR, *(Path(d) for d in extra_dirs)]
    tasks: dict[str, TaskSpec] = {}
    suites: dict[str, SuiteSpec] = {}
    experiments: dict[str, ExperimentSpec] = {}
    for root in roots:
        if not root.is_dir():
            raise HarnessError(f"{root}: task spec folder not found")
        for kind, path in _spec_files(root):
            if kind == "task":
                for spec in load_task_file(path):
                    _register(tasks, spec.name, spec, path, "task")
            elif kind == "suite":
                suite = load_suite_file(path)
                _register(suites, suite.name, suite, path, "suite")
            else:
                experiment = load_experiment_file(path)
                _register(experiments, experiment.name, experiment, path, "experiment")
    _check_references(tasks, suites, experiments)
    # tasks/models/ holds model specs, not tasks: the recursive task walk skips that folder.
    from harness.models.specs import load_model_specs

    models: dict = {}
    for root in roots:
        for name, model in load_model_specs(root / "models").items():
            if name in models:
                raise HarnessError(f"{model.source_file if hasattr(model, 'source_file') else root}: "
                                   f"duplicate model name {name!r}")
            models[name] = model
    return Registry(tasks=tasks, suites=suites, experiments=experiments, models=models)


def _check_references(tasks: dict[str, TaskSpec], suites: dict[str, SuiteSpec],
                      experiments: dict[str, ExperimentSpec]) -> None:
    for task in tasks.values():
        if task.train_source is not None and task.train_source not in tasks:
            raise HarnessError(f"{task.source_file}: key 'train_source' names unknown task {task.train_source!r}")
        for where, name in task.data_layout.referenced_tasks() if task.data_layout else ():
            if name not in tasks:
                raise HarnessError(f"{where}: key 'task' names unknown task {name!r}")
    bundle_specs([(t.name, t.data_layout.download if t.data_layout else None) for t in tasks.values()])
    for suite in suites.values():
        for name in suite.tasks:
            if name not in tasks:
                raise HarnessError(f"{suite.source_file}: key 'tasks' names unknown task {name!r}")
            if tasks[name].role != "target":
                raise HarnessError(f"{suite.source_file}: key 'tasks': {name!r} is an intermediate task, not a target task")
        if suite.experiment is not None and suite.experiment not in experiments:
            raise HarnessError(f"{suite.source_file}: key 'experiment' names unknown experiment {suite.experiment!r}")
    for experiment in experiments.values():
        for variant in experiment.variants:
            for name in variant.intermediate:
                if name not in tasks:
                    raise HarnessError(f"{experiment.source_file}: variant {variant.name!r} names unknown intermediate task {name!r}")
                if tasks[name].role != "intermediate":
                    raise HarnessError(f"{experiment.source_file}: variant {variant.name!r}: {name!r} is not an intermediate task")


_added_dirs: list[Path] = []


def env_tasks_dirs() -> list[Path]:
    """The folders HARNESS_TASKS_DIR adds (separated by os.pathsep; empty entries ignored)."""
    value = os.environ.get(TASKS_DIR_ENV, "")
    return [Path(part) for part in value.split(os.pathsep) if part]


def add_tasks_dirs(dirs: list[Path | str] | tuple) -> None:
    """Add user spec folders (``--tasks-dir``) to the registry every command and the data layer use."""
    for folder in dirs:
        path = Path(folder)
        if not path.is_dir():
            raise HarnessError(f"--tasks-dir {folder}: folder not found")
        if path not in _added_dirs:
            _added_dirs.append(path)
    default_registry.cache_clear()


@cache
def default_registry() -> Registry:
    """The built-in specs plus HARNESS_TASKS_DIR and ``add_tasks_dirs`` folders (loaded once per process)."""
    extra: list[Path] = []
    for folder in [*env_tasks_dirs(), *_added_dirs]:
        if folder.resolve() != TASKS_DIR.resolve() and folder not in extra:
            extra.append(folder)
    return load_registry(TASKS_DIR, extra_dirs=extra)


# The data layer resolves task names and lists downloads through this registry, without
# importing this module (it sits below it): see harness/data/catalog.py.
register_catalog(default_registry)
