"""Token classification files: token<TAB>tag blocks (PAN-X / WikiANN, UD-POS), CoNLL-U, CCG supertags."""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.examples import TaggedSentence
from harness.data.readers._text import fail, numbered_lines, read_text

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


def read_conllu_upos(path: Path) -> list[TaggedSentence]:
    """CoNLL-U sentences as (FORM, UPOS) pairs.

    Multiword-token ranges (``1-2``) are skipped, because their parts carry the tags, and so
    are empty nodes (``1.1``), which are not surface tokens. The guid is the ``sent_id``.
    """
    path = Path(path)
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    sent_id: str | None = None

    def close() -> None:
        nonlocal sent_id
        if tokens:
            sentences.append(
                TaggedSentence(sent_id or f"{path.stem}-{len(sentences)}", list(tokens), list(tags))
            )
        tokens.clear()
        tags.clear()
        sent_id = None

    for number, line in numbered_lines(path):
        if not line.strip():
            close()
            continue
        if line.startswith("#"):
            if line.startswith("# sent_id") and "=" in line:
                sent_id = line.split("=", 1)[1].strip()
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            fail(
                path,
                number,
                f"a CoNLL-U word line has 10 tab-separated fields, found {len(fields)}",
            )
        word_id = fields[0]
        if "-" in word_id or "." in word_id:
            continue
        if not word_id.isdigit():
            fail(path, number, f"word ID {word_id!r} is not an integer, range or decimal")
        if int(word_id) != len(tokens) + 1:
            fail(
                path,
                number,
                f"word ID {word_id} out of sequence (expected {len(tokens) + 1}); a blank line may be missing",
            )
        tokens.append(fields[1])
        tags.append(fields[3])
    close()
    return sentences


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
