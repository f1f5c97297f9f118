"""The gate's Markdown report, shaped for a CI job summary (GitHub's `$GITHUB_STEP_SUMMARY`).

Regressions and missing figures are listed in full; improvements and new figures, which never
fail the gate, are folded into `<details>` and cut to a readable length. Every name that comes
from a result file is escaped, so a model called `<script>` or `a|b` cannot break the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.regression.compare import CheckResult, Finding
from harness.text_safety import safe_name

MAX_ROWS_FOLDED = 200
_MARKDOWN_SPECIAL = "\\`*_[]|"


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell that GitHub renders (HTML is escaped too).

    Control characters go and names are capped (`text_safety`), so a NUL, an ESC sequence or a
    megabyte-long name in a record cannot reach the job summary.
    """
    text = safe_name(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)
    return " ".join(text.split())


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _delta(finding: Finding) -> str:
    delta = finding.delta
    return "" if delta is None else f"{delta:+.2f}"


def _table(findings: Iterable[Finding], bold_delta: bool = False) -> list[str]:
    lines = ["| Suite | Experiment | Variant | Model | Task | Language | Baseline | Current | Δ | Note |",
             "|---|---|---|---|---|---|---:|---:|---:|---|"]
    for f in findings:
        delta = _delta(f)
        if bold_delta and delta:
            delta = f"**{delta}**"
        task = escape(f.task) if f.task else "*(all)*"
        language = escape(f.language) if f.language else ("*(task score)*" if f.task else "")
        lines.append(f"| {escape(f.system.suite)} | {escape(f.system.experiment)} | {escape(f.system.variant)} | "
                     f"{escape(f.system.model)} | {task} | {language} | {_number(f.baseline)} | "
                     f"{_number(f.current)} | {delta} | {escape(f.detail)} |")
    return lines


def _section(title: str, findings: list[Finding], *, folded: bool, bold_delta: bool = False) -> list[str]:
    if not findings:
        return []
    lines = [f"### {title} ({len(findings)})", ""]
    shown = findings[:MAX_ROWS_FOLDED] if folded else findings
    table = _table(shown, bold_delta)
    if folded:
        lines += ["<details><summary>Show the list</summary>", ""] + table + [""]
        if len(findings) > len(shown):
            lines += [f"… and {len(findings) - len(shown)} more.", ""]
        lines += ["</details>", ""]
    else:
        lines += table + [""]
    return lines


def markdown_report(result: CheckResult, *, baseline: str, results: str, records: int, unpublishable: int,
                    updated: bool = False, had_baseline: bool = True) -> str:
    """The whole report; the first heading says at a glance whether the gate passed."""
    if not had_baseline:
        verdict = "📝 baseline created"
    elif updated:
        verdict = "📝 baseline updated"
    elif result.passed:
        verdict = "✅ passed"
    else:
        verdict = "❌ failed"
    counts = (f"{len(result.regressions)} regression{'s' if len(result.regressions) != 1 else ''}, "
              f"{len(result.missing)} missing, {len(result.improvements)} improved, {len(result.new)} new, "
              f"{result.unchanged} within tolerance")
    lines = [f"## Score regression check: {verdict}", "",
             f"{counts}. Tolerance ±{result.tolerance:.2f} points on the 0–100 scale.", "",
             f"- Results: {escape(results)} ({records} record{'s' if records != 1 else ''}"
             + (f", {unpublishable} from smoke runs, not publishable" if unpublishable else "") + ")",
             f"- Baseline: {escape(baseline)}" + (" (written from these results)" if updated or not had_baseline else ""),
             ""]
    if not had_baseline:
        lines += ["No previous baseline, so nothing to compare: the current scores are now the baseline.", ""]
        return "\n".join(lines)
    if updated and not result.passed:
        lines += ["The differences below were accepted: the baseline now holds the current scores.", ""]
    lines += _section("Regressions", result.regressions, folded=False, bold_delta=True)
    lines += _section("Missing", result.missing, folded=False)
    lines += _section("Improvements", result.improvements, folded=True)
    lines += _section("New", result.new, folded=True)
    if result.passed and not updated:
        lines += ["No score fell by more than the tolerance and nothing is missing.", ""]
    return "\n".join(lines)
