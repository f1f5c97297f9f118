"""Every reader on every real file in ../shared/xtreme-data, with the published sizes.

The files are read in place (never copied); the whole module skips when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with: harness/data/catalog.py)
from harness.data import sources
from harness.data.examples import (
    BuccCorpus,
    PairExample,
    ParallelSentences,
    QAExample,
    TaggedSentence,
)
from harness.data.readers import pair, qa, retrieval, tagging
from harness.errors import HarnessError

SAMPLES = Path("format_samples/hf_datasets_dummy")
XNLI = sources.XNLI_LANGUAGES
PAWSX = sources.PAWSX_LANGUAGES
# LASER Tatoeba v1: 1000 pairs, except these (README of the shared folder).
TATOEBA_SHORT = {
    "jv": 205,
    "ka": 746,
    "kk": 575,
    "ml": 687,
    "sw": 390,
    "ta": 307,
    "te": 234,
    "th": 548,
}
TYDIQA_DEV = {
    "ar": 921,
    "bn": 113,
    "en": 440,
    "fi": 782,
    "id": 565,
    "ko": 276,
    "ru": 812,
    "sw": 499,
    "te": 669,
}
MLQA_DEV_SAME_LANGUAGE = {
    "en": 1148,
    "de": 512,
    "es": 500,
    "ar": 517,
    "hi": 507,
    "vi": 511,
    "zh": 504,
}
UD_TEST = {
    "UD_English-EWT/en_ewt-ud-test.conllu": 2077,
    "UD_English-EWT/en_ewt-ud-dev.conllu": 2002,
    "UD_German-GSD/de_gsd-ud-test.conllu": 977,
    "UD_French-GSD/fr_gsd-ud-test.conllu": 416,
    "UD_Chinese-GSD/zh_gsd-ud-test.conllu": 500,
    "UD_Hindi-PUD/hi_pud-ud-test.conllu": 1000,
    "UD_Japanese-GSD/ja_gsd-ud-test.conllu": 550,
    "UD_Yoruba-YTB/yo_ytb-ud-test.conllu": 100,
}
UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}  # fmt: skip
NER = {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}


def test_xnli_dev_2490_labelled_and_test_5010_unlabelled_per_language(xtreme_data):
    for lang in XNLI:
        dev = sources.load_split(xtreme_data, "xnli", lang, "dev")
        assert len(dev) == 2490, lang
        assert {ex.label for ex in dev} == {"entailment", "neutral", "contradiction"}
        assert all(isinstance(ex, PairExample) and ex.text_a and ex.text_b for ex in dev)
        test = sources.load_split(xtreme_data, "xnli", lang, "test")
        assert len(test) == 5010 and all(ex.label is None for ex in test), lang
    # XNLI is parallel: the English and German dev sets pair up row by row (830 premises x 3).
    en = sources.load_split(xtreme_data, "xnli", "en", "dev")
    assert len({ex.text_a for ex in en}) == 830
    assert en[0].text_a == "And he said, Mama, I'm home."  # CRLF stripped, no quote processing


def test_pawsx_2000_per_file_and_raw_x_final(xtreme_data):
    for lang in PAWSX:
        dev = sources.load_split(xtreme_data, "pawsx", lang, "dev")
        assert len(dev) == 2000 and {ex.label for ex in dev} == {"0", "1"}
        test = sources.load_split(xtreme_data, "pawsx", lang, "test")
        assert len(test) == 2000 and all(ex.label is None for ex in test)
    raw = pair.read_pawsx_raw(xtreme_data / "pawsx/x-final/ko/dev_2k.tsv")
    processed = sources.load_split(xtreme_data, "pawsx", "ko", "dev")
    assert len(raw) == 2000 and raw[0].guid == "4"
    assert [ex.label for ex in raw] == [ex.label for ex in processed]  # the same rows, two layouts


def test_tatoeba_1000_pairs_except_the_short_ones(xtreme_data):
    codes = sorted(retrieval.TATOEBA_ISO3)
    assert len(codes) == 41 and len(retrieval.XTREME_TATOEBA_LANGUAGES) == 36
    assert sources.available_languages(xtreme_data, "tatoeba", "test") == codes
    for lang in codes:
        pairs = sources.load_split(xtreme_data, "tatoeba", lang, "test")
        assert isinstance(pairs, ParallelSentences)
        assert len(pairs.src) == len(pairs.eng) == TATOEBA_SHORT.get(lang, 1000), lang
    assert retrieval.TATOEBA_ISO3["fa"] == "pes" and retrieval.TATOEBA_ISO3["zh"] == "cmn"
    assert retrieval.TATOEBA_ISO3["sw"] == "swh"


def test_xquad_1190_questions_per_language(xtreme_data):
    languages = sources.available_languages(xtreme_data, "xquad", "test")
    assert languages == ["ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh"]
    ids = None
    for lang in languages:
        examples = sources.load_split(xtreme_data, "xquad", lang, "test")
        assert len(examples) == 1190, lang
        assert len({ex.title for ex in examples}) == 48
        for ex in examples:
            assert ex.answers and all(
                ex.context[a.start : a.start + len(a.text)] == a.text for a in ex.answers
            )
        ids = ids or [ex.qid for ex in examples]
        assert [ex.qid for ex in examples] == ids  # same questions in every language


def test_mlqa_dev_all_49_files(xtreme_data):
    total = 0
    for path in sorted((xtreme_data / "mlqa/MLQA_V1/dev").glob("dev-context-*-question-*.json")):
        examples = qa.read_squad_json(path)
        total += len(examples)
        assert all(ex.answers for ex in examples)
    assert total == 15747
    for lang, count in MLQA_DEV_SAME_LANGUAGE.items():
        assert len(sources.load_split(xtreme_data, "mlqa", lang, "dev")) == count
    assert (
        len(sources.load_split(xtreme_data, "mlqa", "de-en", "dev")) == 512
    )  # context de, question en
    stripped = sources.load_split(xtreme_data, "mlqa", "de-es", "test")
    assert stripped and all(ex.answers == [] for ex in stripped)  # XTREME's label-stripped test


def test_tydiqa_goldp_dev_5077_in_total(xtreme_data):
    counts = {
        lang: len(sources.load_split(xtreme_data, "tydiqa", lang, "test")) for lang in TYDIQA_DEV
    }
    assert counts == TYDIQA_DEV and sum(counts.values()) == 5077
    combined = xtreme_data / SAMPLES / "tydiqa_goldp/tydiqa-goldp-v1.1-dev.json"
    arabic = qa.read_squad_json(combined, id_prefix="arabic-")
    assert arabic and all(ex.qid.startswith("arabic-") for ex in arabic)
    train_sample = qa.read_squad_json(
        xtreme_data / SAMPLES / "tydiqa_goldp/tydiqa-goldp-v1.1-train.json"
    )
    assert train_sample and all(ex.answers for ex in train_sample)


def test_conllu_treebanks_sentence_counts(xtreme_data):
    for relpath, count in UD_TEST.items():
        sentences = tagging.read_conllu_upos(xtreme_data / "ud" / relpath)
        assert len(sentences) == count, relpath
        assert all(set(s.tags) <= UPOS for s in sentences), relpath
    # Multiword tokens (French "du" = "de le") keep their surface form, as in XTREME's files
    # (tests/test_udpos_conversion.py compares with them sentence by sentence).
    french = tagging.read_conllu_upos(xtreme_data / "ud/UD_French-GSD/fr_gsd-ud-test.conllu")
    assert not any(tag == "_" for s in french for tag in s.tags)
    # Empty nodes (10.1) of the English dev file are not surface tokens.
    english = tagging.read_conllu_upos(xtreme_data / "ud/UD_English-EWT/en_ewt-ud-dev.conllu")
    assert sum(len(s.tokens) for s in english) == 25148  # integer word lines; 2 empty nodes skipped
    # computed by hand from the file (awk over column 1): 10019 integer word lines and 279 two-word
    # ranges (558 words), each range one token: 10019 - 558 + 279
    assert sum(len(s.tokens) for s in french) == 9740
    # Languages without XTREME's processed file are read from their treebanks.
    assert len(sources.load_split(xtreme_data, "udpos", "ja", "test")) == 550


@pytest.mark.slow
def test_udpos_processed_files(xtreme_data):
    expected = {"en": 5440, "fr": 5009, "zh": 3455}
    for path in sorted((xtreme_data / "ud/xtreme_processed_udpos").glob("*.tsv")):
        sentences = tagging.read_token_tag_tsv(path)
        assert sentences and all(
            set(s.tags) <= UPOS and len(s.tags) == len(s.tokens) for s in sentences
        ), path.name
    for lang, count in expected.items():
        assert len(sources.load_split(xtreme_data, "udpos", lang, "test")) == count


@pytest.mark.slow
def test_panx_processed_files(xtreme_data):
    for split in ("dev", "test"):
        for lang in sources.available_languages(xtreme_data, "panx", split):
            sentences = sources.load_split(xtreme_data, "panx", lang, split)
            assert len(sentences) == (1000 if lang in ("hi", "sw", "ur") else 10000), (lang, split)
            assert set().union(*(s.tags for s in sentences)) <= NER


def test_wikiann_rahimi_samples_with_language_prefix(xtreme_data):
    for archive in sorted((xtreme_data / SAMPLES / "wikiann_panx_rahimi").glob("*.tar.gz")):
        lang = archive.name.removesuffix(".tar.gz")
        for split in ("train", "dev", "test"):
            path = archive / split
            assert tagging.detect_lang_prefix(path) == lang
            sentences = tagging.read_token_tag_tsv(path, lang_prefix=lang)
            assert sentences, path
            assert not any(tok.startswith(f"{lang}:") for s in sentences for tok in s.tokens)
            assert set().union(*(s.tags for s in sentences)) <= NER


def test_bucc_zh_dev_257_gold_pairs(xtreme_data):
    corpus = sources.load_split(xtreme_data, "bucc2018", "zh", "dev")
    assert isinstance(corpus, BuccCorpus)
    assert (len(corpus.src), len(corpus.eng), len(corpus.gold)) == (8624, 13589, 257)
    assert ("zh-000000057", "en-000008530") in corpus.gold
    # de/fr/ru ship gold only: asking for them names the missing text file and the fix.
    with pytest.raises(
        HarnessError, match=r"de-en\.dev\.de.*harness data download --tasks bucc2018"
    ):
        sources.load_split(xtreme_data, "bucc2018", "de", "dev")


def test_raw_xnli_and_xnli_mt_samples(xtreme_data):
    root = xtreme_data / SAMPLES / "xnli"
    for split in ("dev", "test"):
        tsv = root / f"XNLI-1.0.zip/XNLI-1.0/xnli.{split}.tsv"
        jsonl = root / f"XNLI-1.0.zip/XNLI-1.0/xnli.{split}.jsonl"
        for lang in XNLI:
            rows = pair.read_xnli_raw(tsv, lang)
            assert len(rows) == 1 and rows[0].label in pair.NLI_LABELS
        assert pair.read_nli_jsonl(jsonl, language="ar")
        mt = root / f"XNLI-MT-1.0.zip/XNLI-MT-1.0/xnli/xnli.{split}.en.tsv"
        assert len(pair.read_xnli_raw(mt, "ar")) >= 1
    for path in sorted(
        (root / "XNLI-MT-1.0.zip/XNLI-MT-1.0/multinli").glob("multinli.train.*.tsv")
    ):
        rows = pair.read_xnli_mt(path)
        assert len(rows) == 4 and all(ex.label in pair.NLI_LABELS for ex in rows), path.name


def test_pawsx_x_final_samples(xtreme_data):
    files = sorted((xtreme_data / SAMPLES / "paws-x/x-final.tar.gz/x-final").glob("*/*.tsv"))
    assert len(files) == 21
    for path in files:
        rows = pair.read_pawsx_raw(path)
        data_lines = len(path.read_bytes().rstrip(b"\n").split(b"\n")) - 1
        assert len(rows) == data_lines >= 3 and all(ex.label in ("0", "1") for ex in rows), path


def test_mnli_samples_in_all_three_layouts(xtreme_data):
    root = xtreme_data / SAMPLES / "multi_nli/multinli_1.0.zip/multinli_1.0"
    for name in ("train", "dev_matched", "dev_mismatched"):
        jsonl = pair.read_nli_jsonl(root / f"multinli_1.0_{name}.jsonl")
        txt = pair.read_nli_txt(root / f"multinli_1.0_{name}.txt")
        # the samples were cut separately: the .txt rows are the first rows of the .jsonl
        assert len(txt) >= 3
        assert [(e.guid, e.text_a, e.text_b, e.label) for e in txt] == [
            (e.guid, e.text_a, e.text_b, e.label) for e in jsonl[: len(txt)]
        ]
    glue = xtreme_data / SAMPLES / "glue_mnli/MNLI"
    assert len(pair.read_glue_mnli_tsv(glue / "train.tsv")) == 3
    assert len(pair.read_glue_mnli_tsv(glue / "dev_matched.tsv")) == 2
    test = pair.read_glue_mnli_tsv(glue / "test_matched.tsv")
    assert len(test) == 1 and test[0].label is None


def test_squad_v2_sample(xtreme_data):
    examples = qa.read_squad_json(xtreme_data / SAMPLES / "squad_v2/dev-v2.0.json")
    assert len(examples) == 2 and not any(ex.is_impossible for ex in examples)
    assert all(
        len(ex.answers) == 4 and isinstance(ex, QAExample) for ex in examples
    )  # 4 annotators


def test_checksums_are_stable_and_distinguish_files(xtreme_data):
    first = sources.data_checksum(xtreme_data, "xnli", "de", "dev")
    assert first == sources.data_checksum(xtreme_data, "xnli", "de", "dev")
    assert first != sources.data_checksum(xtreme_data, "xnli", "fr", "dev")
    assert len(first) == 64


def test_tagged_sentences_are_typed(xtreme_data):
    sentence = sources.load_split(xtreme_data, "udpos", "en", "dev")[0]
    assert isinstance(sentence, TaggedSentence)
    assert sentence.tokens[:3] == ["From", "the", "AP"] and sentence.tags[:3] == [
        "ADP",
        "DET",
        "PROPN",
    ]
