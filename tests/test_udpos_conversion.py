"""Raw UD v2.5 CoNLL-U → exactly XTREME's UD-POS sentences, tokens and tags.

The reference is XTREME's own processed files (``ud/xtreme_processed_udpos``, written by
google-research/xtreme's download_data.sh + utils_preprocess.py). Each XTREME file merges all
treebanks of a language in file-name order; ../shared holds one treebank per language, so its
conversion must appear there as one contiguous block, at the offset left by the treebanks that
sort before it (their published UD v2.5 test sizes, named below).
"""

import logging
from pathlib import Path

import pytest

from harness.data import sources
from harness.data.readers import tagging

# (raw treebank, XTREME file, offset of its block in the XTREME file, sentences, tokens)
BLOCKS = [
    # en_esl (hidden text, every sentence dropped) sorts first, so en_ewt starts XTREME's files.
    ("UD_English-EWT/en_ewt-ud-test.conllu", "test-en.tsv", 0, 2077, 25096),
    ("UD_English-EWT/en_ewt-ud-dev.conllu", "dev-en.tsv", 0, 2002, 25148),
    # fr_fqb (2,289 test sentences) and the 12 sentences XTREME keeps of fr_ftb come first.
    ("UD_French-GSD/fr_gsd-ud-test.conllu", "test-fr.tsv", 2301, 416, 9740),
    # zh_cfl (451 sentences) sorts before zh_gsd.
    ("UD_Chinese-GSD/zh_gsd-ud-test.conllu", "test-zh.tsv", 451, 500, 12012),
    # hi_hdtb's test split (1,684 sentences) sorts before hi_pud.
    ("UD_Hindi-PUD/hi_pud-ud-test.conllu", "test-hi.tsv", 1684, 1000, 23829),
]
# Treebanks whose language has no XTREME file in ../shared: sentence counts are UD's own.
UNPAIRED = {
    "UD_German-GSD/de_gsd-ud-test.conllu": (977, 16224),
    "UD_Japanese-GSD/ja_gsd-ud-test.conllu": (550, 12391),
    "UD_Yoruba-YTB/yo_ytb-ud-test.conllu": (100, 2664),
}


@pytest.mark.parametrize(("raw", "processed", "offset", "n_sentences", "n_tokens"), BLOCKS)
def test_treebank_is_exactly_xtremes_block(xtreme_data, raw, processed, offset, n_sentences, n_tokens):
    ours = tagging.read_conllu_upos(xtreme_data / "ud" / raw)
    xtreme = tagging.read_token_tag_tsv(xtreme_data / "ud/xtreme_processed_udpos" / processed)
    assert len(ours) == n_sentences and sum(len(s.tokens) for s in ours) == n_tokens
    block = xtreme[offset : offset + len(ours)]
    assert len(block) == len(ours)
    for mine, theirs in zip(ours, block, strict=True):
        assert (mine.tokens, mine.tags) == (theirs.tokens, theirs.tags), mine.guid


def test_every_paired_language_is_covered(xtreme_data):
    """Every raw treebank with an XTREME file beside it is in BLOCKS (none silently skipped)."""
    processed = {p.name for p in (xtreme_data / "ud/xtreme_processed_udpos").glob("*.tsv")}
    paired = set()
    for path in (xtreme_data / "ud").glob("UD_*/*.conllu"):
        lang, split = path.name.split("_")[0], path.stem.split("-")[-1]
        if f"{split}-{lang}.tsv" in processed:
            paired.add(str(path.relative_to(xtreme_data / "ud")))
    assert paired == {raw for raw, *_ in BLOCKS}
    for raw, (n_sentences, n_tokens) in UNPAIRED.items():
        ours = tagging.read_conllu_upos(xtreme_data / "ud" / raw)
        assert (len(ours), sum(len(s.tokens) for s in ours)) == (n_sentences, n_tokens)


def test_load_split_from_treebanks_alone(xtreme_data, tmp_path):
    """Without XTREME's processed file, the treebanks give the same block."""
    (tmp_path / "ud").mkdir()
    (tmp_path / "ud" / "UD_French-GSD").symlink_to(xtreme_data / "ud" / "UD_French-GSD")
    ours = sources.load_split(tmp_path, "udpos", "fr", "test")
    xtreme = tagging.read_token_tag_tsv(xtreme_data / "ud/xtreme_processed_udpos/test-fr.tsv")
    assert [(s.tokens, s.tags) for s in ours] == [(s.tokens, s.tags) for s in xtreme[2301:2717]]


def _word(i, form, upos, head, deprel="dep", deps="_"):
    return f"{i}\t{form}\t{form.lower()}\t{upos}\t_\t_\t{head}\t{deprel}\t{deps}\t_"


def _write(folder: Path, name: str, sentences: list[list[str]]) -> Path:
    path = folder / name
    path.write_text("".join(f"# sent_id = s{i}\n" + "\n".join(s) + "\n\n" for i, s in enumerate(sentences)),
                    encoding="utf-8")
    return path


def test_multiword_token_keeps_surface_form_and_head_tag(tmp_path):
    # "du" = de (ADP) + le (DET), both children of "pain": a tie, broken by the French
    # ranking (ADP before DET). "vendu" is a single word; "au-dessus" tests space removal.
    sentence = [
        _word(1, "Il", "PRON", 2), _word(2, "mange", "VERB", 0, "root"),
        "3-4\tdu\t_\t_\t_\t_\t_\t_\t_\t_",
        _word(3, "de", "ADP", 5), _word(4, "le", "DET", 5), _word(5, "pain", "NOUN", 2),
        _word(6, "grand ‌ ville", "NOUN", 2),
    ]
    [converted] = tagging.read_conllu_upos(_write(tmp_path, "fr_x-ud-test.conllu", [sentence]))
    assert converted.tokens == ["Il", "mange", "du", "pain", "grandville"]
    assert converted.tags == ["PRON", "VERB", "ADP", "NOUN", "NOUN"]


def test_single_highest_word_wins_and_enhanced_arcs_count(tmp_path):
    # "dárselo": dar (VERB, head of se and lo) is the single highest word of the span.
    spanish = [
        "1-3\tdárselo\t_\t_\t_\t_\t_\t_\t_\t_",
        _word(1, "dar", "VERB", 0, "root"), _word(2, "se", "PRON", 1), _word(3, "lo", "PRON", 1),
    ]
    [converted] = tagging.read_conllu_upos(_write(tmp_path, "es_x-ud-test.conllu", [spanish]))
    assert (converted.tokens, converted.tags) == (["dárselo"], ["VERB"])
    # Basic arcs alone tie a (DET) and b (ADP), and the ranking would pick ADP; the enhanced
    # arc 1 -> 2 makes b deeper, so a is the single highest word and its DET is kept.
    english = [
        "1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_",
        _word(1, "a", "DET", 3, deps="3:det"), _word(2, "b", "ADP", 3, deps="3:case|1:dep"),
        _word(3, "c", "NOUN", 0, "root", deps="0:root"),
    ]
    [converted] = tagging.read_conllu_upos(_write(tmp_path, "en_x-ud-test.conllu", [english]))
    assert (converted.tokens, converted.tags) == (["ab", "c"], ["DET", "NOUN"])


def test_hidden_text_sentences_are_dropped(tmp_path):
    hidden = [_word(1, "_", "PRON", 2), _word(2, "_", "VERB", 0, "root"), _word(3, "_", "PUNCT", 2)]
    almost = [_word(1, "_", "PRON", 2), _word(2, "_", "VERB", 0, "root"), _word(3, ".", "PUNCT", 2)]
    kept = [_word(1, "_", "SYM", 2), _word(2, "a", "VERB", 0, "root"), _word(3, ".", "PUNCT", 2)]
    path = _write(tmp_path, "en_esl-ud-test.conllu", [hidden, almost, kept])
    assert [s.tokens for s in tagging.read_conllu_upos(path)] == [["_", "a", "."]]


def test_tie_outside_the_ranking_drops_the_file_as_xtreme_did(tmp_path, caplog):
    # French ranking lacks PROPN: XTREME's converter raised on such a file and kept none of it.
    sentence = [
        "1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_",
        _word(1, "a", "PROPN", 3), _word(2, "b", "DET", 3), _word(3, "c", "NOUN", 0, "root"),
    ]
    fine = [_word(1, "Bonjour", "INTJ", 0, "root")]
    path = _write(tmp_path, "fr_y-ud-test.conllu", [fine, sentence])
    with caplog.at_level(logging.WARNING):
        assert tagging.read_conllu_upos(path) == []
    assert "fr_y-ud-test.conllu" in caplog.text and "PROPN" in caplog.text


def test_treebanks_merge_in_file_name_order(tmp_path):
    # Folder order (PUD < ParTUT in ASCII) differs from file-name order (partut < pud).
    for folder, name, form in (("UD_English-PUD", "en_pud-ud-test.conllu", "pud"),
                               ("UD_English-ParTUT", "en_partut-ud-test.conllu", "partut"),
                               ("UD_English-ESL", "en_esl-ud-test.conllu", "_")):
        (tmp_path / "ud" / folder).mkdir(parents=True)
        _write(tmp_path / "ud" / folder, name, [[_word(1, form, "NOUN", 0, "root")]])
    merged = sources.load_split(tmp_path, "udpos", "en", "test")
    assert [s.tokens[0] for s in merged] == ["partut", "pud"]
