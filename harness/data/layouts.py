"""How a task spec's ``data:`` mapping says where each split lies, and how it is resolved.

Why: the task YAML, not a name-keyed table in Python, decides which files a task reads, so a
task in an existing format is one YAML file. A split lists *alternatives* in preference
order; the first whose files all exist is read. One alternative is one of:

- files: ``{files: <template or list>, reader: <name>, args: {...}}``. Templates are paths
  under the data folder with placeholders (``{lang}``, ``{iso3}``, ``{tydiqa_name}``,
  ``{context}``, ``{question}``, ``{split}``) and may hold ``*`` (globbed, sorted, all read:
  a language's UD treebanks). A placeholder a language lacks (no ISO 639-3 code) means the
  alternative does not apply to it.
- another task's split: ``{task: mnli, split: train}`` (XNLI trains on MNLI).
- a concatenation: ``{concat: [<alternative>, ...]}`` (ANLI+ = ANLI + MNLI + SNLI).
- a named layout over an inner alternative, for the odd cases that need code:
  ``{layout: premise_share, args: {...}, of: <alternative>}`` (the XNLI dev shares).

Every alternative may say ``languages: [...]`` (it applies to those only; the default is
the task's languages, or any with ``data.languages: any``), ``public_labels: false`` (the
layout has no public gold: it is read for predictions and never scored; labels a file might
carry are dropped) and ``name:`` (what the layout is called in messages and records).
"""

from __future__ import annotations

import glob
import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.data.bundles import DownloadSpec, parse_download
from harness.data.examples import (
    BuccCorpus,
    MultipleChoiceExample,
    PairExample,
    ParallelSentences,
    QAExample,
    TaggedSentence,
    TextCorpus,
)
from harness.data.readers.registry import get_reader
from harness.data.readers.retrieval import TATOEBA_ISO3, unaligned
from harness.errors import HarnessError

SPLITS = ("train", "dev", "test")
TYDIQA_NAMES = {
    "ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}  # fmt: skip
PLACEHOLDERS = ("lang", "iso3", "tydiqa_name", "context", "question", "split")
DATA_KEYS = ("splits", "languages", "language", "mix", "source", "download")
ALTERNATIVE_KEYS = ("name", "languages", "public_labels")


# --------------------------------------------------------------------------- the parsed spec


@dataclass(frozen=True)
class Alternative:
    """One way a split may lie on disk (exactly one of files / task / concat / layout is set)."""

    where: str  # "<file>: data.splits.train[1]", for messages
    name: str = ""
    languages: tuple[str, ...] | None = None  # None: the data spec's default
    public_labels: bool = True
    files: tuple[str, ...] = ()
    reader: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    task: str = ""
    split: str = ""
    language: str = ""
    concat: tuple[Alternative, ...] = ()
    layout: str = ""
    of: Alternative | None = None


@dataclass(frozen=True)
class DataLayout:
    """The ``data:`` mapping of one task, validated."""

    splits: dict[str, tuple[Alternative, ...]]
    languages: tuple[str, ...] | None  # None: any language
    own_language: str | None = None  # set on tasks expanded per language (xnli_mt_de)
    mix: bool = False
    source: str = ""
    download: DownloadSpec | None = None  # where the files come from (harness.data.bundles)

    def referenced_tasks(self) -> list[tuple[str, str]]:
        """(where, task name) of every ``task:`` alternative, for the registry's reference check."""
        found = []

        def walk(alt: Alternative) -> None:
            if alt.task:
                found.append((alt.where, alt.task))
            for part in alt.concat:
                walk(part)
            if alt.of is not None:
                walk(alt.of)

        for alternatives in self.splits.values():
            for alt in alternatives:
                walk(alt)
        return found


# --------------------------------------------------------------------------- named layouts


Reading = Callable[[], Any]


@dataclass(frozen=True)
class Layout:
    name: str
    args: tuple[str, ...]
    wrap: Callable[[Reading, dict[str, Any], str], Reading]  # (inner read, args, split) -> read
    doc: str = ""


def _unit_hash(value: str) -> float:
    """A stable number in [0, 1) for a string, so that a share never depends on file order."""
    digest = hashlib.sha256(value.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _premise_share(inner: Reading, args: dict[str, Any], split: str) -> Reading:
    holdout = float(args.get("holdout", 0.5))
    keep_training = args.get("keep", "train" if split == "train" else "held_out") == "train"

    def read() -> list:
        return [ex for ex in inner() if (_unit_hash(ex.text_a) >= holdout) == keep_training]

    return read


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("premise_share", ("holdout", "keep"), _premise_share,
               "a labelled split cut in two by premise hash (no premise on both sides): keep 'train' "
               "(the share >= holdout) or 'held_out'; the XNLI dev shares of xnli_dev_<lang>"),
    )
}


# --------------------------------------------------------------------------- parsing


def _fail(where: str, problem: str) -> HarnessError:
    return HarnessError(f"{where}: {problem}")


def _template_fields(template: str, where: str) -> set[str]:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as err:
        raise _fail(where, f"bad file template {template!r} ({err})") from None
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise _fail(where, f"unknown placeholder {{{unknown[0]}}} in {template!r}; known: "
                    + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    return names


def _parse_languages(value: Any, where: str) -> tuple[str, ...] | None:
    if value == "any":
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(where, "must be a non-empty list of language codes, or 'any'")
    return tuple(value)


def parse_alternative(raw: Any, where: str) -> Alternative:
    """One alternative of a split, checked: unknown keys, readers, layouts and placeholders fail here."""
    if isinstance(raw, str):
        raise _fail(where, f"expected a mapping such as {{files: {raw!r}, reader: ...}}, found a string")
    if not isinstance(raw, dict):
        raise _fail(where, "expected a mapping (files/reader, task, concat or layout)")
    kinds = [k for k in ("files", "task", "concat", "layout") if k in raw]
    if len(kinds) != 1:
        raise _fail(where, "needs exactly one of the keys 'files', 'task', 'concat', 'layout'"
                    + (f" (found {', '.join(kinds)})" if kinds else ""))
    kind = kinds[0]
    own = {"files": ("files", "reader", "args"), "task": ("task", "split", "language"),
           "concat": ("concat",), "layout": ("layout", "args", "of")}[kind]
    allowed = set(own) | set(ALTERNATIVE_KEYS)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r}; allowed here: {', '.join(sorted(allowed))}")
    common: dict[str, Any] = {"where": where, "name": str(raw.get("name", ""))}
    if "languages" in raw:
        common["languages"] = _parse_languages(raw["languages"], f"{where}.languages")
        if common["languages"] is None:
            raise _fail(f"{where}.languages", "'any' is only allowed as data.languages")
    if "public_labels" in raw:
        if not isinstance(raw["public_labels"], bool):
            raise _fail(f"{where}.public_labels", "must be true or false")
        common["public_labels"] = raw["public_labels"]
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise _fail(f"{where}.args", "must be a mapping")
    if kind == "files":
        files = raw["files"]
        files = [files] if isinstance(files, str) else files
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
            raise _fail(f"{where}.files", "must be a path template or a non-empty list of them")
        for template in files:
            _template_fields(template, f"{where}.files")
            if Path(template).is_absolute() or ".." in Path(template).parts:
                raise _fail(f"{where}.files", f"{template!r} must be relative to the data folder, without '..'")
        if "reader" not in raw:
            raise _fail(where, "a 'files' alternative needs a 'reader'")
        reader = get_reader(str(raw["reader"]), f"{where}.reader: ")
        unknown_args = sorted(set(args) - set(reader.args))
        if unknown_args:
            raise _fail(f"{where}.args", f"reader {reader.name!r} takes no argument {unknown_args[0]!r}"
                        + (f"; it takes: {', '.join(reader.args)}" if reader.args else ""))
        for value in args.values():
            if isinstance(value, str):
                _template_fields(value, f"{where}.args")
        if reader.files != "each" and len(files) not in reader.files:
            counts = " or ".join(map(str, reader.files))
            raise _fail(f"{where}.files", f"reader {reader.name!r} reads {counts} files, {len(files)} given")
        return Alternative(files=tuple(files), reader=reader.name, args=dict(args), **common)
    if kind == "task":
        split = raw.get("split", "")
        if split and split not in SPLITS:
            raise _fail(f"{where}.split", f"is {split!r}; expected one of {', '.join(SPLITS)}")
        return Alternative(task=str(raw["task"]), split=split, language=str(raw.get("language", "")), **common)
    if kind == "concat":
        parts = raw["concat"]
        if not isinstance(parts, list) or len(parts) < 2:
            raise _fail(f"{where}.concat", "must list at least two alternatives")
        return Alternative(concat=tuple(parse_alternative(p, f"{where}.concat[{i}]") for i, p in enumerate(parts)),
                           **common)
    name = str(raw["layout"])
    if name not in LAYOUTS:
        raise _fail(f"{where}.layout", f"unknown layout {name!r}; known layouts: {', '.join(sorted(LAYOUTS))}")
    unknown_args = sorted(set(args) - set(LAYOUTS[name].args))
    if unknown_args:
        raise _fail(f"{where}.args", f"layout {name!r} takes no argument {unknown_args[0]!r}; "
                    f"it takes: {', '.join(LAYOUTS[name].args)}")
    if "of" not in raw:
        raise _fail(where, f"layout {name!r} needs 'of': the alternative it applies to")
    return Alternative(layout=name, args=dict(args), of=parse_alternative(raw["of"], f"{where}.of"), **common)


def parse_data(raw: Any, source_file: str, task_languages: tuple[str, ...], task_name: str = "") -> DataLayout:
    """The ``data:`` mapping of a task file, validated; errors name the file and the key."""
    where = f"{source_file}: key 'data'"
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping")
    unknown = sorted(set(raw) - set(DATA_KEYS))
    if unknown:
        raise _fail(f"{source_file}: key 'data.{unknown[0]}'",
                    f"unknown key; allowed keys of data: {', '.join(DATA_KEYS)}")
    splits_raw = raw.get("splits")
    if not isinstance(splits_raw, dict) or not splits_raw:
        raise _fail(f"{source_file}: key 'data.splits'",
                    "missing or empty: map each split (train, dev, test) to a list of alternatives")
    splits: dict[str, tuple[Alternative, ...]] = {}
    for split, alternatives in splits_raw.items():
        key = f"{source_file}: key 'data.splits.{split}'"
        if split not in SPLITS:
            raise _fail(key, f"unknown split; use {', '.join(SPLITS)}")
        if isinstance(alternatives, dict):
            alternatives = [alternatives]
        if not isinstance(alternatives, list) or not alternatives:
            raise _fail(key, "must be a non-empty list of alternatives")
        splits[split] = tuple(parse_alternative(alt, f"{source_file}: data.splits.{split}[{i}]")
                              for i, alt in enumerate(alternatives))
    languages = task_languages
    if "languages" in raw:
        languages = _parse_languages(raw["languages"], f"{source_file}: key 'data.languages'")
    for key in ("source",):
        if not isinstance(raw.get(key, ""), str):
            raise _fail(f"{source_file}: key 'data.{key}'", "must be a string")
    if not isinstance(raw.get("mix", False), bool):
        raise _fail(f"{source_file}: key 'data.mix'", "must be true or false")
    download = parse_download(raw["download"], source_file, task_name) if "download" in raw else None
    return DataLayout(splits=splits, languages=languages, own_language=raw.get("language"),
                      mix=bool(raw.get("mix", False)), source=raw.get("source", ""),
                      download=download)


# --------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class Candidate:
    """A resolved alternative: the files it needs and how to read them."""

    files: tuple[Path, ...]
    read: Reading
    public_labels: bool = True
    name: str = ""
    missing: Path | None = None  # the first file that does not exist, if any

    def exists(self) -> bool:
        return bool(self.files) and self.missing is None


LayoutLookup = Callable[[str], DataLayout]  # task name -> its data layout


def placeholder_values(lang: str, split: str) -> dict[str, str]:
    """The values a file template may use for ``lang``; absent keys do not apply to it."""
    context, _, question = lang.partition("-")
    values = {"lang": lang, "split": split, "context": context, "question": question or context}
    if lang in TATOEBA_ISO3:
        values["iso3"] = TATOEBA_ISO3[lang]
    if lang in TYDIQA_NAMES:
        values["tydiqa_name"] = TYDIQA_NAMES[lang]
    return values


def _fill(template: str, values: dict[str, str]) -> str | None:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names <= set(values):
        return None
    return template.format(**values)


def _expand(data_dir: Path, template: str) -> tuple[list[Path], Path | None]:
    """The paths a filled template names (a glob may match several), and the first missing one."""
    path = data_dir / template
    if glob.has_magic(template):
        matches = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
        return (matches, None) if matches else ([path], path)
    return [path], (None if path.is_file() else path)


def applies(alt: Alternative, layout: DataLayout, lang: str) -> bool:
    languages = alt.languages if alt.languages is not None else layout.languages
    return languages is None or lang in languages


def resolve(alt: Alternative, layout: DataLayout, data_dir: Path, lang: str, split: str,
            lookup: LayoutLookup) -> list[Candidate]:
    """Every candidate this alternative gives for (lang, split), preferred first."""
    if not applies(alt, layout, lang):
        return []
    if alt.files:
        values = placeholder_values(lang, split)
        filled = [_fill(t, values) for t in alt.files]
        if any(f is None for f in filled):
            return []
        args = {k: (_fill(v, values) if isinstance(v, str) else v) for k, v in alt.args.items()}
        paths: list[Path] = []
        missing = None
        for template in filled:
            found, absent = _expand(data_dir, template)
            paths.extend(found)
            missing = missing or absent
        reader = get_reader(alt.reader)

        def read(files=tuple(paths), args=args):
            return reader.read(files, lang, args)

        return [_labelled(Candidate(tuple(paths), read, True, alt.name or filled[0], missing), alt)]
    if alt.task:
        other = lookup(alt.task)
        other_lang = alt.language or lang
        return [_labelled(c, alt) for c in split_candidates(other, data_dir, other_lang, alt.split or split, lookup)]
    if alt.concat:
        options = [resolve(part, layout, data_dir, lang, split, lookup) for part in alt.concat]
        if any(not o for o in options):
            return []
        chosen = [next((c for c in o if c.exists()), o[0]) for o in options]
        files = tuple(p for c in chosen for p in c.files)

        def read_all(chosen=chosen):
            return [example for c in chosen for example in c.read()]

        missing = next((c.missing or c.files[0] for c in chosen if not c.exists()), None)
        name = alt.name or " + ".join(c.name for c in chosen)
        return [_labelled(Candidate(files, read_all, all(c.public_labels for c in chosen), name, missing), alt)]
    wrap = LAYOUTS[alt.layout].wrap
    inner = resolve(alt.of, layout, data_dir, lang, split, lookup)
    return [_labelled(replace(c, read=wrap(c.read, alt.args, split), name=alt.name or f"{alt.layout}({c.name})"), alt)
            for c in inner]


def _labelled(candidate: Candidate, alt: Alternative) -> Candidate:
    if alt.public_labels:
        return candidate
    inner = candidate.read
    return replace(candidate, read=lambda: without_labels(inner()), public_labels=False)


def split_candidates(layout: DataLayout, data_dir: Path, lang: str, split: str,
                     lookup: LayoutLookup) -> list[Candidate]:
    """Every way (lang, split) may lie under ``data_dir`` for one task, preferred first."""
    found: list[Candidate] = []
    for alt in layout.splits.get(split, ()):
        found.extend(resolve(alt, layout, data_dir, lang, split, lookup))
    return found


def without_labels(data: Any) -> Any:
    """The same inputs with every label dropped: what a layout without public gold yields."""
    if isinstance(data, ParallelSentences):
        return unaligned(data)
    if isinstance(data, BuccCorpus):
        return BuccCorpus(data.lang, data.src, data.eng, set())
    if isinstance(data, TextCorpus):
        return data
    stripped = []
    for ex in data:
        if isinstance(ex, PairExample | MultipleChoiceExample):
            ex = replace(ex, label=None)
        elif isinstance(ex, TaggedSentence):
            ex = TaggedSentence(ex.guid, ex.tokens, [])
        elif isinstance(ex, QAExample):
            ex = replace(ex, answers=[])
        stripped.append(ex)
    return stripped


def has_gold(data: Any) -> bool:
    """Whether what ``load_split`` returned carries labels that may be scored."""
    if isinstance(data, ParallelSentences):
        return data.aligned
    if isinstance(data, BuccCorpus):
        return bool(data.gold)
    if isinstance(data, TextCorpus):
        return False
    for ex in data:
        if isinstance(ex, PairExample | MultipleChoiceExample) and ex.label is not None:
            return True
        if isinstance(ex, TaggedSentence) and ex.tags:
            return True
        if isinstance(ex, QAExample) and (ex.answers or ex.is_impossible):
            return True
    return False
