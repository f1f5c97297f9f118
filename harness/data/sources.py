"""Where each task's data lies on disk, and the one call the pipeline makes to read it.

``load_split(data_dir, task, language, split)`` returns typed examples (or a
``ParallelSentences`` / ``BuccCorpus`` / ``TextCorpus``) for every task in ``tasks/``;
``data_checksum`` hashes the files it read, for the result record; ``available_languages``
says which languages a folder holds. ``harness data download`` and ``harness data mini``
write this layout, and ``--data-dir ../shared/xtreme-data`` reads as it is.

Layout under ``data_dir`` (the first file that exists wins; alternatives in brackets)::

    xnli/xtreme_processed/{dev,test}-<lang>.tsv    premise, hypothesis[, label]   [xnli/XNLI-1.0/xnli.{dev,test}.tsv]
    xnli/xtreme_processed/train-en.tsv             English train, XTREME's name   [mnli train, below]
    xnli-mt/XNLI-MT-1.0/multinli/multinli.train.<lang>.tsv   translate-train (xnli_mt_<lang>, xnli_mt_mix)
    mnli/multinli_1.0/multinli_1.0_{train,dev_matched,dev_mismatched}.jsonl    [mnli/MNLI/*.tsv, GLUE]
    snli/snli_1.0/snli_1.0_{train,dev,test}.jsonl
    anli/anli_v1.0/R{1,2,3}/{train,dev,test}.jsonl  (train is ANLI+: ANLI + MNLI + SNLI train)
    qqp/QQP/{train,dev,test}.tsv                   GLUE QQP
    pawsx/xtreme_processed/{dev,test}-<lang>.tsv   [pawsx/x-final/<lang>/{dev_2k,test_2k}.tsv]
    pawsx/x-final/en/train.tsv                     [pawsx/xtreme_processed/train-en.tsv]
    ud/xtreme_processed_udpos/{train,dev,test}-<lang>.tsv   [ud/UD_*/<lang>_*-ud-<split>.conllu, merged]
    panx/xtreme_processed/{train,dev,test}-<lang>.tsv       [panx/<lang>/<split>: raw WikiANN, `lang:` prefix]
    squad/{train,dev}-v1.1.json, squad/{train,dev}-v2.0.json   (xquad/mlqa train and English dev)
    xquad/xquad.<lang>.json                        test
    mlqa/MLQA_V1/{dev,test}/{dev,test}-context-<c>-question-<q>.json   (language "de" = de/de; "de-es" = c/q)
                                                   [mlqa/xtreme_processed_test_unlabeled/..., answers stripped]
    tydiqa/tydiqa-goldp-v1.1-train.json            English train (ids "english-...")
    tydiqa/tydiqa-goldp-v1.1-dev/tydiqa-goldp-dev-<name>.json   dev = test, as XTREME scores it
                                                   [tydiqa/<name>_tydiqa_dev.json, tydiqa/tydiqa-goldp-v1.1-dev.json]
    bucc2018/<lang>-en.{dev,test}.{<lang>,en,gold}
    tatoeba/tatoeba.<iso3>-eng.{<iso3>,eng}        test only   [tatoeba/<lang>-en.{<lang>,en}]
    hellaswag/hellaswag_{train,val,test}.jsonl
    cosmosqa/{train,valid}.{csv,jsonl}, cosmosqa/test.jsonl
    commonsenseqa/{train,dev}_rand_split.jsonl, commonsenseqa/test_rand_split_no_answers.jsonl
    ccg/ccg.{train,dev,test}.tsv                   jiant's CCGbank export (manual: LDC licence)
    mlm/{train,dev}-<lang>.txt                     one sentence per line

Split names are ``train``, ``dev`` and ``test``; a task's own names (``val``, ``valid``,
``sample``/``training`` for BUCC, ``dev_2k``) are mapped here. Test files that XTREME
ships label-stripped read with ``label=None`` / no tags / no answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.data.examples import (
    BuccCorpus,
    Example,
    PairExample,
    ParallelSentences,
    TaggedSentence,
    TextCorpus,
)
from harness.data.readers import choice, pair, qa, retrieval, tagging, text
from harness.errors import HarnessError

SPLITS = ("train", "dev", "test")
SplitData = list[Example] | ParallelSentences | BuccCorpus | TextCorpus

XNLI_LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")  # fmt: skip
PAWSX_LANGUAGES = ("de", "en", "es", "fr", "ja", "ko", "zh")
TYDIQA_NAMES = {
    "ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}  # fmt: skip
XNLI_DEV_HOLDOUT = 0.5  # default share of XNLI dev held out of xnli_dev_<lang> training


@dataclass(frozen=True)
class Candidate:
    """One way a split can lie on disk: the files it needs, and how to read them."""

    files: tuple[Path, ...]
    read: Callable[[], SplitData]

    def exists(self) -> bool:
        return bool(self.files) and all(path.is_file() for path in self.files)


def _xnli_pairs(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    processed = data_dir / "xnli" / "xtreme_processed" / f"{split}-{lang}.tsv"
    raw = data_dir / "xnli" / "XNLI-1.0" / f"xnli.{split}.tsv"
    return [
        Candidate((processed,), lambda: pair.read_xtreme_pair_tsv(processed, "nli")),
        Candidate((raw,), lambda: pair.read_xnli_raw(raw, lang)),
    ]


def _mnli(data_dir: Path, split: str) -> list[Candidate]:
    name = {"train": "train", "dev": "dev_matched", "test": "dev_mismatched"}[split]
    jsonl = data_dir / "mnli" / "multinli_1.0" / f"multinli_1.0_{name}.jsonl"
    glue = data_dir / "mnli" / "MNLI" / f"{name}.tsv"
    return [
        Candidate((jsonl,), lambda: pair.read_nli_jsonl(jsonl)),
        Candidate((glue,), lambda: pair.read_glue_mnli_tsv(glue)),
    ]


def _snli(data_dir: Path, split: str) -> list[Candidate]:
    path = data_dir / "snli" / "snli_1.0" / f"snli_1.0_{split}.jsonl"
    return [Candidate((path,), lambda: pair.read_nli_jsonl(path))]


def _anli(data_dir: Path, split: str) -> list[Candidate]:
    rounds = tuple(data_dir / "anli" / "anli_v1.0" / f"R{r}" / f"{split}.jsonl" for r in (1, 2, 3))
    if split != "train":
        return [Candidate(rounds, lambda: [ex for p in rounds for ex in pair.read_anli_jsonl(p)])]
    # ANLI+ (Phang et al. 2020): ANLI rounds 1-3 with MNLI and SNLI train.
    combos = []
    for mnli in _mnli(data_dir, "train"):
        for snli in _snli(data_dir, "train"):

            def read(mnli=mnli, snli=snli):
                anli = [ex for p in rounds for ex in pair.read_anli_jsonl(p)]
                return anli + mnli.read() + snli.read()

            combos.append(Candidate(rounds + mnli.files + snli.files, read))
    return combos


def _xnli_mt(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    if split != "train":
        return _xnli_pairs(data_dir, lang, split)
    name = f"multinli.train.{lang}.tsv"
    paths = [
        data_dir / "xnli-mt" / "XNLI-MT-1.0" / "multinli" / name,
        data_dir / "xnli" / "XNLI-MT-1.0" / "multinli" / name,
    ]
    return [Candidate((p,), lambda p=p: pair.read_xnli_mt(p)) for p in paths]


def _xnli_dev_share(data_dir: Path, task: str, lang: str, split: str) -> list[Candidate]:
    """XNLI dev cut in two by premise (so no premise is on both sides), deterministically."""
    holdout = _spec_data(task).get("holdout", XNLI_DEV_HOLDOUT)

    def share(candidate: Candidate) -> Candidate:
        def read():
            examples = candidate.read()
            keep_training = split == "train"
            return [ex for ex in examples if (_unit_hash(ex.text_a) >= holdout) == keep_training]

        return Candidate(candidate.files, read)

    return [share(c) for c in _xnli_pairs(data_dir, lang, "dev")]


def _unit_hash(value: str) -> float:
    """A stable number in [0, 1) for a string, so that a split never depends on file order."""
    digest = hashlib.sha256(value.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _spec_data(task: str) -> dict:
    try:
        from harness.spec import default_registry

        spec = default_registry().tasks.get(task)
    except HarnessError:
        return {}
    return dict(spec.data) if spec else {}


def _pawsx(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    processed = data_dir / "pawsx" / "xtreme_processed" / f"{split}-{lang}.tsv"
    raw_name = {"train": "train", "dev": "dev_2k", "test": "test_2k"}[split]
    raw = data_dir / "pawsx" / "x-final" / lang / f"{raw_name}.tsv"
    return [
        Candidate((processed,), lambda: pair.read_xtreme_pair_tsv(processed, "binary")),
        Candidate((raw,), lambda: pair.read_pawsx_raw(raw)),
    ]


def _udpos(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    processed = data_dir / "ud" / "xtreme_processed_udpos" / f"{split}-{lang}.tsv"
    # XTREME merges a language's treebanks in the order of their file names.
    found = (data_dir / "ud").glob(f"UD_*/{lang}_*-ud-{split}.conllu")
    treebanks = tuple(sorted(found, key=lambda p: p.name))

    def read_treebanks():
        return tagging.read_conllu_treebanks(treebanks)

    return [
        Candidate((processed,), lambda: tagging.read_token_tag_tsv(processed)),
        Candidate(treebanks, read_treebanks),
    ]


def _panx(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    paths = [
        data_dir / "panx" / "xtreme_processed" / f"{split}-{lang}.tsv",
        data_dir / "panx" / lang / split,  # a Rahimi {lang}.tar.gz unpacked
    ]

    def read(path: Path) -> list[TaggedSentence]:
        return tagging.read_token_tag_tsv(path, lang_prefix=tagging.detect_lang_prefix(path))

    return [Candidate((p,), lambda p=p: read(p)) for p in paths]


def _squad(data_dir: Path, version: str, split: str) -> list[Candidate]:
    if split == "test":
        return []
    path = data_dir / "squad" / f"{split}-v{version}.json"
    return [Candidate((path,), lambda: qa.read_squad_json(path))]


def _xquad(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    if split != "test":
        return _squad(data_dir, "1.1", split) if lang == "en" else []
    path = data_dir / "xquad" / f"xquad.{lang}.json"
    return [Candidate((path,), lambda: qa.read_squad_json(path))]


def _mlqa(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    if split == "train":
        return _squad(data_dir, "1.1", split) if lang == "en" else []
    context, _, question = lang.partition("-")
    name = f"{split}-context-{context}-question-{question or context}.json"
    paths = [
        data_dir / "mlqa" / "MLQA_V1" / split / name,
        data_dir / "mlqa" / f"xtreme_processed_{split}_unlabeled" / name,  # answers stripped
    ]
    return [Candidate((p,), lambda p=p: qa.read_squad_json(p)) for p in paths]


def _tydiqa(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    name = TYDIQA_NAMES.get(lang)
    if name is None:
        return []
    root = data_dir / "tydiqa"
    if split == "train":
        if lang != "en":
            return []
        full = root / "tydiqa-goldp-v1.1-train.json"
        return [Candidate((full,), lambda: qa.read_squad_json(full, id_prefix="english-"))]
    per_language = [
        root / "tydiqa-goldp-v1.1-dev" / f"tydiqa-goldp-dev-{name}.json",
        root / f"{name}_tydiqa_dev.json",
    ]
    combined = root / "tydiqa-goldp-v1.1-dev.json"
    return [Candidate((p,), lambda p=p: qa.read_squad_json(p)) for p in per_language] + [
        Candidate((combined,), lambda: qa.read_squad_json(combined, id_prefix=f"{name}-"))
    ]


def _bucc(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    if split == "train":
        return []
    root = data_dir / "bucc2018"
    src, eng, gold = (root / f"{lang}-en.{split}.{suffix}" for suffix in (lang, "en", "gold"))
    return [
        Candidate((src, eng, gold), lambda: retrieval.read_bucc(src, eng, gold, lang)),
        Candidate((src, eng), lambda: retrieval.read_bucc(src, eng, None, lang)),
    ]


def _tatoeba(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    iso3 = retrieval.TATOEBA_ISO3.get(lang)
    if split != "test" or iso3 is None:
        return []
    root = data_dir / "tatoeba"
    laser = (root / f"tatoeba.{iso3}-eng.{iso3}", root / f"tatoeba.{iso3}-eng.eng")
    xtreme = (root / f"{lang}-en.{lang}", root / f"{lang}-en.en")
    return [
        Candidate(pair_, lambda p=pair_: retrieval.read_tatoeba(*p, lang))
        for pair_ in (laser, xtreme)
    ]


def _qqp(data_dir: Path, split: str) -> list[Candidate]:
    paths = [data_dir / "qqp" / "QQP" / f"{split}.tsv", data_dir / "qqp" / f"{split}.tsv"]
    return [Candidate((p,), lambda p=p: pair.read_qqp_tsv(p)) for p in paths]


def _hellaswag(data_dir: Path, split: str) -> list[Candidate]:
    name = {"train": "train", "dev": "val", "test": "test"}[split]
    path = data_dir / "hellaswag" / f"hellaswag_{name}.jsonl"
    return [Candidate((path,), lambda: choice.read_hellaswag_jsonl(path))]


def _cosmosqa(data_dir: Path, split: str) -> list[Candidate]:
    name = {"train": "train", "dev": "valid", "test": "test"}[split]
    paths = [data_dir / "cosmosqa" / f"{name}.{ext}" for ext in ("jsonl", "csv")]
    return [Candidate((p,), lambda p=p: choice.read_cosmosqa(p)) for p in paths]


def _commonsenseqa(data_dir: Path, split: str) -> list[Candidate]:
    name = {
        "train": "train_rand_split",
        "dev": "dev_rand_split",
        "test": "test_rand_split_no_answers",
    }[split]
    path = data_dir / "commonsenseqa" / f"{name}.jsonl"
    return [Candidate((path,), lambda: choice.read_commonsenseqa_jsonl(path))]


def _ccg(data_dir: Path, split: str) -> list[Candidate]:
    paths = [data_dir / "ccg" / f"ccg.{split}.tsv", data_dir / "ccg" / f"ccg.{split}"]
    return [Candidate((p,), lambda p=p: tagging.read_ccg_tsv(p)) for p in paths]


def _mlm(data_dir: Path, lang: str, split: str) -> list[Candidate]:
    path = data_dir / "mlm" / f"{split}-{lang}.txt"
    return [Candidate((path,), lambda: text.read_text_corpus(path, lang))]


def _english_only(lang: str, candidates: Callable[[], list[Candidate]]) -> list[Candidate]:
    return candidates() if lang == "en" else []


def _candidates(data_dir: Path, task: str, lang: str, split: str) -> list[Candidate]:
    """Every way (task, language, split) may lie under ``data_dir``, preferred first."""
    if task == "xnli":
        if split == "train":
            if lang != "en":
                return []
            own = data_dir / "xnli" / "xtreme_processed" / "train-en.tsv"
            return [
                Candidate((own,), lambda: pair.read_xtreme_pair_tsv(own, "nli")),
                *_mnli(data_dir, "train"),
                *_xnli_mt(data_dir, "en", "train"),
            ]
        return _xnli_pairs(data_dir, lang, split)
    if task == "xnli_mt_mix" or task.startswith("xnli_mt_"):
        return _xnli_mt(data_dir, lang, split)
    if task.startswith("xnli_dev_"):
        return _xnli_dev_share(data_dir, task, lang, split if split == "train" else "dev")
    simple = {
        "pawsx": lambda: _pawsx(data_dir, lang, split),
        "udpos": lambda: _udpos(data_dir, lang, split),
        "panx": lambda: _panx(data_dir, lang, split),
        "xquad": lambda: _xquad(data_dir, lang, split),
        "mlqa": lambda: _mlqa(data_dir, lang, split),
        "tydiqa": lambda: _tydiqa(data_dir, lang, split),
        "bucc2018": lambda: _bucc(data_dir, lang, split),
        "tatoeba": lambda: _tatoeba(data_dir, lang, split),
        "mlm": lambda: _mlm(data_dir, lang, split),
    }
    if task in simple:
        return simple[task]()
    english = {
        "mnli": lambda: _mnli(data_dir, split),
        "snli": lambda: _snli(data_dir, split),
        "anli": lambda: _anli(data_dir, split),
        "qqp": lambda: _qqp(data_dir, split),
        "squad_v1": lambda: _squad(data_dir, "1.1", split),
        "squad_v2": lambda: _squad(data_dir, "2.0", split),
        "hellaswag": lambda: _hellaswag(data_dir, split),
        "cosmosqa": lambda: _cosmosqa(data_dir, split),
        "commonsenseqa": lambda: _commonsenseqa(data_dir, split),
        "ccg": lambda: _ccg(data_dir, split),
    }
    if task in english:
        return _english_only(lang, english[task])
    raise HarnessError(
        f"unknown task {task!r}: the data layer has no layout for it; `harness ls tasks` lists the known ones"
    )


def _language_of(task: str, language: str) -> str:
    """Tasks whose name carries the language (xnli_mt_de) accept that language only."""
    for family in ("xnli_mt_", "xnli_dev_"):
        if task.startswith(family) and task != "xnli_mt_mix":
            own = task[len(family) :]
            if language not in (own, ""):
                raise HarnessError(
                    f"task {task!r} holds {own!r} data only; asked for language {language!r}"
                )
            return own
    return language


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise HarnessError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")


def resolve_files(data_dir: Path, task: str, language: str, split: str) -> tuple[Path, ...]:
    """The files ``load_split`` would read, or a HarnessError saying what is missing and how to get it."""
    return _pick(Path(data_dir), task, language, split).files


def _pick(data_dir: Path, task: str, language: str, split: str) -> Candidate:
    _check_split(split)
    language = _language_of(task, language)
    if task == "xnli_mt_mix" and language == "mix":
        raise HarnessError(
            "xnli_mt_mix: load each language with load_split and mix them (see load_mix)"
        )
    candidates = _candidates(data_dir, task, language, split)
    for candidate in candidates:
        if candidate.exists():
            return candidate
    if not data_dir.is_dir():
        raise HarnessError(f"data folder {data_dir} does not exist; {_how_to_get(task, data_dir)}")
    if not candidates:
        raise HarnessError(
            f"task {task!r} has no {split} split in language {language!r} "
            f"(the files it ships have none); check the task's languages and splits"
        )
    expected = candidates[0].files or (data_dir / task,)
    missing = next((p for p in expected if not p.is_file()), expected[0])
    alternatives = []
    for c in candidates[1:]:
        if c.files and c.files[0] != missing and c.files[0] not in alternatives:
            alternatives.append(c.files[0])
    also = f" (or {', '.join(str(p) for p in alternatives)})" if alternatives else ""
    raise HarnessError(
        f"no {split} data for task {task!r}, language {language!r}: expected {missing}{also}; "
        f"{_how_to_get(task, data_dir)}"
    )


def _how_to_get(task: str, data_dir: Path) -> str:
    from harness.data.download import how_to_get

    return how_to_get(task, data_dir)


def load_split(
    data_dir: Path | str, task: str, language: str, split: str, source: str = "local"
) -> SplitData:
    """Read one split of one task in one language.

    ``source="local"`` reads ``data_dir`` in the layout above; ``source="hub"`` reads the
    Hugging Face hub copy through ``datasets`` (``google/xtreme`` and friends) and fails fast,
    with instructions, when the hub cannot be reached.
    """
    if source == "hub":
        from harness.data.hub import load_hub_split

        _check_split(split)
        return load_hub_split(task, _language_of(task, language), split)
    if source != "local":
        raise HarnessError(f"unknown data source {source!r}; use 'local' or 'hub'")
    return _pick(Path(data_dir), task, language, split).read()


def load_mix(
    data_dir: Path | str, task: str, languages: list[str], split: str
) -> list[PairExample]:
    """Several languages of one task concatenated (xnli_mt_mix), guids prefixed by language.

    XNLI-MT files are translations of the same MNLI pairs, so equal files give equal shares.
    """
    mixed: list[PairExample] = []
    for lang in languages:
        for ex in load_split(data_dir, task, lang, split):
            mixed.append(PairExample(f"{lang}-{ex.guid}", ex.text_a, ex.text_b, ex.label))
    return mixed


def data_checksum(data_dir: Path | str, task: str, language: str, split: str) -> str:
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


def available_languages(data_dir: Path | str, task: str, split: str) -> list[str]:
    """Languages for which ``load_split(data_dir, task, language, split)`` finds its files."""
    from harness.languages import LANGUAGE_NAMES

    data_dir = Path(data_dir)
    _check_split(split)
    if task.startswith(("xnli_mt_", "xnli_dev_")) and task != "xnli_mt_mix":
        languages = [_language_of(task, "")]
    else:
        languages = sorted(LANGUAGE_NAMES)
    found = []
    for lang in languages:
        candidates = _candidates(data_dir, task, lang, split)
        if task == "xnli" or task.startswith(("xnli_mt", "xnli_dev_")):
            # the raw XNLI-1.0 file holds all 15 languages; no other language is in it
            candidates = candidates if lang in XNLI_LANGUAGES else []
        if any(c.exists() for c in candidates):
            found.append(lang)
    return found
