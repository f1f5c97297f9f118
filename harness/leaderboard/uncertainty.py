"""Confidence intervals for a board: the paired bootstrap of `harness.stats.bootstrap`, applied
to every full-run system of a suite at once and aggregated exactly as XTREME aggregates.

How one replicate is built. Each test set (task, language) is resampled once per replicate,
and that same draw scores every system and every seed (paired). Within the replicate a
system's language score is the mean over its seeds of the metric on the draw; its task score
the mean over the task's languages (QA: mean of EM and F1 per language first); a category the
mean of its tasks; the overall the mean over tasks and, separately, over categories. So each
replicate is a whole alternative board, and any difference (variant − baseline, one family's
mean − the other's) is read off the same replicate. Seed-to-seed spread is not part of the
interval: it is reported beside it (standard deviation of the per-seed differences).

Only full runs enter (smoke and partial runs are never compared), and only systems whose every
record has a valid evidence sidecar; others show numbers without an interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.leaderboard.board import SuiteBoard, SystemRow
from harness.spec import GROUP_TITLES, GROUPS, Registry
from harness.stats.bootstrap import (
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    Estimate,
    bootstrap_test_set,
    estimate,
)


@dataclass
class SystemReplicates:
    """One system's scores in every replicate, at each level of the aggregation."""

    languages: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    tasks: dict[str, np.ndarray] = field(default_factory=dict)
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    overall: dict[str, np.ndarray] = field(default_factory=dict)

    def get(self, level: str, key) -> np.ndarray | None:
        return getattr(self, level).get(key)


def observed(row: SystemRow, board: SuiteBoard, level: str, key) -> float | None:
    """The row's recorded (seed-mean) figure at `level`: languages key (task, lang), else a name."""
    if level == "languages":
        task, lang = key
        return row.language_score(next(t for t in board.tasks if t.name == task), lang)
    if level == "tasks":
        return row.task_score(key)
    if level == "groups":
        return row.group_score(key)
    return row.overall.get(key)


def seed_values(row: SystemRow, level: str, key) -> list[float]:
    if level not in ("tasks", "groups", "overall"):
        return []   # the sheet keeps no per-seed values per language
    return list(row.sheet.get("spread", {}).get(level, {}).get(key, {}).get("values", []))


class BoardBootstrap:
    """Replicates of every full-run system of `board` that has evidence for all its records."""

    def __init__(self, board: SuiteBoard, evidence_of: Callable, *, replicates: int = DEFAULT_REPLICATES,
                 seed: int = DEFAULT_SEED):
        self.board = board
        self.replicates = replicates
        self.seed = seed
        self.systems: dict[tuple, SystemReplicates] = {}
        rows = [row for row in board.systems if row.trusted]
        for row in rows:
            self.systems[row.key] = SystemReplicates()
        self._languages(rows, evidence_of)
        for row in rows:
            self._aggregate(row)

    def _languages(self, rows: list[SystemRow], evidence_of: Callable) -> None:
        for task in self.board.tasks:
            per_row: dict[tuple, list] = {}
            for row in rows:
                records = [r for r in row.records if r.task == task.name]
                evidence = [evidence_of(r) for r in records]
                if records and all(e is not None for e in evidence):
                    per_row[row.key] = evidence
            for lang in self.board.languages(task):
                items, owners = [], []
                kinds = set()
                for key, evidence in per_row.items():
                    if all(lang in e.languages for e in evidence):
                        for e in evidence:
                            item = e.languages[lang]
                            items.append((item.ids, item.stats))
                            owners.append(key)
                            kinds.add(item.kind)
                if not items or len(kinds) != 1:
                    continue
                scores = bootstrap_test_set(kinds.pop(), items, task=task.name, language=lang,
                                            replicates=self.replicates, seed=self.seed)
                grouped: dict[tuple, list[np.ndarray]] = defaultdict(list)
                for owner, values in zip(owners, scores, strict=True):
                    grouped[owner].append(values)
                for owner, values in grouped.items():  # mean over seeds inside each replicate
                    self.systems[owner].languages[(task.name, lang)] = np.mean(values, axis=0)

    def _aggregate(self, row: SystemRow) -> None:
        reps = self.systems[row.key]
        for task in self.board.tasks:
            entry = row.sheet["tasks"].get(task.name)
            if entry is None or entry.get("score") is None:
                continue
            langs = list(entry["languages"])
            if langs and all((task.name, lang) in reps.languages for lang in langs):
                reps.tasks[task.name] = np.mean([reps.languages[(task.name, lang)] for lang in langs], axis=0)
        for group, entry in row.sheet["groups"].items():
            if all(t in reps.tasks for t in entry["tasks"]):
                reps.groups[group] = np.mean([reps.tasks[t] for t in entry["tasks"]], axis=0)
        suite_tasks = [t.name for t in self.board.tasks]
        if "mean_over_tasks" in row.overall and all(t in reps.tasks for t in suite_tasks):
            reps.overall["mean_over_tasks"] = np.mean([reps.tasks[t] for t in suite_tasks], axis=0)
        if "mean_over_groups" in row.overall and all(g in reps.groups for g in self.board.groups):
            reps.overall["mean_over_groups"] = np.mean([reps.groups[g] for g in self.board.groups], axis=0)

    def has(self, row: SystemRow) -> bool:
        return row.key in self.systems and bool(self.systems[row.key].languages)

    def score(self, row: SystemRow, level: str, key) -> Estimate | None:
        """A system's own figure with its interval (no difference)."""
        value = observed(row, self.board, level, key)
        reps = self.systems.get(row.key)
        values = None if reps is None else reps.get(level, key)
        if value is None or values is None:
            return None
        return estimate(value, values)

    def contrast(self, first: Sequence[SystemRow], second: Sequence[SystemRow], level: str, key) -> Estimate | None:
        """mean over `first` − mean over `second` of one figure, paired over the same replicates."""
        if not first or not second:
            return None
        values_a = [observed(r, self.board, level, key) for r in first]
        values_b = [observed(r, self.board, level, key) for r in second]
        reps_a = [self.systems[r.key].get(level, key) if r.key in self.systems else None for r in first]
        reps_b = [self.systems[r.key].get(level, key) if r.key in self.systems else None for r in second]
        if any(v is None for v in values_a + values_b) or any(r is None for r in reps_a + reps_b):
            return None
        value = float(np.mean(values_a) - np.mean(values_b))
        deltas = np.mean(reps_a, axis=0) - np.mean(reps_b, axis=0)
        spread, n = _seed_spread(first, second, level, key)
        return estimate(value, deltas, seed_std=spread, seeds=n)


def _seed_spread(first: Sequence[SystemRow], second: Sequence[SystemRow], level: str, key) -> tuple[float | None, int]:
    """Standard deviation over seeds of the contrast, when every system ran the same seeds."""
    rows = list(first) + list(second)
    seeds = {tuple(r.seeds) for r in rows}
    values = [seed_values(r, level, key) for r in rows]
    if len(seeds) != 1 or any(len(v) != len(rows[0].seeds) for v in values) or len(rows[0].seeds) < 2:
        return None, len(rows[0].seeds) if rows else 1
    a = np.mean(values[: len(first)], axis=0)
    b = np.mean(values[len(first):], axis=0)
    return float(np.std(a - b, ddof=1)), len(rows[0].seeds)


# --------------------------------------------------------------------------- matched variants


def _signature(row: SystemRow, registry: Registry) -> tuple | None:
    """What must agree for two variants to be compared head to head: mode, task types, sizes."""
    if not row.intermediate:
        return None
    experiment = registry.experiments.get(row.experiment)
    mode = "single"
    if experiment is not None:
        mode = next((v.mode for v in experiment.variants if v.name == row.variant), "single")
    types, sizes = [], []
    for name in row.intermediate:
        spec = registry.tasks.get(name)
        if spec is None:
            return None
        types.append(spec.task_type)
        sizes.append(spec.sizes.get("train"))
    return (mode, tuple(types), tuple(sizes))


def _sizes_match(a: tuple, b: tuple) -> bool:
    """Training sizes within a factor of two (unknown sizes: the task types decide alone)."""
    for x, y in zip(a, b, strict=True):
        if x and y and max(x, y) > 2 * min(x, y):
            return False
    return True


def matched_pairs(rows: Sequence[SystemRow], registry: Registry, first: str = "non_english",
                  second: str = "english") -> list[tuple[SystemRow, SystemRow]]:
    """(first-family variant, second-family variant) pairs of the same intermediate task type,
    training mode and size (within 2×): e.g. German NLI against English NLI, never against QA."""
    pairs = []
    for a in rows:
        if a.family != first or not a.trusted:
            continue
        sig_a = _signature(a, registry)
        for b in rows:
            if b.family != second or not b.trusted or (a.experiment, a.model) != (b.experiment, b.model):
                continue
            sig_b = _signature(b, registry)
            if sig_a and sig_b and sig_a[:2] == sig_b[:2] and _sizes_match(sig_a[2], sig_b[2]):
                pairs.append((a, b))
    return pairs


def levels(board: SuiteBoard) -> list[tuple[str, str, str]]:
    """The rows of a verdict table / forest plot, in order: (level, key, title)."""
    out = [("tasks", t.name, t.name) for t in board.tasks]
    out += [("groups", g, GROUP_TITLES[g]) for g in GROUPS if g in board.groups]
    out += [("overall", "mean_over_tasks", "overall (mean over tasks)"),
            ("overall", "mean_over_groups", "overall (mean over categories)")]
    return out

