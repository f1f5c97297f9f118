"""Readers by name: what a task spec's ``reader:`` key may say, and how each one is called.

Why a table: task YAML names a file format (``reader: xtreme_pair_tsv``), never a Python
function, so a new task in an existing format needs no code, and a typo fails when the spec
is loaded (``harness.spec`` checks names and arguments against this table). Every entry is a
thin adapter over a reader module; the modules stay the one home of each file format.

An entry reads the files one alternative of a split resolved to: ``files="each"`` readers
parse every file the same way and the results are concatenated (ANLI's rounds, a language's
UD treebanks); ``files=N`` readers take exactly N files in a fixed role order (Tatoeba:
source, English; BUCC: source, English[, gold]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.readers import choice, pair, qa, retrieval, tagging, text
from harness.errors import HarnessError

ReadFunction = Callable[[tuple[Path, ...], str, dict[str, Any]], Any]


@dataclass(frozen=True)
class Reader:
    name: str
    read: ReadFunction  # (files, language, args) -> examples or a corpus
    files: str | tuple[int, ...] = "each"  # "each": one or more files, concatenated; else allowed counts
    args: tuple[str, ...] = ()  # the argument names a spec may pass
    doc: str = ""


def _each(read_one: Callable[[Path, str, dict[str, Any]], list]) -> ReadFunction:
    def read(files: tuple[Path, ...], lang: str, args: dict[str, Any]) -> list:
        return [example for path in files for example in read_one(path, lang, args)]

    return read


def _label_kind(args: dict[str, Any]) -> str:
    return str(args.get("label_kind", "nli"))


def _panx_prefix(path: Path, args: dict[str, Any]) -> str | None:
    prefix = args.get("lang_prefix", "auto")
    if prefix == "auto":
        return tagging.detect_lang_prefix(path)
    return None if prefix in (None, "none", "") else str(prefix)


def _tatoeba(files: tuple[Path, ...], lang: str, args: dict[str, Any]):
    pairs = retrieval.read_tatoeba(files[0], files[1], lang)
    if args.get("aligned", True) is False:
        return retrieval.unaligned(pairs)
    return pairs


def _bucc(files: tuple[Path, ...], lang: str, args: dict[str, Any]):
    gold = files[2] if len(files) == 3 else None
    return retrieval.read_bucc(files[0], files[1], gold, lang)


def _text_lines(files: tuple[Path, ...], lang: str, args: dict[str, Any]):
    corpora = [text.read_text_corpus(path, lang) for path in files]
    return corpora[0] if len(corpora) == 1 else type(corpora[0])(lang, [line for c in corpora for line in c.lines])


_ENTRIES = (
    Reader("xtreme_pair_tsv", _each(lambda p, _lang, a: pair.read_xtreme_pair_tsv(p, _label_kind(a))),
           args=("label_kind",), doc="XTREME-processed XNLI / PAWS-X: text_a, text_b[, label], no header"),
    Reader("xnli_raw_tsv", _each(lambda p, lang, _a: pair.read_xnli_raw(p, lang)),
           doc="raw XNLI-1.0 xnli.{dev,test}.tsv, all languages in one file"),
    Reader("xnli_mt_tsv", _each(lambda p, _lang, _a: pair.read_xnli_mt(p)),
           doc="XNLI-MT multinli.train.<lang>.tsv (premise, hypo, label)"),
    Reader("pawsx_raw_tsv", _each(lambda p, _lang, _a: pair.read_pawsx_raw(p)),
           doc="PAWS-X x-final/<lang>/*.tsv with header id, sentence1, sentence2, label"),
    Reader("nli_jsonl", _each(lambda p, _lang, _a: pair.read_nli_jsonl(p)),
           doc="MNLI / SNLI jsonl; rows without a gold label ('-') are skipped"),
    Reader("anli_jsonl", _each(lambda p, _lang, _a: pair.read_anli_jsonl(p)), doc="ANLI R{1,2,3} jsonl"),
    Reader("glue_mnli_tsv", _each(lambda p, _lang, _a: pair.read_glue_mnli_tsv(p)), doc="GLUE MNLI tsv"),
    Reader("qqp_tsv", _each(lambda p, _lang, _a: pair.read_qqp_tsv(p)), doc="GLUE QQP tsv"),
    Reader("token_tag_tsv", _each(lambda p, _lang, a: tagging.read_token_tag_tsv(p, lang_prefix=_panx_prefix(p, a))),
           args=("lang_prefix",), doc="token<TAB>tag lines, blank line between sentences (PAN-X, UD-POS)"),
    # Not _each: XTREME merges a language's treebanks in file-name order, not folder order.
    Reader("conllu_upos", lambda files, _lang, _a: tagging.read_conllu_treebanks(files),
           doc="UD CoNLL-U treebanks as XTREME converts them; several treebanks merged in file-name order"),
    Reader("ccg_supertags", _each(lambda p, _lang, _a: tagging.read_ccg_tsv(p)), doc="jiant's CCGbank export"),
    Reader("squad_json", _each(lambda p, _lang, a: qa.read_squad_json(p, id_prefix=a.get("id_prefix"))),
           args=("id_prefix",), doc="SQuAD-format json (SQuAD, XQuAD, MLQA, TyDiQA-GoldP)"),
    Reader("hellaswag_jsonl", _each(lambda p, _lang, _a: choice.read_hellaswag_jsonl(p)), doc="HellaSwag jsonl"),
    Reader("cosmosqa", _each(lambda p, _lang, _a: choice.read_cosmosqa(p)), doc="Cosmos QA csv or jsonl"),
    Reader("commonsenseqa_jsonl", _each(lambda p, _lang, _a: choice.read_commonsenseqa_jsonl(p)),
           doc="CommonsenseQA jsonl"),
    Reader("tatoeba", _tatoeba, files=(2,), args=("aligned",),
           doc="two files, source then English; line i translates line i unless aligned: false"),
    Reader("bucc", _bucc, files=(2, 3), doc="BUCC 2018: source, English[, gold] files of <id><TAB>sentence"),
    Reader("text_lines", _text_lines, doc="plain text, one sentence per line (MLM)"),
)
READERS: dict[str, Reader] = {entry.name: entry for entry in _ENTRIES}


def get_reader(name: str, where: str = "") -> Reader:
    """The reader registered as ``name``, or an error naming the spec file and the known names."""
    try:
        return READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise HarnessError(f"{where}unknown reader {name!r}; known readers: {known}") from None
