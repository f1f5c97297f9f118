"""The score-regression gate: current result records against a baseline file of scores.

`scores` extracts task and per-language scores (and reads/writes the baseline file),
`compare` sorts every figure into regressed / improved / missing / new, `report` writes the
Markdown for a CI job summary. `check` ties them together for `harness check`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.regression.baseline import (
    BASELINE_FORMAT,
    Scores,
    SystemId,
    TaskScores,
    current_scores,
    read_baseline,
    write_baseline,
)
from harness.regression.compare import CheckResult, Finding, compare_scores
from harness.regression.report import markdown_report
from harness.results import load_records
from harness.spec import Registry, default_registry

__all__ = [
    "BASELINE_FORMAT", "CheckOutcome", "check_tolerance", "CheckResult", "Finding", "Scores", "SystemId", "TaskScores", "check",
    "compare_scores", "current_scores", "markdown_report", "read_baseline", "write_baseline",
]


MAX_TOLERANCE = 100.0   # points on the 0-100 scale: a larger tolerance could never fail


def check_tolerance(tolerance: float) -> float:
    """A tolerance the gate can honour: finite, 0 to 100 points (nan, inf or 1e308 would switch it off)."""
    if not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or not math.isfinite(tolerance) \
            or not 0 <= tolerance <= MAX_TOLERANCE:
        raise HarnessError(f"--tolerance {tolerance}: must be a finite number of points from 0 to {MAX_TOLERANCE:g}")
    return float(tolerance)


@dataclass
class CheckOutcome:
    result: CheckResult
    report: str
    exit_code: int
    had_baseline: bool = True


def check(results_dir: Path, baseline_path: Path, *, tolerance: float = 1.0, update_baseline: bool = False,
          registry: Registry | None = None) -> CheckOutcome:
    """Compare the records under `results_dir` with the baseline; optionally make them the new baseline.

    Exit code 0: nothing regressed beyond `tolerance` and nothing is missing (or the baseline was
    updated); 1: a regression or a missing figure. Bad input raises HarnessError (exit code 2).
    """
    check_tolerance(tolerance)
    registry = registry or default_registry()
    records = load_records(results_dir, registry)
    if not records:
        raise HarnessError(f"{results_dir}: no result records (*.result.json) to check; run `harness run` first")
    current = current_scores(records, registry)
    baseline_path = Path(baseline_path)
    had_baseline = not (update_baseline and not baseline_path.exists())
    baseline = read_baseline(baseline_path, registry, allow_empty=update_baseline) if had_baseline else {}
    result = compare_scores(baseline, current, tolerance)
    if update_baseline:
        write_baseline(baseline_path, current)
    report = markdown_report(result, baseline=str(baseline_path), results=str(results_dir), records=len(records),
                             unpublishable=sum(not r.publishable for r in records), updated=update_baseline,
                             had_baseline=had_baseline)
    return CheckOutcome(result=result, report=report, exit_code=0 if update_baseline else result.exit_code,
                        had_baseline=had_baseline)
