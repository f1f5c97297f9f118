"""Score an XTREME submission folder (`<task>/test-<lang>.tsv|json`) against a label folder.

The numbers are exactly those of XTREME's official `evaluate.py` (same readers, same metric
calls, same averaging); what differs is that a bad submission is refused with one message
naming the file and line, instead of a traceback or a silently wrong score.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from harness.errors import HarnessError
from harness.metrics.registry import format_of, score_files
from harness.results.aggregate import aggregate
from harness.spec import GROUP_TITLES, Registry, SuiteSpec, TaskSpec, default_registry
from harness.text_safety import visible

log = logging.getLogger(__name__)


def score_file(task: TaskSpec, prediction: Path, gold: Path, language: str) -> dict[str, float]:
    """Metrics for one language file of one task: the task's prediction format reads and checks
    both files, its metric computes (both from `harness.metrics.registry`)."""
    return score_files(task, prediction, gold, language)


# --------------------------------------------------------------------------- folders


def score_submission(predictions_dir: Path, labels_dir: Path, tasks: Sequence[str] | None = None,
                     allow_partial: bool = False, suite: SuiteSpec | None = None,
                     registry: Registry | None = None, split: str = "test") -> dict:
    """Score every requested task present in the submission; returns the aggregate sheet."""
    registry = registry or default_registry()
    suite = suite or registry.suite("xtreme")
    for folder, what in ((predictions_dir, "predictions"), (labels_dir, "labels")):
        if not Path(folder).is_dir():
            raise HarnessError(f"{folder}: {what} folder not found")
    if tasks:
        for name in tasks:
            if name not in suite.tasks:
                raise HarnessError(f"--tasks: {name!r} is not a task of suite {suite.name!r} ({', '.join(suite.tasks)})")
        wanted = list(tasks)
    else:
        wanted = [name for name in suite.tasks if (Path(predictions_dir) / name).is_dir()]
        if not wanted:
            raise HarnessError(f"{predictions_dir}: no task folders found (expected e.g. {suite.tasks[0]}/test-<lang>.tsv)")
    per_task: dict[str, dict[str, dict[str, float]]] = {}
    for name in wanted:
        task = registry.task(name)
        scores: dict[str, dict[str, float]] = {}
        for lang in suite.task_languages(task):
            filename = f"{split}-{lang}.{format_of(task).suffix}"
            prediction, gold = Path(predictions_dir) / name / filename, Path(labels_dir) / name / filename
            missing = [p for p in (prediction, gold) if not p.is_file()]
            if missing:
                if allow_partial:
                    log.warning("%s: missing; %s %s left out (--allow-partial)", missing[0], name, lang)
                    continue
                raise HarnessError(f"{missing[0]}: file not found; every language of {name} is needed (or pass --allow-partial)")
            scores[lang] = score_file(task, prediction, gold, lang)
        if scores:
            per_task[name] = scores
        elif not allow_partial:
            raise HarnessError(f"{name}: no language could be scored")
    return aggregate(per_task, suite, registry)


def format_table(sheet: dict, registry: Registry | None = None) -> str:
    """A plain-text summary of a score sheet for the terminal."""
    registry = registry or default_registry()
    rows = [f"{'task':<10} {'score':>7}  metrics (mean over languages)"]
    for name, entry in sheet["tasks"].items():
        score = "-" if entry["score"] is None else f"{entry['score']:.2f}"
        metrics = ", ".join(f"{m}={v:.2f}" for m, v in entry["metrics"].items())
        flag = "" if entry["complete"] else f"  [partial: missing {', '.join(entry['missing_languages'])}]"
        rows.append(f"{name:<10} {score:>7}  {metrics}{flag}")
    rows.append("")
    for group, entry in sheet["groups"].items():
        flag = " (partial)" if entry["partial"] else ""
        rows.append(f"{GROUP_TITLES[group]:<24} {entry['score']:.2f}{flag}")
    overall = sheet["overall"]
    if overall:
        flag = " (partial)" if overall.get("partial") else ""
        rows.append(f"{'Overall, mean over tasks':<34} {overall['mean_over_tasks']:.2f}{flag}")
        if "mean_over_groups" in overall:
            rows.append(f"{'Overall, mean over categories':<34} {overall['mean_over_groups']:.2f}{flag}")
    else:
        rows.append("Overall: not shown (not every task of the suite was scored)")
    return visible("\n".join(rows))  # names come from specs a user may edit: no live control codes
