"""Whether result records can be placed against the specs: their suite and task must exist.

Shared by the leaderboard and the regression gate (both pure functions of records), so it
lives below both of them, with the records.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.errors import HarnessError
from harness.results.record import ResultRecord
from harness.spec import Registry


def check_records(records: Iterable[ResultRecord], registry: Registry) -> None:
    """Refuse records whose suite or task the specs do not define: their numbers cannot be placed."""
    for record in records:
        if record.suite not in registry.suites:
            known = ", ".join(sorted(registry.suites))
            raise HarnessError(
                f"result for {record.experiment}/{record.variant}/{record.model} task {record.task!r} names "
                f"unknown suite {record.suite!r}; known suites: {known} (or add your specs with --tasks-dir DIR "
                "or HARNESS_TASKS_DIR)")
        if record.task not in registry.tasks:
            raise HarnessError(
                f"result for {record.experiment}/{record.variant}/{record.model} names unknown task {record.task!r}; "
                "`harness ls tasks` lists the known ones")
        if record.task not in registry.suites[record.suite].tasks:
            raise HarnessError(
                f"result for {record.experiment}/{record.variant}/{record.model}: task {record.task!r} is not part of "
                f"suite {record.suite!r} (its tasks: {', '.join(registry.suites[record.suite].tasks)})")
