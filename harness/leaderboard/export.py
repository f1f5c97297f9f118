"""`leaderboard.json` and `leaderboard.csv`: the site's numbers for programs and spreadsheets.

Both are rendered from the same boards as the HTML, rounded to four decimals, with keys sorted,
so the same results give the same bytes. Names arrive cleaned and capped (`site.displayable`);
the CSV also neutralises formula-looking cells, which the JSON has no need for.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from harness.leaderboard.board import SuiteBoard, SystemRow
from harness.leaderboard.compare import ComparisonGroup, Delta
from harness.leaderboard.question import answers_json
from harness.text_safety import csv_cell, strip_controls

SCHEMA = "harness-leaderboard"
SCHEMA_VERSION = 2  # 2: `uncertainty` (the question page's verdicts) replaced `research_question`; run_class
DECIMALS = 4


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, dict):
        return {str(k): _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def _system(row: SystemRow) -> dict:
    sheet = row.sheet
    return {
        "rank": row.rank,
        "experiment": row.experiment,
        "variant": row.variant,
        "model": row.model,
        "family": row.family,
        "intermediate": list(row.intermediate),
        "seeds": row.seeds,
        "publishable": row.publishable,
        "run_class": row.run_class,
        "partial": sheet["partial"],
        "overall": sheet["overall"],
        "groups": {g: {"score": e["score"], "partial": e["partial"]} for g, e in sheet["groups"].items()},
        "tasks": {
            t: {"score": e["score"], "metrics": e["metrics"], "complete": e["complete"],
                "missing_languages": e["missing_languages"], "languages": e["languages"]}
            for t, e in sheet["tasks"].items()
        },
        "spread": sheet.get("spread", {}),
        "notes": row.notes,
    }


def _delta(delta: Delta | None) -> dict | None:
    if delta is None:
        return None
    return {"delta": delta.value, "std": delta.std, "n": delta.n, "paired": delta.paired}


def _comparison(group: ComparisonGroup) -> dict:
    return {
        "experiment": group.experiment,
        "model": group.model,
        "baseline_variant": group.baseline.variant if group.baseline else None,
        "variants": [
            {"variant": v.row.variant, "family": v.row.family,
             "overall": {k: _delta(d) for k, d in v.overall.items()},
             "groups": {k: _delta(d) for k, d in v.groups.items()},
             "tasks": {k: _delta(d) for k, d in v.tasks.items()}}
            for v in group.variants
        ],
    }


def leaderboard_document(boards: list[SuiteBoard], comparisons: dict[str, list[ComparisonGroup]],
                         uncertainty: dict[str, dict], baseline_variant: str) -> dict:
    """The site's numbers; `uncertainty` is each suite's `question.board_uncertainty`, so the
    research question appears as the question page shows it (verdicts, paired-bootstrap intervals,
    matched head-to-head pairs), at the page's own six decimals."""
    document = _round({
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "baseline_variant": baseline_variant,
        "suites": [
            {
                "suite": board.name,
                "description": board.suite.description.strip(),
                "tasks": [t.name for t in board.tasks],
                "groups": {g: [t.name for t in board.group_tasks(g)] for g in board.groups},
                "records": len(board.records),
                "systems": [_system(row) for row in board.systems],
                "comparisons": [_comparison(c) for c in comparisons[board.name]],
            }
            for board in boards
        ],
    })
    for entry, board in zip(document["suites"], boards, strict=True):
        entry["uncertainty"] = answers_json(uncertainty[board.name])
    return document


def leaderboard_json(document: dict) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def leaderboard_frame(boards: list[SuiteBoard]) -> pd.DataFrame:
    """The main tables of every suite as one wide table: one row per system."""
    groups: list[str] = []
    tasks: list[str] = []
    qa: set[str] = set()
    for board in boards:
        groups += [g for g in board.groups if g not in groups]
        tasks += [t.name for t in board.tasks if t.name not in tasks]
        qa |= {t.name for t in board.tasks if board.is_qa(t)}
    columns = ["suite", "rank", "experiment", "variant", "model", "family", "intermediate", "seeds", "publishable",
               "partial", "mean_over_tasks", "mean_over_groups"] + groups
    for task in tasks:
        columns += [task, f"{task}_em", f"{task}_f1"] if task in qa else [task]
    rows = []
    for board in boards:
        for system in board.systems:
            sheet = system.sheet
            row: dict[str, Any] = {
                "suite": board.name, "rank": system.rank, "experiment": system.experiment, "variant": system.variant,
                "model": system.model, "family": system.family, "intermediate": "+".join(system.intermediate),
                "seeds": " ".join(str(s) for s in system.seeds), "publishable": system.publishable,
                "partial": sheet["partial"],
                "mean_over_tasks": sheet["overall"].get("mean_over_tasks"),
                "mean_over_groups": sheet["overall"].get("mean_over_groups"),
            }
            for group in groups:
                row[group] = system.group_score(group)
            for task in tasks:
                entry = sheet["tasks"].get(task)
                row[task] = None if entry is None else entry["score"]
                if task in qa:
                    metrics = {} if entry is None else entry["metrics"]
                    row[f"{task}_em"] = metrics.get("exact_match")
                    row[f"{task}_f1"] = metrics.get("f1")
            rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def leaderboard_csv(boards: list[SuiteBoard]) -> bytes:
    """The wide table as CSV; text cells a spreadsheet would run as formulas get a leading quote (OWASP)."""
    frame = leaderboard_frame(boards)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: csv_cell(strip_controls(v)) if isinstance(v, str) else v)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")
    return buffer.getvalue().encode("utf-8")
