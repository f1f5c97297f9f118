"""Sentence-retrieval files: Tatoeba pairs (LASER v1) and BUCC 2018 mining sets."""

from __future__ import annotations

from pathlib import Path

from harness.data.examples import BuccCorpus, ParallelSentences
from harness.data.readers._text import fail, numbered_lines

# XTREME's two-letter codes of the LASER Tatoeba v1 pairs (36 XTREME languages, plus the
# XTREME-R additions az, lt, pl, ro, uk). LASER names files by ISO 639-3, with the
# macrolanguage members cmn (zh), pes (fa) and swh (sw).
TATOEBA_ISO3 = {
    "af": "afr", "ar": "ara", "az": "aze", "bg": "bul", "bn": "ben", "de": "deu", "el": "ell",
    "es": "spa", "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fr": "fra", "he": "heb",
    "hi": "hin", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat",
    "kk": "kaz", "ko": "kor", "lt": "lit", "ml": "mal", "mr": "mar", "nl": "nld", "pl": "pol",
    "pt": "por", "ro": "ron", "ru": "rus", "sw": "swh", "ta": "tam", "te": "tel", "th": "tha",
    "tl": "tgl", "tr": "tur", "uk": "ukr", "ur": "urd", "vi": "vie", "zh": "cmn",
}  # fmt: skip
TATOEBA_FROM_ISO3 = {iso3: code for code, iso3 in TATOEBA_ISO3.items()}
# The 36 languages XTREME scores on Tatoeba (XTREME-R adds the others above).
XTREME_TATOEBA_LANGUAGES = tuple(sorted(set(TATOEBA_ISO3) - {"az", "lt", "pl", "ro", "uk"}))


def _lines(path: Path) -> list[str]:
    return [line for _, line in numbered_lines(path)]


def read_tatoeba(src_path: Path, eng_path: Path, lang: str) -> ParallelSentences:
    """Two line-aligned files: line i of ``src_path`` translates line i of ``eng_path``."""
    src_path, eng_path = Path(src_path), Path(eng_path)
    src, eng = _lines(src_path), _lines(eng_path)
    if len(src) != len(eng):
        shorter = src_path if len(src) < len(eng) else eng_path
        fail(
            shorter,
            min(len(src), len(eng)) + 1,
            f"file ends here but {eng_path if shorter == src_path else src_path} has "
            f"{max(len(src), len(eng))} lines; the two sides must be line-aligned",
        )
    for number, line in enumerate(src, start=1):
        if not line.strip():
            fail(src_path, number, "empty sentence")
    for number, line in enumerate(eng, start=1):
        if not line.strip():
            fail(eng_path, number, "empty sentence")
    return ParallelSentences(lang, src, eng)


def unaligned(pairs: ParallelSentences) -> ParallelSentences:
    """The same sentences with the line alignment declared unknown (XTREME's sorted English side)."""
    return ParallelSentences(pairs.lang, pairs.src, pairs.eng, aligned=False)


def _id_sentences(path: Path) -> dict[str, str]:
    sentences: dict[str, str] = {}
    for number, line in numbered_lines(path):
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0]:
            fail(path, number, f"expected <id><TAB><sentence>, found {len(fields)} field(s)")
        if fields[0] in sentences:
            fail(path, number, f"duplicate sentence id {fields[0]!r}")
        sentences[fields[0]] = fields[1]
    return sentences


def read_bucc(src_path: Path, eng_path: Path, gold_path: Path | None, lang: str) -> BuccCorpus:
    """BUCC 2018: ``<id>\\t<sentence>`` per side, gold ``<src-id>\\t<en-id>`` (absent for unlabelled sets)."""
    src = _id_sentences(Path(src_path))
    eng = _id_sentences(Path(eng_path))
    gold: set[tuple[str, str]] = set()
    if gold_path is not None:
        gold_path = Path(gold_path)
        for number, line in numbered_lines(gold_path):
            fields = line.split("\t")
            if len(fields) != 2:
                fail(
                    gold_path,
                    number,
                    f"expected <src-id><TAB><en-id>, found {len(fields)} field(s)",
                )
            if fields[0] not in src:
                fail(gold_path, number, f"source id {fields[0]!r} is not in {src_path}")
            if fields[1] not in eng:
                fail(gold_path, number, f"English id {fields[1]!r} is not in {eng_path}")
            gold.add((fields[0], fields[1]))
    return BuccCorpus(lang, src, eng, gold)
