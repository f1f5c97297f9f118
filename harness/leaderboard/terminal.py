"""Plain-text tables for the terminal: the end-of-run results table of `harness run` and the
comparison table of `harness compare`. Names from result files pass through `safe_name`, so a
hostile variant name cannot move the cursor or clear the screen."""

from __future__ import annotations

from collections.abc import Sequence

from harness.leaderboard.board import SuiteBoard, SystemRow, build_boards
from harness.leaderboard.question import Verdict, signed
from harness.leaderboard.titles import task_title
from harness.results import load_records
from harness.spec import default_registry
from harness.text_safety import safe_name


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def results_table(board: SuiteBoard, rows: Sequence[SystemRow] | None = None) -> str:
    """One line per system: overall (mean over tasks and over categories), then each task."""
    rows = list(board.systems if rows is None else rows)
    header = ["#", "system", "tasks", "categories", *(task_title(t) for t in board.tasks)]
    body = []
    several_models = len({r.model for r in rows}) > 1
    for row in rows:
        name = safe_name(row.variant) + ("" if row.trusted else f" ({row.run_class}, not ranked)")
        if several_models:
            name += f" · {safe_name(row.model)}"
        body.append([str(row.rank or ""), name, _score(row.overall.get("mean_over_tasks")),
                     _score(row.overall.get("mean_over_groups")), *(_score(row.task_score(t.name)) for t in board.tasks)])
    table = _grid(header, body, right={0, *range(2, len(header))})
    seeds = sorted({len(row.seeds) for row in rows})
    note = f"suite {board.name}: scores 0-100, task = mean over languages (QA: mean of EM and F1)"
    if seeds and seeds != [1]:
        note += "; seed means"
    return f"{note}\n{table}"


def verdict_table(verdicts: Sequence[Verdict], title: str) -> str:
    header = ["target", "delta", "95% CI", "p", "verdict", "seed spread"]
    body = []
    for v in verdicts:
        if v.value is None:
            body.append([v.title, "", "", "", "no result", ""])
            continue
        e = v.estimate
        body.append([v.title, signed(v.value),
                     "" if e is None else f"[{signed(e.low)}, {signed(e.high)}]",
                     "" if e is None else ("<0.001" if e.p < 0.001 else f"{e.p:.3f}"),
                     v.status, v.seed_note])
    return f"{title}\n{_grid(header, body, right={1, 2, 3})}"


def run_results_table(results_dir, suite: str, experiment: str | None = None, model: str | None = None) -> str:
    """The end-of-run table of `harness run`: every system of the run's experiment and model in
    the results folder (full runs ranked first, smoke and partial runs marked)."""
    registry = default_registry()
    records = [r for r in load_records(results_dir, registry) if r.suite == suite
               and (experiment is None or r.experiment == experiment) and (model is None or r.model == model)]
    if not records:
        return f"suite {suite}: no result records in {results_dir}"
    [board] = build_boards(records, registry, [suite])
    return results_table(board)
