"""The leaderboard's numbers: one board per suite, built from result records and the specs alone.

A board holds, per (experiment, variant, model), the score sheet of `aggregate_records` (seeds
summarised), plus what the records say about the run (family, intermediate tasks, run class)
and a rank. Only full runs are ranked: a smoke or partial run (record v2 `run_class`; for v1
records, `publishable` false) is shown apart and never ranked, compared or used as a baseline. Nothing here reads anything but the records and the registry, so the same results
always give the same board.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.errors import HarnessError
from harness.metrics.registry import metric_of
from harness.results import ResultRecord, aggregate_records, main_score
from harness.results.placement import check_records
from harness.spec import GROUP_TITLES, GROUPS, Registry, SuiteSpec, TaskSpec

UNKNOWN_FAMILY = "unknown"


@dataclass
class SystemRow:
    """One row of the main table: a model after one intermediate variant, seeds averaged."""

    experiment: str
    variant: str
    model: str
    family: str
    intermediate: tuple[str, ...]
    sheet: dict
    records: list[ResultRecord]
    rank: int | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """(experiment, variant, model); a smoke or partial run adds its class, so it stays a row
        of its own beside the full run of the same variant."""
        return system_key_of(self.records[0]) if self.records else (self.experiment, self.variant, self.model)

    @property
    def seeds(self) -> list[int]:
        return list(self.sheet.get("seeds", []))

    @property
    def publishable(self) -> bool:
        return all(record.publishable for record in self.records)

    @property
    def run_class(self) -> str:
        """'full' when every record is a full run; else the weakest class among them."""
        classes = {run_class_of(record) for record in self.records}
        for weakest in ("smoke", "partial"):
            if weakest in classes:
                return weakest
        return "full" if classes == {"full"} else "/".join(sorted(classes))

    @property
    def trusted(self) -> bool:
        """Only full runs are ranked, compared or used as a baseline."""
        return self.run_class == "full"

    @property
    def notes(self) -> list[str]:
        return sorted({record.notes for record in self.records if record.notes})

    @property
    def overall(self) -> dict:
        return self.sheet["overall"]

    def task_score(self, task: str) -> float | None:
        entry = self.sheet["tasks"].get(task)
        return None if entry is None else entry["score"]

    def group_score(self, group: str) -> float | None:
        entry = self.sheet["groups"].get(group)
        return None if entry is None else entry["score"]

    def language_score(self, task: TaskSpec, language: str) -> float | None:
        """The task's main metric in one language (QA: mean of EM and F1), seeds averaged."""
        entry = self.sheet["tasks"].get(task.name)
        if entry is None or language not in entry["languages"]:
            return None
        try:
            return main_score(task, entry["languages"][language])
        except KeyError:
            return None

    def language_metric(self, task: str, language: str, metric: str) -> float | None:
        entry = self.sheet["tasks"].get(task)
        if entry is None:
            return None
        return entry["languages"].get(language, {}).get(metric)


@dataclass
class SuiteBoard:
    """Everything the pages of one suite show."""

    suite: SuiteSpec
    tasks: list[TaskSpec]
    groups: list[str]
    systems: list[SystemRow]
    records: list[ResultRecord] = field(default_factory=list)
    # Position of each (experiment, variant) in its experiment spec: the one variant order of every page.
    variant_positions: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.suite.name

    @property
    def group_titles(self) -> dict[str, str]:
        return {group: GROUP_TITLES[group] for group in self.groups}

    def group_tasks(self, group: str) -> list[TaskSpec]:
        return [task for task in self.tasks if task.group == group]

    def languages(self, task: TaskSpec) -> list[str]:
        """The suite's languages of `task` and any extra one a record reports, in the suite's one order."""
        expected = set(self.suite.task_languages(task))
        extra = {lang for row in self.systems for lang in row.sheet["tasks"].get(task.name, {}).get("languages", {})}
        return sorted(expected | extra, key=language_order_key)

    def language_order(self) -> list[str]:
        """Every language of the suite's tasks, in the one order all pages use (English first, then by code)."""
        return sorted({lang for task in self.tasks for lang in self.languages(task)}, key=language_order_key)

    def variant_order(self, row: SystemRow) -> tuple:
        """The one variant order of every page: the experiment spec's order, then by name."""
        position = self.variant_positions.get((row.experiment, row.variant), len(self.variant_positions))
        return (row.experiment, position, row.variant, row.model)

    def is_qa(self, task: TaskSpec) -> bool:
        return metric_of(task).is_qa  # the metric registry says which metrics show EM / F1


# Used only when a task spec carries no `chance` (the score of guessing, 0-100).
CHANCE_FALLBACK = {"xnli": 100 / 3, "pawsx": 50.0}
# A score within this many points above chance is flagged as chance level.
CHANCE_MARGIN = 1.0


def chance_level(task: TaskSpec) -> float:
    """The task's chance score: the spec's `chance`, else the fallback table, else 0."""
    chance = getattr(task, "chance", None)
    if chance is None:
        chance = CHANCE_FALLBACK.get(task.name, 0.0)
    return float(chance)


def score_flag(task: TaskSpec, value: float | None) -> str | None:
    """'zero' for a score of 0, 'chance' for one at or near guessing, else None."""
    if value is None:
        return None
    if value <= 0.0:
        return "zero"
    chance = chance_level(task)
    if chance > 0 and value <= chance + CHANCE_MARGIN:
        return "chance"
    return None


def language_order_key(code: str) -> tuple[bool, str]:
    return (code != "en", code)


def system_key_of(record: ResultRecord) -> tuple[str, ...]:
    """The key of the board row a record belongs to (see SystemRow.key)."""
    base = (record.experiment, record.variant, record.model)
    run_class = run_class_of(record)
    return base if run_class == "full" else (*base, run_class)


def run_class_of(record: ResultRecord) -> str:
    """The record's run class ("full", "smoke", "partial"); v1 records: full when publishable, else smoke."""
    run_class = getattr(record, "run_class", None)
    if run_class and (run_class != "full" or record.publishable):
        return str(run_class)
    return "full" if record.publishable else "smoke"


def family_of(record: ResultRecord, registry: Registry) -> str:
    """The record's variant family, else the one its experiment spec declares."""
    if record.variant_family:
        return record.variant_family
    experiment = registry.experiments.get(record.experiment)
    if experiment is not None:
        for variant in experiment.variants:
            if variant.name == record.variant:
                return variant.family
    return UNKNOWN_FAMILY


def intermediate_of(experiment: str, variant: str, registry: Registry) -> tuple[str, ...]:
    spec = registry.experiments.get(experiment)
    if spec is not None:
        for candidate in spec.variants:
            if candidate.name == variant:
                return candidate.intermediate
    return ()


def build_boards(records: list[ResultRecord], registry: Registry, suites: Iterable[str] | None = None) -> list[SuiteBoard]:
    """One board per suite present in `records` (or per suite asked for), in name order."""
    check_records(records, registry)
    present = sorted({record.suite for record in records})
    wanted = present if suites is None else list(suites)
    for name in wanted:
        if name not in present:
            raise HarnessError(f"--suite {name}: no result records for this suite; suites present: {', '.join(present)}")
    boards = []
    for name in sorted(set(wanted)):
        suite = registry.suite(name)
        suite_records = [r for r in records if r.suite == name]
        boards.append(_build_board(suite, suite_records, registry))
    return boards


def _build_board(suite: SuiteSpec, records: list[ResultRecord], registry: Registry) -> SuiteBoard:
    by_system: dict[tuple[str, ...], list[ResultRecord]] = defaultdict(list)
    by_class: dict[str, list[ResultRecord]] = defaultdict(list)
    for record in records:
        by_system[system_key_of(record)].append(record)
        by_class[run_class_of(record)].append(record)
    sheets = []
    for run_class, members in sorted(by_class.items()):  # a smoke run is aggregated apart from the full one
        try:
            sheets += [(run_class, sheet) for sheet in aggregate_records(members, suite, registry)]
        except ValueError as err:
            raise HarnessError(f"suite {suite.name}: {err}; remove the duplicate result file") from None
    systems = []
    for run_class, sheet in sheets:
        key = (sheet["experiment"], sheet["variant"], sheet["model"])
        system_records = by_system[key if run_class == "full" else (*key, run_class)]
        families = sorted({family_of(r, registry) for r in system_records})
        systems.append(SystemRow(
            experiment=key[0], variant=key[1], model=key[2],
            family=families[0] if len(families) == 1 else "/".join(families),
            intermediate=intermediate_of(key[0], key[1], registry),
            sheet=sheet, records=sorted(system_records, key=_record_order)))
    tasks = [registry.task(name) for name in suite.tasks]
    groups = [group for group in GROUPS if any(task.group == group for task in tasks)]
    positions = {(e.name, v.name): i for e in registry.experiments.values() for i, v in enumerate(e.variants)}
    return SuiteBoard(suite=suite, tasks=tasks, groups=groups, systems=rank_systems(systems), records=records,
                      variant_positions=positions)


def _record_order(record: ResultRecord) -> tuple:
    return (record.task, record.seed if record.seed is not None else -1)


def ranking_score(row: SystemRow) -> float | None:
    """XTREME ranks by the mean over categories; a partial or missing overall, or a smoke or
    partial run, is not ranked."""
    if not row.trusted:
        return None
    overall = row.overall
    if "mean_over_groups" not in overall or overall.get("partial", True):
        return None
    return overall["mean_over_groups"]


def rank_systems(systems: list[SystemRow]) -> list[SystemRow]:
    """Order best first (ties share a rank, 1-2-2-4); unranked rows follow, best known overall first."""

    def order(row: SystemRow) -> tuple:
        score = ranking_score(row)
        fallback = row.overall.get("mean_over_groups", row.overall.get("mean_over_tasks"))
        return (score is None, not row.trusted, -(score or 0.0), fallback is None, -(fallback or 0.0), row.key)

    ordered = sorted(systems, key=order)
    previous: float | None = None
    for position, row in enumerate(ordered, start=1):
        score = ranking_score(row)
        if score is None:
            row.rank = None
            continue
        if previous is not None and math.isclose(score, previous, abs_tol=1e-9):
            row.rank = ordered[position - 2].rank
        else:
            row.rank = position
        previous = score
    return ordered
