"""Writers of XTREME's submission files, the counterparts of the readers `harness score` uses.

Each writes atomically (a temporary file beside the target, then a rename), so an
interrupted run never leaves a half-written file that would later be scored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def submission_path(root: Path, task: str, split: str, lang: str, suffix: str) -> Path:
    """`<root>/<task>/<split>-<lang>.<suffix>`: the layout of an XTREME submission."""
    return Path(root) / task / f"{split}-{lang}.{suffix}"


def write_text_atomic(path: Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_lines(path: Path, values: Iterable[Any]) -> Path:
    """One value per line (labels, Tatoeba indices)."""
    return write_text_atomic(path, "".join(f"{value}\n" for value in values))


def write_tag_sentences(path: Path, sentences: Iterable[Sequence[str]]) -> Path:
    """One tag per line, a blank line after every sentence (XTREME's tagging files)."""
    return write_text_atomic(path, "".join("".join(f"{tag}\n" for tag in tags) + "\n" for tags in sentences))


def write_pairs(path: Path, pairs: Iterable[tuple[str, str]]) -> Path:
    """`<source-id>\\t<english-id>` per line (BUCC)."""
    return write_text_atomic(path, "".join(f"{s}\t{t}\n" for s, t in pairs))


def write_answers(path: Path, answers: dict[str, str]) -> Path:
    """{question id: answer text} as JSON (XQuAD, MLQA, TyDiQA-GoldP predictions)."""
    return write_text_atomic(path, json.dumps(answers, ensure_ascii=False, indent=1) + "\n")


def write_squad_gold(path: Path, questions: Iterable[dict[str, Any]]) -> Path:
    """Gold answers in SQuAD v1.1 layout; `questions` are {"id", "question", "answers": [{"text",
    "answer_start"}]} (contexts are not needed for scoring and are left empty)."""
    document = {"version": "1.1", "data": [{"title": "gold", "paragraphs": [{"context": "", "qas": list(questions)}]}]}
    return write_text_atomic(path, json.dumps(document, ensure_ascii=False) + "\n")
