"""XTREME's aggregation: metric per language → mean over languages per task (QA: mean of EM
and F1) → group scores and an overall score, each only when every member is present.

Two overall figures are reported, labelled: the mean over tasks (XTREME's scorer) and the
mean over categories (XTREME's paper and leaderboard). Membership comes from the suite, so the
`mini` suite aggregates over its own tasks and languages.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping

from harness.metrics.registry import metric_of
from harness.results.record import ResultRecord
from harness.spec import GROUPS, Registry, SuiteSpec, TaskSpec

Languages = Mapping[str, Mapping[str, float]]


def main_score(task: TaskSpec, metric_means: Mapping[str, float]) -> float:
    """The task's headline number from its per-metric means over languages (the metric
    registry's rule: QA the mean of EM and F1, else the one main key)."""
    return metric_of(task).main_score(metric_means)


def score_task(task: TaskSpec, languages: Languages, expected: Iterable[str]) -> dict:
    """Task entry: mean of each metric over the languages present, the main score, completeness."""
    expected = list(expected)
    present = [lang for lang in expected if lang in languages]
    missing = [lang for lang in expected if lang not in languages]
    extra = sorted(set(languages) - set(expected))
    entry: dict = {
        "languages": {lang: dict(languages[lang]) for lang in present},
        "complete": not missing,
        "missing_languages": missing,
    }
    if extra:
        entry["ignored_languages"] = extra
    if not present:
        entry.update(score=None, metrics={})
        return entry
    metric_means = {
        metric: sum(languages[lang][metric] for lang in present) / len(present)
        for metric in task.metric_keys
        if all(metric in languages[lang] for lang in present)
    }
    entry["metrics"] = metric_means
    entry["score"] = main_score(task, metric_means)
    return entry


def aggregate(per_task: Mapping[str, Languages], suite: SuiteSpec, registry: Registry) -> dict:
    """The XTREME score sheet for one system: tasks, groups and overall, with partial flags."""
    tasks: dict[str, dict] = {}
    for name in suite.tasks:
        if name in per_task:
            spec = registry.task(name)
            tasks[name] = score_task(spec, per_task[name], suite.task_languages(spec))
    scored = {name: entry for name, entry in tasks.items() if entry["score"] is not None}

    groups: dict[str, dict] = {}
    for group in GROUPS:
        members = [name for name in suite.tasks if registry.task(name).group == group]
        if members and all(name in scored for name in members):
            groups[group] = {
                "score": sum(scored[name]["score"] for name in members) / len(members),
                "tasks": members,
                "partial": not all(scored[name]["complete"] for name in members),
            }

    overall: dict = {}
    # Ordered (first appearance in the suite), not a set: a sum over a set of strings changes
    # its last bits with PYTHONHASHSEED, as the official scorer's overall does.
    suite_groups = tuple(dict.fromkeys(registry.task(name).group for name in suite.tasks))
    if scored and all(name in scored for name in suite.tasks):
        # Summed in the suite's task order (for `xtreme`, the order of evaluate.py's TASK2LANGS).
        overall["mean_over_tasks"] = sum(scored[name]["score"] for name in suite.tasks) / len(scored)
        if all(group in groups for group in suite_groups):
            overall["mean_over_groups"] = sum(groups[g]["score"] for g in suite_groups) / len(suite_groups)
        overall["partial"] = not all(e["complete"] for e in scored.values())
    partial = any(not e["complete"] for e in tasks.values()) or len(scored) < len(suite.tasks)
    return {"suite": suite.name, "tasks": tasks, "groups": groups, "overall": overall, "partial": partial}


def system_key(record: ResultRecord) -> tuple[str, str, str]:
    return (record.experiment, record.variant, record.model)


def aggregate_records(records: Iterable[ResultRecord], suite: SuiteSpec, registry: Registry) -> list[dict]:
    """One score sheet per (experiment, variant, model), with seeds summarised.

    Each seed is aggregated on its own; the sheet's numbers are the means over seeds, and
    `seeds` holds, per task/group/overall figure, the per-seed values, their standard
    deviation and count, so a reader can judge whether a difference is noise.
    """
    by_system: dict[tuple, dict] = defaultdict(lambda: defaultdict(dict))
    families: dict[tuple, str | None] = {}
    for record in records:
        if record.suite != suite.name:
            continue
        key = system_key(record)
        seed = record.seed if record.seed is not None else 0
        if record.task in by_system[key][seed]:
            raise ValueError(f"two records for {key} task {record.task} seed {seed}")
        by_system[key][seed][record.task] = record.languages
        families[key] = record.variant_family or families.get(key)
    sheets = []
    for key in sorted(by_system):
        per_seed = {seed: aggregate(tasks, suite, registry) for seed, tasks in sorted(by_system[key].items())}
        sheet = _mean_over_seeds(list(per_seed.values()))
        sheet.update(experiment=key[0], variant=key[1], model=key[2], family=families[key],
                     seeds=sorted(per_seed))
        sheets.append(sheet)
    return sheets


def _spread(values: list[float]) -> dict:
    return {"values": values, "n": len(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def _mean_over_seeds(sheets: list[dict]) -> dict:
    """Average sheets of several seeds; a figure is kept only if every seed has it."""
    if len(sheets) == 1:
        sheet = dict(sheets[0])
        _attach_spread(sheet, sheets)
        return sheet
    first = sheets[0]
    merged: dict = {"suite": first["suite"], "partial": any(s["partial"] for s in sheets)}
    merged["tasks"] = {}
    for task, entry in first["tasks"].items():
        entries = [s["tasks"].get(task) for s in sheets]
        if any(e is None or e["score"] is None for e in entries):
            continue
        languages = {
            lang: {m: statistics.fmean(e["languages"][lang][m] for e in entries) for m in metrics}
            for lang, metrics in entry["languages"].items()
            if all(lang in e["languages"] for e in entries)
        }
        merged["tasks"][task] = {
            "score": statistics.fmean(e["score"] for e in entries),
            "metrics": {m: statistics.fmean(e["metrics"][m] for e in entries) for m in entry["metrics"]},
            "languages": languages,
            "complete": all(e["complete"] for e in entries),
            "missing_languages": sorted({lang for e in entries for lang in e["missing_languages"]}),
        }
    merged["groups"] = {
        g: {"score": statistics.fmean(s["groups"][g]["score"] for s in sheets), "tasks": entry["tasks"],
            "partial": any(s["groups"][g]["partial"] for s in sheets)}
        for g, entry in first["groups"].items() if all(g in s["groups"] for s in sheets)
    }
    merged["overall"] = {}
    for key in ("mean_over_tasks", "mean_over_groups"):
        if all(key in s["overall"] for s in sheets):
            merged["overall"][key] = statistics.fmean(s["overall"][key] for s in sheets)
    if merged["overall"]:
        merged["overall"]["partial"] = any(s["overall"].get("partial", True) for s in sheets)
    _attach_spread(merged, sheets)
    return merged


def _attach_spread(merged: dict, sheets: list[dict]) -> None:
    spread: dict = {"tasks": {}, "groups": {}, "overall": {}}
    for task in merged["tasks"]:
        spread["tasks"][task] = _spread([s["tasks"][task]["score"] for s in sheets])
    for group in merged["groups"]:
        spread["groups"][group] = _spread([s["groups"][group]["score"] for s in sheets])
    for key in ("mean_over_tasks", "mean_over_groups"):
        if key in merged["overall"]:
            spread["overall"][key] = _spread([s["overall"][key] for s in sheets])
    merged["spread"] = spread
