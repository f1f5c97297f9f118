"""The scores the regression gate compares: per system, per task, the task score and per-language scores.

A system is (suite, experiment, variant, model). The task score is XTREME's (mean over languages of
the main metric; QA: mean of EM and F1), the language score the main metric in that language;
seeds are averaged exactly as on the leaderboard (`aggregate_records`). The baseline file stores
the same figures, so `--update-baseline` and a later check read and write one format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.results import ResultRecord, aggregate_records, main_score, write_json_atomic
from harness.results.placement import check_records
from harness.results.validate import load_json_document
from harness.spec import Registry

BASELINE_FORMAT = "harness-score-baseline"
BASELINE_VERSION = 1
DECIMALS = 4


@dataclass(frozen=True, order=True)
class SystemId:
    suite: str
    experiment: str
    variant: str
    model: str

    def __str__(self) -> str:
        return f"{self.suite}:{self.experiment}/{self.variant} @ {self.model}"


@dataclass
class TaskScores:
    score: float
    languages: dict[str, float] = field(default_factory=dict)


Scores = dict[SystemId, dict[str, TaskScores]]


def _round(value: float) -> float:
    return round(value, DECIMALS)


def current_scores(records: list[ResultRecord], registry: Registry) -> Scores:
    """The task and language scores of every system in `records`, rounded as the baseline stores them."""
    check_records(records, registry)
    scores: Scores = {}
    for suite_name in sorted({r.suite for r in records}):
        suite = registry.suite(suite_name)
        try:
            sheets = aggregate_records(records, suite, registry)
        except ValueError as err:
            raise HarnessError(f"suite {suite_name}: {err}; remove the duplicate result file") from None
        for sheet in sheets:
            system = SystemId(suite_name, sheet["experiment"], sheet["variant"], sheet["model"])
            tasks: dict[str, TaskScores] = {}
            for task_name, entry in sorted(sheet["tasks"].items()):
                if entry["score"] is None:
                    continue
                task = registry.task(task_name)
                languages = {}
                for lang, metrics in sorted(entry["languages"].items()):
                    try:
                        languages[lang] = _round(main_score(task, metrics))
                    except KeyError:
                        continue
                tasks[task_name] = TaskScores(_round(entry["score"]), languages)
            scores[system] = tasks
    return dict(sorted(scores.items()))


# --------------------------------------------------------------------------- baseline file


def baseline_document(scores: Scores) -> dict[str, Any]:
    return {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "systems": [
            {"suite": s.suite, "experiment": s.experiment, "variant": s.variant, "model": s.model,
             "tasks": {name: {"score": t.score, "languages": dict(sorted(t.languages.items()))}
                       for name, t in sorted(tasks.items())}}
            for s, tasks in sorted(scores.items())
        ],
    }


def write_baseline(path: Path, scores: Scores) -> None:
    """Write the scores as the new baseline, atomically (a crash never leaves half a file)."""
    write_json_atomic(Path(path), baseline_document(scores))


def _number(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise HarnessError(f"{path}: {where} must be a finite number, got {value!r}; fix it or rewrite the file "
                           "with --update-baseline")
    if not 0 <= value <= 100:
        raise HarnessError(f"{path}: {where} is {value}; scores are on the 0-100 scale")
    return float(value)


def read_baseline(path: Path, registry: Registry, *, allow_empty: bool = False) -> Scores:
    """Read and validate a baseline file; any problem is a HarnessError (exit 2) naming the place.

    A baseline without a single score would pass anything, so it is refused unless `allow_empty`
    (for `--update-baseline`, which replaces it).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise HarnessError(f"{path}: baseline file not found; create one with `harness check --results-dir DIR "
                           f"--baseline {path} --update-baseline`")
    document = load_json_document(path, "baseline file")
    if not isinstance(document, dict) or document.get("format") != BASELINE_FORMAT:
        raise HarnessError(f"{path}: not a score baseline (expected \"format\": \"{BASELINE_FORMAT}\"); "
                           "write one with --update-baseline")
    if document.get("version") != BASELINE_VERSION:
        raise HarnessError(f"{path}: baseline version {document.get('version')!r} is not supported "
                           f"(this harness reads version {BASELINE_VERSION})")
    systems = document.get("systems")
    if not isinstance(systems, list):
        raise HarnessError(f"{path}: key 'systems' must be a list")
    if not systems and not allow_empty:
        raise HarnessError(f"{path}: the baseline holds no systems, so it would pass anything; rewrite it from "
                           "good results with --update-baseline")
    scores: Scores = {}
    for index, entry in enumerate(systems):
        where = f"systems[{index}]"
        if not isinstance(entry, dict):
            raise HarnessError(f"{path}: {where} must be an object")
        for key in ("suite", "experiment", "variant", "model"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise HarnessError(f"{path}: {where}.{key} must be a non-empty string")
        system = SystemId(entry["suite"], entry["experiment"], entry["variant"], entry["model"])
        if system.suite not in registry.suites:
            raise HarnessError(f"{path}: {where}.suite: unknown suite {system.suite!r}; known: "
                               f"{', '.join(sorted(registry.suites))}")
        if system in scores:
            raise HarnessError(f"{path}: {where} repeats system {system}")
        tasks = entry.get("tasks")
        if not isinstance(tasks, dict):
            raise HarnessError(f"{path}: {where}.tasks must map task names to scores")
        parsed: dict[str, TaskScores] = {}
        for name, task in tasks.items():
            task_where = f"{where}.tasks.{name}"
            if name not in registry.tasks:
                raise HarnessError(f"{path}: {task_where}: unknown task {name!r}; `harness ls tasks` lists the known ones")
            if name not in registry.suites[system.suite].tasks:
                raise HarnessError(f"{path}: {task_where}: task {name!r} is not part of suite {system.suite!r}")
            if not isinstance(task, dict) or not isinstance(task.get("languages", {}), dict):
                raise HarnessError(f"{path}: {task_where} must be an object with 'score' and 'languages'")
            languages = {str(lang): _number(path, f"{task_where}.languages.{lang}", value)
                         for lang, value in task.get("languages", {}).items()}
            parsed[name] = TaskScores(_number(path, f"{task_where}.score", task.get("score")), languages)
        scores[system] = parsed
    if systems and not any(scores.values()) and not allow_empty:
        raise HarnessError(f"{path}: no system in the baseline has a task score, so it would pass anything; "
                           "rewrite it from good results with --update-baseline")
    return dict(sorted(scores.items()))
