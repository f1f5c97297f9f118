"""Compare current scores with the baseline: regressions, improvements, missing and new figures.

A figure regressed when it fell by more than the tolerance (points on the 0-100 scale), and
improved when it rose by more. Anything the baseline has and the results lack is missing (a
whole system, a task, or one language of a task), and fails the gate like a regression: a run
that silently stops producing a score must not pass. Anything new is reported, never failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.regression.baseline import Scores, SystemId

# Scores are stored with four decimals; differences below this are rounding, not change.
EPSILON = 1e-6


@dataclass(frozen=True)
class Finding:
    """One compared figure. `language` is None for a task score; `task` is None for a whole system."""

    system: SystemId
    task: str | None
    language: str | None
    baseline: float | None
    current: float | None
    detail: str = ""

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


@dataclass
class CheckResult:
    tolerance: float
    regressions: list[Finding] = field(default_factory=list)
    improvements: list[Finding] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)
    new: list[Finding] = field(default_factory=list)
    unchanged: int = 0

    @property
    def compared(self) -> int:
        return len(self.regressions) + len(self.improvements) + self.unchanged

    @property
    def passed(self) -> bool:
        return not self.regressions and not self.missing

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _judge(result: CheckResult, finding: Finding) -> None:
    delta = finding.delta
    assert delta is not None
    if delta < -result.tolerance - EPSILON:
        result.regressions.append(finding)
    elif delta > result.tolerance + EPSILON:
        result.improvements.append(finding)
    else:
        result.unchanged += 1


def compare_scores(baseline: Scores, current: Scores, tolerance: float) -> CheckResult:
    """Every task and language score of the baseline against the current results."""
    result = CheckResult(tolerance=tolerance)
    for system in sorted(set(baseline) | set(current)):
        if system not in current:
            tasks = baseline[system]
            result.missing.append(Finding(system, None, None, None, None,
                                          f"no results for this system ({len(tasks)} task{'s' if len(tasks) != 1 else ''} in the baseline)"))
            continue
        if system not in baseline:
            tasks = current[system]
            result.new.append(Finding(system, None, None, None, None,
                                      f"new system ({len(tasks)} task{'s' if len(tasks) != 1 else ''})"))
            continue
        old_tasks, new_tasks = baseline[system], current[system]
        for task in sorted(set(old_tasks) | set(new_tasks)):
            old, new = old_tasks.get(task), new_tasks.get(task)
            if new is None:
                result.missing.append(Finding(system, task, None, old.score, None, "no result for this task"))
                continue
            if old is None:
                result.new.append(Finding(system, task, None, None, new.score, "new task"))
                continue
            _judge(result, Finding(system, task, None, old.score, new.score))
            for language in sorted(set(old.languages) | set(new.languages)):
                before, after = old.languages.get(language), new.languages.get(language)
                if after is None:
                    result.missing.append(Finding(system, task, language, before, None, "no result in this language"))
                elif before is None:
                    result.new.append(Finding(system, task, language, None, after, "new language"))
                else:
                    _judge(result, Finding(system, task, language, before, after))
    result.regressions.sort(key=lambda f: (f.delta, f.system, f.task or "", f.language or ""))
    result.improvements.sort(key=lambda f: (-f.delta, f.system, f.task or "", f.language or ""))
    return result
