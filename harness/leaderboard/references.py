"""Published results as labelled reference systems: read from `leaderboard/references.yaml`,
shown beside ours on the question and task pages, never ranked and never a baseline.

Why a data file: every number in it must be copied from a paper's own text, with the paper
and table cited, so a reader can check it; the file is where that citation lives. An entry
without a citation, or with a score outside 0-100, is refused with the file and entry named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError

FILE_NAME = "references.yaml"
REQUIRED = ("name", "paper", "table", "suite")


@dataclass(frozen=True)
class ReferenceSystem:
    """One published system: per-task scores (XTREME's task score, QA mean of EM and F1), cited."""

    name: str
    paper: str
    table: str
    suite: str
    url: str = ""
    note: str = ""
    tasks: dict[str, float] = field(default_factory=dict)
    overall: float | None = None

    @property
    def citation(self) -> str:
        return f"{self.paper}, {self.table}"


def references_path() -> Path:
    from harness.resources import leaderboard_dir

    return leaderboard_dir() / FILE_NAME


def load_references(path: Path | None = None) -> list[ReferenceSystem]:
    """Every reference system of the file (none when it is absent)."""
    import yaml

    from harness.strict_yaml import safe_load_unique

    path = Path(path) if path is not None else references_path()
    if not path.is_file():
        return []
    try:
        document = safe_load_unique(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise HarnessError(f"{path}: not valid YAML ({err})") from None
    entries = document.get("references") or []
    if not isinstance(entries, list):
        raise HarnessError(f"{path}: key 'references' must be a list of systems")
    out = []
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: references[{index}]"
        if not isinstance(entry, dict):
            raise HarnessError(f"{where}: must be a mapping with {', '.join(REQUIRED)}")
        missing = [key for key in REQUIRED if not entry.get(key)]
        if missing:
            raise HarnessError(f"{where}: missing {', '.join(missing)}; every published number needs its paper "
                               "and table")
        tasks = entry.get("tasks") or {}
        scores = {**tasks, **({"overall": entry["overall"]} if entry.get("overall") is not None else {})}
        for task, value in scores.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                    or not 0 <= value <= 100:
                raise HarnessError(f"{where}: {task} must be a score from 0 to 100, got {value!r}")
        out.append(ReferenceSystem(name=str(entry["name"]), paper=str(entry["paper"]), table=str(entry["table"]),
                                   suite=str(entry["suite"]), url=str(entry.get("url", "")),
                                   note=str(entry.get("note", "")),
                                   tasks={str(k): float(v) for k, v in tasks.items()},
                                   overall=None if entry.get("overall") is None else float(entry["overall"])))
    return out


def reference_rows(board, references: list[ReferenceSystem] | None = None) -> list[ReferenceSystem]:
    """The reference systems of `board`'s suite that report at least one of its tasks; pass
    `references` (from `load_references`) to read the file once for many boards."""
    names = {task.name for task in board.tasks}
    references = load_references() if references is None else references
    return [ref for ref in references if ref.suite == board.name and set(ref.tasks) & names]
