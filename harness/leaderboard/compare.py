"""Differences against a baseline variant, per target task, category and language (the research
question's verdicts, with bootstrap intervals, are in question.py).

A variant is compared with the baseline of the same experiment and model. With several seeds
the difference is the difference of the seed means; its spread is the standard deviation of
the per-seed differences when both ran the same seeds (paired by seed number), otherwise the
spread of a difference of two independent draws, sqrt(sd_variant² + sd_baseline²).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from harness.leaderboard.board import SuiteBoard, SystemRow

OVERALL_KEYS = ("mean_over_tasks", "mean_over_groups")
FAMILY_TITLES = {
    "baseline": "No intermediate task",
    "english": "English intermediate task",
    "non_english": "Non-English entailment",
    "control": "Control",
}


@dataclass(frozen=True)
class Delta:
    """Variant minus baseline, in points; `std` and `n` describe the seeds behind it."""

    value: float
    std: float | None = None
    n: int = 1
    paired: bool = False


def _figure(row: SystemRow, kind: str, key: str) -> tuple[float | None, list[float], list[int]]:
    """The seed-mean value of one figure, its per-seed values and the seeds."""
    if kind == "overall":
        value = row.overall.get(key)
    elif kind == "groups":
        value = row.group_score(key)
    else:
        value = row.task_score(key)
    spread = row.sheet.get("spread", {}).get(kind, {}).get(key, {})
    return value, list(spread.get("values", [])), row.seeds


def figure_delta(row: SystemRow, base: SystemRow, kind: str, key: str) -> Delta | None:
    value, values, seeds = _figure(row, kind, key)
    base_value, base_values, base_seeds = _figure(base, kind, key)
    if value is None or base_value is None:
        return None
    n = len(values) or 1
    if n == 1 and len(base_values) <= 1:
        return Delta(value - base_value, None, 1)
    if seeds == base_seeds and len(values) == len(base_values) == len(seeds):
        differences = [a - b for a, b in zip(values, base_values, strict=True)]
        return Delta(value - base_value, statistics.stdev(differences), n, paired=True)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    base_sd = statistics.stdev(base_values) if len(base_values) > 1 else 0.0
    return Delta(value - base_value, math.sqrt(sd**2 + base_sd**2), n)


@dataclass
class VariantDeltas:
    row: SystemRow
    overall: dict[str, Delta | None]
    groups: dict[str, Delta | None]
    tasks: dict[str, Delta | None]
    # (level, key) → paired bootstrap estimate of the difference, when evidence exists (see attach_intervals).
    intervals: dict = field(default_factory=dict)

    def interval(self, level: str, key: str):
        return self.intervals.get((level, key))


@dataclass
class ComparisonGroup:
    """The variants of one (experiment, model), each against that pair's baseline variant."""

    experiment: str
    model: str
    baseline: SystemRow | None
    variants: list[VariantDeltas] = field(default_factory=list)
    others: list[SystemRow] = field(default_factory=list)  # rows with nothing to compare to
    untrusted: list[SystemRow] = field(default_factory=list)  # smoke/partial runs: never compared


def compare_variants(board: SuiteBoard, baseline_variant: str) -> list[ComparisonGroup]:
    """Per (experiment, model): every non-baseline full-run variant's deltas per task, group and
    overall against the full-run baseline. Smoke and partial runs are listed apart, never compared
    and never a baseline."""
    grouped: dict[tuple[str, str], list[SystemRow]] = defaultdict(list)
    for row in board.systems:
        grouped[(row.experiment, row.model)].append(row)
    comparisons = []
    for (experiment, model), rows in sorted(grouped.items()):
        base = next((row for row in rows if row.variant == baseline_variant and row.trusted), None)
        group = ComparisonGroup(experiment=experiment, model=model, baseline=base)
        for row in sorted(rows, key=board.variant_order):
            if row is base:
                continue
            if not row.trusted:
                group.untrusted.append(row)
                continue
            if base is None:
                group.others.append(row)
                continue
            group.variants.append(VariantDeltas(
                row=row,
                overall={key: figure_delta(row, base, "overall", key) for key in OVERALL_KEYS},
                groups={g: figure_delta(row, base, "groups", g) for g in board.groups},
                tasks={t.name: figure_delta(row, base, "tasks", t.name) for t in board.tasks},
            ))
        comparisons.append(group)
    return comparisons


def attach_intervals(comparisons: list[ComparisonGroup], bootstrap) -> None:
    """Fill each variant's `intervals` with paired bootstrap estimates of its differences."""
    if bootstrap is None:
        return
    for group in comparisons:
        if group.baseline is None:
            continue
        for variant in group.variants:
            for level, keys in (("overall", OVERALL_KEYS), ("groups", list(variant.groups)),
                                ("tasks", list(variant.tasks))):
                for key in keys:
                    est = bootstrap.contrast([variant.row], [group.baseline], level, key)
                    if est is not None:
                        variant.intervals[(level, key)] = est
