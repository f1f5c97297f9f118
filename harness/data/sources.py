"""Where each task's data lies on disk, and the one call the pipeline makes to read it.

``load_split(data_dir, task, language, split)`` returns typed examples (or a
``ParallelSentences`` / ``BuccCorpus`` / ``TextCorpus``) for every task in ``tasks/``;
``data_checksum`` hashes the files it read, for the result record; ``available_languages``
says which languages a folder holds; ``split_source`` says which layout was found and
whether its labels are public.

Where the files lie is not written here: each task spec's ``data.splits`` lists, per split,
its alternatives in preference order (XTREME-processed, the raw download, LASER, an XTREME
``download/`` folder as ``download_data.sh`` leaves it), resolved by ``harness.data.layouts``
with the readers of ``harness.data.readers.registry``. So ``--data-dir`` may point at a
folder written by ``harness data download`` or ``harness data mini``, at
``../shared/xtreme-data``, or at XTREME's own ``download/`` folder.

Split names are ``train``, ``dev`` and ``test``; a task's own names (``val``, ``valid``,
``sample``/``training`` for BUCC, ``dev_2k``) are spelled out in its spec. Files that XTREME
ships label-stripped read with ``label=None`` / no tags / no answers, and layouts without
public gold (XTREME's Tatoeba, whose English side is sorted) read with their labels dropped:
``has_gold`` tells a caller whether a split may be scored.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from harness.data.catalog import catalog
from harness.data.examples import BuccCorpus, Example, PairExample, ParallelSentences, TextCorpus
from harness.data.layouts import (
    SPLITS,
    TYDIQA_NAMES,
    Candidate,
    DataLayout,
    has_gold,
    split_candidates,
)
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.spec import TaskSpec

__all__ = ["SPLITS", "TYDIQA_NAMES", "XNLI_LANGUAGES", "PAWSX_LANGUAGES", "has_gold", "load_split",
           "load_mix", "resolve_files", "split_source", "data_checksum", "available_languages"]

SplitData = list[Example] | ParallelSentences | BuccCorpus | TextCorpus

XNLI_LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")  # fmt: skip
PAWSX_LANGUAGES = ("de", "en", "es", "fr", "ja", "ko", "zh")


def _task(task: str | TaskSpec) -> TaskSpec:
    """A task spec from its name, looked up in the active spec registry (built-in plus user folders)."""
    if not isinstance(task, str):
        return task
    return catalog().task(task)


def _layout(task: str | TaskSpec) -> DataLayout:
    spec = _task(task)
    if spec.data_layout is None:
        raise HarnessError(f"{spec.source_file}: task {spec.name!r} declares no data.splits; "
                           "say in its YAML where each split lies")
    return spec.data_layout


def _lookup(name: str) -> DataLayout:
    return _layout(name)


def _language_of(spec: TaskSpec, language: str) -> str:
    """Tasks expanded per language (xnli_mt_de) accept that language only."""
    own = spec.data_layout.own_language if spec.data_layout else None
    if own is None:
        return language
    if language not in (own, ""):
        raise HarnessError(f"task {spec.name!r} holds {own!r} data only; asked for language {language!r}")
    return own


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise HarnessError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")


def _candidates(data_dir: Path, spec: TaskSpec, language: str, split: str) -> list[Candidate]:
    return split_candidates(_layout(spec), data_dir, language, split, _lookup)


def _pick(data_dir: Path, task: str | TaskSpec, language: str, split: str) -> Candidate:
    _check_split(split)
    spec = _task(task)
    language = _language_of(spec, language)
    if _layout(spec).mix and language == "mix":
        raise HarnessError(f"{spec.name}: load each language with load_split and mix them (see load_mix)")
    candidates = _candidates(data_dir, spec, language, split)
    for candidate in candidates:
        if candidate.exists():
            return candidate
    if not data_dir.is_dir():
        raise HarnessError(f"data folder {data_dir} does not exist; {_how_to_get(spec.name, data_dir)}")
    if not candidates:
        raise HarnessError(
            f"task {spec.name!r} has no {split} split in language {language!r} "
            f"(the files it ships have none); check the task's languages and splits"
        )
    missing = candidates[0].missing or candidates[0].files[0]
    alternatives: list[Path] = []
    for c in candidates[1:]:
        first = c.missing or c.files[0]
        if first != missing and first not in alternatives:
            alternatives.append(first)
    also = f" (or {', '.join(str(p) for p in alternatives)})" if alternatives else ""
    raise HarnessError(
        f"no {split} data for task {spec.name!r}, language {language!r}: expected {missing}{also}; "
        f"{_how_to_get(spec.name, data_dir)}"
    )


def _how_to_get(task: str, data_dir: Path) -> str:
    from harness.data.download import how_to_get

    return how_to_get(task, data_dir)


def resolve_files(data_dir: Path | str, task: str | TaskSpec, language: str, split: str) -> tuple[Path, ...]:
    """The files ``load_split`` would read, or a HarnessError saying what is missing and how to get it."""
    return _pick(Path(data_dir), task, language, split).files


def split_source(data_dir: Path | str, task: str | TaskSpec, language: str, split: str) -> Candidate:
    """The alternative ``load_split`` reads: its files, its layout name and whether its labels are public."""
    return _pick(Path(data_dir), task, language, split)


def _not_empty(data: SplitData, candidate: Candidate, spec: TaskSpec, language: str, split: str) -> SplitData:
    size = len(data.src) if isinstance(data, ParallelSentences | BuccCorpus) else (
        len(data.lines) if isinstance(data, TextCorpus) else len(data))
    if size == 0:
        files = ", ".join(str(p) for p in candidate.files)
        raise HarnessError(f"{files}: no {split} examples for task {spec.name!r}, language {language!r} "
                           f"(layout {candidate.name}); the file is empty or holds another language's data")
    return data


def load_split(
    data_dir: Path | str, task: str | TaskSpec, language: str, split: str, source: str = "local"
) -> SplitData:
    """Read one split of one task in one language.

    ``source="local"`` reads ``data_dir`` as the task's spec describes; ``source="hub"`` reads
    the Hugging Face hub copy through ``datasets`` (``google/xtreme`` and friends) and fails
    fast, with instructions, when the hub cannot be reached. An empty split is an error.
    """
    spec = _task(task)
    if source == "hub":
        from harness.data.hub import load_hub_split

        _check_split(split)
        return load_hub_split(spec.name, _language_of(spec, language), split)
    if source != "local":
        raise HarnessError(f"unknown data source {source!r}; use 'local' or 'hub'")
    candidate = _pick(Path(data_dir), spec, language, split)
    return _not_empty(candidate.read(), candidate, spec, _language_of(spec, language), split)


def load_mix(
    data_dir: Path | str, task: str | TaskSpec, languages: list[str], split: str
) -> list[PairExample]:
    """Several languages of one task concatenated (xnli_mt_mix), guids prefixed by language.

    XNLI-MT files are translations of the same MNLI pairs, so equal files give equal shares.
    """
    mixed: list[PairExample] = []
    for lang in languages:
        for ex in load_split(data_dir, task, lang, split):
            mixed.append(PairExample(f"{lang}-{ex.guid}", ex.text_a, ex.text_b, ex.label))
    return mixed


def data_checksum(data_dir: Path | str, task: str | TaskSpec, language: str, split: str) -> str:
    """sha256 over the files ``load_split`` reads (names relative to ``data_dir``, then bytes)."""
    data_dir = Path(data_dir)
    digest = hashlib.sha256()
    for path in sorted(resolve_files(data_dir, task, language, split)):
        try:
            name = path.relative_to(data_dir).as_posix()
        except ValueError:
            name = path.name
        digest.update(name.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def available_languages(data_dir: Path | str, task: str | TaskSpec, split: str) -> list[str]:
    """Languages for which ``load_split(data_dir, task, language, split)`` finds its files."""
    from harness.languages import LANGUAGE_NAMES

    data_dir = Path(data_dir)
    _check_split(split)
    spec = _task(task)
    layout = _layout(spec)
    if layout.own_language is not None:
        languages = [layout.own_language]
    else:
        languages = sorted(LANGUAGE_NAMES)
    found = []
    for lang in languages:
        if any(c.exists() for c in _candidates(data_dir, spec, lang, split)):
            found.append(lang)
    return found
