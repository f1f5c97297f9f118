"""Token classification files: token<TAB>tag blocks (PAN-X / WikiANN, UD-POS), CoNLL-U, CCG supertags."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.data.examples import TaggedSentence
from harness.data.readers._text import fail, numbered_lines, read_text

log = logging.getLogger(__name__)

_LANG_PREFIX = re.compile(r"^([a-z]{2,3}):")


def _parse_clean(text: str, stem: str, prefix: str) -> list[TaggedSentence] | None:
    """Bulk parse of a clean token<TAB>tag (or lone token) file; None sends it the slow way.

    The line-by-line path tolerates odd blank lines and names the line of a real fault;
    this one only counts tabs per block, which is several times faster on PAN-X's 2M lines.
    """
    if "\r" in text:
        return None
    first = text.lstrip("\n").split("\n", 1)[0]
    width = first.count("\t") + 1
    if not first or width > 2:
        return None
    sentences = []
    for block in text.split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        if width == 2:
            if block.count("\t") != block.count("\n") + 1:
                return None
            parts = block.replace("\n", "\t").split("\t")
            if "" in parts:
                return None
            tokens, tags = parts[0::2], parts[1::2]
            if any(tag != tag.strip() for tag in tags):
                return None
        else:
            tokens, tags = block.split("\n"), []
            if "\t" in block or any(not token.strip() for token in tokens):
                return None
        if prefix:
            if not all(token.startswith(prefix) and len(token) > len(prefix) for token in tokens):
                return None
            tokens = [token[len(prefix) :] for token in tokens]
        sentences.append(TaggedSentence(f"{stem}-{len(sentences)}", tokens, tags))
    return sentences


def detect_lang_prefix(path: Path) -> str | None:
    """The ``xx`` of WikiANN's ``xx:token`` prefix when the file's first token carries one."""
    with Path(path).open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff\r\n")
    match = _LANG_PREFIX.match(head)
    return match.group(1) if match else None


def read_token_tag_tsv(path: Path, lang_prefix: str | None = None) -> list[TaggedSentence]:
    """``token<TAB>tag`` lines, sentences separated by blank lines (PAN-X, UD-POS as XTREME writes them).

    A file with one column (XTREME's label-stripped test files) gives sentences with no tags.
    With ``lang_prefix="en"`` every token must start with ``en:`` (the raw WikiANN / Rahimi
    files), and the prefix is removed.
    """
    path = Path(path)
    prefix = f"{lang_prefix}:" if lang_prefix else ""
    fast = _parse_clean(read_text(path), path.stem, prefix)
    if fast is not None:
        return fast
    cut = len(prefix)
    blocks: list[list[list[str]]] = []
    block: list[list[str]] = []
    width: int | None = None
    for number, line in numbered_lines(path):
        if not line or line.isspace():
            if block:
                blocks.append(block)
                block = []
            continue
        fields = line.split("\t")
        if len(fields) != width:
            if width is not None or len(fields) not in (1, 2):
                expected = (
                    "token<TAB>tag (or a lone token)"
                    if width is None
                    else f"{width} field(s) like line 1"
                )
                fail(path, number, f"expected {expected}, found {len(fields)} tab-separated fields")
            width = len(fields)
        token = fields[0]
        if cut:
            if not token.startswith(prefix):
                fail(
                    path, number, f"token {token!r} lacks the {prefix!r} prefix of the other lines"
                )
            fields[0] = token = token[cut:]
        if not token:
            fail(path, number, "empty token")
        if width == 2:
            fields[1] = fields[1].strip()
            if not fields[1]:
                fail(path, number, "empty tag")
        block.append(fields)
    if block:
        blocks.append(block)
    stem = path.stem
    if width == 2:
        return [
            TaggedSentence(f"{stem}-{i}", [f[0] for f in b], [f[1] for f in b])
            for i, b in enumerate(blocks)
        ]
    return [TaggedSentence(f"{stem}-{i}", [f[0] for f in b], []) for i, b in enumerate(blocks)]


# XTREME's download_data.sh converts every UD v2.5 treebank of these languages (the file name's
# prefix, ``fr`` of ``fr_gsd-ud-test.conllu``) with ud-conversion-tools' conllu_to_conll.py
# (--replace_subtokens_with_fused_forms), then utils_preprocess.py's udpos_preprocess.
UDPOS_LANGUAGES = frozenset(
    "af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta te th tl tr ur vi yo zh".split()
)

# conllu_to_conll.py's POS ranking for choosing which word of a multiword token keeps its tag
# when several are equally high in the tree. The default list ends with an empty entry (it is
# split on " " after a trailing space); other tags are absent, and a tie that needs one made
# the converter fail on the whole file, so XTREME has no data from that file.
_FUSED_HEAD_PRECEDENCE = {
    "default": tuple("VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT ".split(" ")),
    "es": tuple("VERB AUX PRON ADP DET".split(" ")),
    "fr": tuple("VERB AUX PRON NOUN ADJ ADV ADP DET PART SCONJ CONJ".split(" ")),
    "it": tuple("VERB AUX ADV PRON ADP DET INTJ".split(" ")),
}


class _ConversionFailed(Exception):
    """Where XTREME's converter raised, so XTREME's data lacks the whole treebank file."""


@dataclass
class _Word:
    form: str
    upos: str
    parents: set[int | None]  # basic head and the integer heads of the enhanced DEPS column


def _ancestor_count(words: dict[int, _Word], node: int) -> int:
    """How many nodes reach ``node`` over basic and enhanced arcs (networkx's ``ancestors``)."""
    seen: set[int | None] = set()
    stack = list(words[node].parents)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in words:
            stack.extend(words[current].parents)
    seen.discard(node)
    return len(seen)


def _fused_head(words: dict[int, _Word], span: range, precedence: tuple[str, ...]) -> int:
    """The word of a multiword token that keeps its tag: the single highest, else by POS rank."""
    depths = [_ancestor_count(words, i) for i in span]
    highest = min(depths)
    candidates = [i for i, depth in zip(span, depths, strict=True) if depth == highest]
    if len(candidates) == 1:
        return candidates[0]
    best, best_rank = candidates[0], len(precedence) + 1
    for i in candidates:
        if words[i].upos not in precedence:
            raise _ConversionFailed(f"tie needs the rank of {words[i].upos!r}, which the converter lacks")
        rank = precedence.index(words[i].upos)
        if rank < best_rank:
            best, best_rank = i, rank
    return best


def _xtreme_sentence(
    words: dict[int, _Word], fused: dict[int, tuple[int, str]], precedence: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """One sentence as XTREME writes it: each multiword token as its surface form, tagged
    with the UPOS of its head word; spaces and ZWNJ removed inside forms."""
    keep: dict[int, str] = {i: word.form for i, word in words.items()}
    for start, (end, form) in fused.items():
        span = range(start, end + 1)
        if not all(i in words for i in span):
            raise _ConversionFailed(f"multiword token {start}-{end} covers missing words")
        head = _fused_head(words, span, precedence)
        for i in span:
            keep.pop(i)
        keep[head] = form
    order = sorted(keep)
    forms = [keep[i].strip() for i in order]
    return forms, [words[i].upos.strip() for i in order]


def _hidden_text(forms: list[str]) -> bool:
    """XTREME's filter for treebanks distributed without their text (every FORM ``_``):
    a sentence with an underscore form is dropped unless fewer than all-but-one are ``_``."""
    empty = sum(form == "_" for form in forms)
    return not (empty == 0 or empty < len(forms) - 1)


def read_conllu_upos(path: Path) -> list[TaggedSentence]:
    """A UD CoNLL-U treebank as XTREME's UD-POS: exactly the sentences, tokens and tags of
    XTREME's ``{split}-{lang}.tsv`` (for the part that came from this file).

    Why not simply (FORM, UPOS) per word: XTREME converted the treebanks with ud-conversion-
    tools, which keeps a multiword token's surface form (``du``, not ``de le``) with the tag of
    the word highest in the tree (ties by a per-language POS ranking); sentences whose text
    is hidden (``_``, e.g. en_esl, most of fr_ftb) are dropped; spaces and U+200C inside a form
    are removed. Empty nodes (``1.1``) are not tokens. Where XTREME's converter failed on a
    file (a tie its ranking cannot break, a head ``_``), XTREME has nothing from that file,
    and neither has this reader (with a warning). The guid is the ``sent_id``.
    """
    path = Path(path)
    lang = path.name.split("_")[0]
    precedence = _FUSED_HEAD_PRECEDENCE.get(lang, _FUSED_HEAD_PRECEDENCE["default"])
    sentences: list[TaggedSentence] = []
    words: dict[int, _Word] = {}
    fused: dict[int, tuple[int, str]] = {}
    sent_id: str | None = None
    first_line = 1

    def close() -> None:
        nonlocal sent_id
        if words:
            try:
                forms, tags = _xtreme_sentence(words, fused, precedence)
            except _ConversionFailed as err:
                raise _ConversionFailed(f"{path}:{first_line}: {err}") from None
            if not _hidden_text(forms):
                forms = ["".join(form.replace("\u200c", "").split(" ")) for form in forms]
                guid = sent_id or f"{path.stem}-{len(sentences)}"
                sentences.append(TaggedSentence(guid, forms, tags))
        words.clear()
        fused.clear()
        sent_id = None

    try:
        for number, line in numbered_lines(path):
            if not line.strip():
                close()
                first_line = number + 1
                continue
            if line.startswith("#"):
                if line.startswith("# sent_id") and "=" in line:
                    sent_id = line.split("=", 1)[1].strip()
                continue
            fields = line.split("\t")
            if len(fields) != 10:
                fail(path, number, f"a CoNLL-U word line has 10 tab-separated fields, found {len(fields)}")
            word_id = fields[0]
            if "." in word_id:
                continue
            if "-" in word_id:
                start, _, end = word_id.partition("-")
                if not (start.isdigit() and end.isdigit()):
                    fail(path, number, f"multiword range {word_id!r} is not two integers")
                fused[int(start)] = (int(end), fields[1])
                continue
            if not word_id.isdigit():
                fail(path, number, f"word ID {word_id!r} is not an integer, range or decimal")
            if int(word_id) != len(words) + 1:
                fail(
                    path,
                    number,
                    f"word ID {word_id} out of sequence (expected {len(words) + 1}); a blank line may be missing",
                )
            head = fields[6]
            if head == "_":
                raise _ConversionFailed(f"{path}:{number}: head '_'")
            if not head.isdigit():
                fail(path, number, f"HEAD {head!r} is not an integer")
            parents: set[int | None] = {int(head)}
            if fields[8] != "_":
                for arc in fields[8].split("|"):
                    source = arc.split(":")[0]
                    if source.isdigit():
                        parents.add(int(source))
            words[int(word_id)] = _Word(fields[1], fields[3], parents)
        close()
    except _ConversionFailed as err:
        log.warning("%s; XTREME's converter failed here too, so its UD-POS has no data from this file", err)
        return []
    return sentences


def read_conllu_treebanks(paths: Iterable[Path]) -> list[TaggedSentence]:
    """Several treebanks of one language and split, merged as XTREME merges them: in the
    order of their file names (not their folders'), languages outside XTREME's UD-POS skipped."""
    chosen = [Path(p) for p in paths if Path(p).name.split("_")[0] in UDPOS_LANGUAGES]
    return [s for path in sorted(chosen, key=lambda p: p.name) for s in read_conllu_upos(path)]


def read_ccg_tsv(path: Path) -> list[TaggedSentence]:
    """CCG supertags as jiant ships CCGbank: ``space-tokenized text<TAB>space-separated supertags``."""
    path = Path(path)
    sentences = []
    for number, line in numbered_lines(path):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            fail(path, number, f"expected text<TAB>tags, found {len(fields)} fields")
        tokens = fields[0].strip().split(" ")
        tags = fields[1].split()
        if len(tokens) != len(tags):
            fail(path, number, f"{len(tokens)} tokens but {len(tags)} supertags")
        sentences.append(TaggedSentence(f"{path.stem}-{number}", tokens, tags))
    return sentences
