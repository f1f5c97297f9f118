"""Each reader on small hand-written files: what it returns, and that bad input names file and line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.data.examples import Answer
from harness.data.readers import choice, pair, qa, retrieval, tagging, text
from harness.errors import HarnessError


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def fails_at(path: Path, line: int | str, words: str = ""):
    """pytest.raises for a HarnessError that starts with ``<path>:<line>:`` (and mentions ``words``)."""
    return pytest.raises(
        HarnessError, match=rf"^{re.escape(str(path))}:{re.escape(str(line))}: .*{words}"
    )


# --------------------------------------------------------------------------- low level


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "dev-de.tsv", b"a\tb\tneutral\n" + b"c\t\xff\tneutral\n")
    with fails_at(path, 2, "UTF-8"):
        pair.read_xtreme_pair_tsv(path, "nli")


def test_missing_file_says_how_to_get_it(tmp_path):
    with pytest.raises(HarnessError, match="file not found.*harness data download"):
        pair.read_xtreme_pair_tsv(tmp_path / "absent.tsv", "nli")


def test_bom_and_crlf_are_tolerated(tmp_path):
    path = write(
        tmp_path,
        "dev-en.tsv",
        "\ufeffThe cat sleeps.\tA cat rests.\tentailment\r\nIt rains.\tIt is dry.\tcontradiction\r\n",
    )
    examples = pair.read_xtreme_pair_tsv(path, "nli")
    assert [(e.text_a, e.label) for e in examples] == [
        ("The cat sleeps.", "entailment"),
        ("It rains.", "contradiction"),
    ]


# --------------------------------------------------------------------------- pairs


def test_xtreme_pair_tsv_labelled_unlabelled_and_quotes(tmp_path):
    path = write(tmp_path, "test-en.tsv", '"Quoted, half\tplain "text\n')
    [example] = pair.read_xtreme_pair_tsv(path, "binary")
    assert (example.text_a, example.text_b, example.label) == ('"Quoted, half', 'plain "text', None)
    labelled = write(tmp_path, "dev-en.tsv", "a\tb\t1\nc\td\t0\n")
    assert [e.label for e in pair.read_xtreme_pair_tsv(labelled, "binary")] == ["1", "0"]


def test_xtreme_pair_tsv_errors(tmp_path):
    path = write(tmp_path, "dev-en.tsv", "a\tb\tneutral\nc\td\tneutral\ne\tf\n")
    with fails_at(path, 3, "expected 3"):
        pair.read_xtreme_pair_tsv(path, "nli")
    path = write(tmp_path, "dev-fr.tsv", "a\tb\tneutral\nc\td\tmaybe\n")
    with fails_at(path, 2, "unknown NLI label 'maybe'"):
        pair.read_xtreme_pair_tsv(path, "nli")
    path = write(tmp_path, "dev-de.tsv", "a\tb\t1\nc\td\t2\n")
    with fails_at(path, 2, "0 or 1"):
        pair.read_xtreme_pair_tsv(path, "binary")
    path = write(tmp_path, "dev-es.tsv", "only one column\n")
    with fails_at(path, 1, "2 or 3"):
        pair.read_xtreme_pair_tsv(path, "nli")


XNLI_HEADER = "language\tgold_label\tsentence1\tsentence2\tpairID\n"


def test_xnli_raw_filters_language_and_checks_rows(tmp_path):
    path = write(
        tmp_path,
        "xnli.dev.tsv",
        XNLI_HEADER
        + "de\tneutral\tEin Satz.\tNoch einer.\t1\nfr\tentailment\tUne phrase.\tUne autre.\t1\n",
    )
    [german] = pair.read_xnli_raw(path, "de")
    assert (german.guid, german.label) == ("de-1", "neutral")
    bad = write(tmp_path, "bad/xnli.dev.tsv", XNLI_HEADER + "de\tneutral\tEin Satz.\t1\n")
    with fails_at(bad, 2, "expected 5 tab-separated fields"):
        pair.read_xnli_raw(bad, "de")
    no_header = write(tmp_path, "nohead/xnli.dev.tsv", "de\tneutral\ta\tb\t1\n")
    with fails_at(no_header, 1, "header lacks column"):
        pair.read_xnli_raw(no_header, "de")


def test_xnli_mt_spells_contradiction_like_mnli(tmp_path):
    path = write(
        tmp_path,
        "multinli.train.de.tsv",
        "premise\thypo\tlabel\nA\tB\tcontradictory\nC\tD\tentailment\n",
    )
    assert [e.label for e in pair.read_xnli_mt(path)] == ["contradiction", "entailment"]
    bad = write(
        tmp_path, "multinli.train.fr.tsv", "premise\thypo\tlabel\nA\tB\tcontradictory\nC\tD\n"
    )
    with fails_at(bad, 3, "expected 3"):
        pair.read_xnli_mt(bad)


def test_pawsx_raw(tmp_path):
    path = write(tmp_path, "dev_2k.tsv", "id\tsentence1\tsentence2\tlabel\n7\tA B .\tB A .\t1\n")
    assert pair.read_pawsx_raw(path)[0].guid == "7"
    bad = write(tmp_path, "test_2k.tsv", "id\tsentence1\tsentence2\tlabel\n7\tA B .\tB A .\tyes\n")
    with fails_at(bad, 2, "0 or 1"):
        pair.read_pawsx_raw(bad)


def test_nli_jsonl_skips_no_consensus_and_reports_bad_json(tmp_path):
    rows = [
        {"gold_label": "neutral", "sentence1": "a", "sentence2": "b", "pairID": "1n"},
        {"gold_label": "-", "sentence1": "c", "sentence2": "d", "pairID": "2"},
    ]
    path = write(tmp_path, "train.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert [e.guid for e in pair.read_nli_jsonl(path)] == ["1n"]
    bad = write(tmp_path, "dev.jsonl", json.dumps(rows[0]) + "\n{not json}\n")
    with fails_at(bad, 2, "invalid JSON"):
        pair.read_nli_jsonl(bad)
    missing = write(
        tmp_path, "test.jsonl", json.dumps({"gold_label": "neutral", "sentence1": "a"}) + "\n"
    )
    with fails_at(missing, 1, "missing field 'sentence2'"):
        pair.read_nli_jsonl(missing)


def test_nli_txt_allows_dropped_trailing_label_columns(tmp_path):
    header = "gold_label\tsentence1\tsentence2\tpairID\tlabel1\tlabel2\n"
    path = write(
        tmp_path,
        "train.txt",
        header + "neutral\ta\tb\t1n\tneutral\n-\tc\td\t2\tneutral\tentailment\n",
    )
    assert [(e.guid, e.label) for e in pair.read_nli_txt(path)] == [("1n", "neutral")]
    short = write(tmp_path, "dev.txt", header + "neutral\ta\tb\n")
    with fails_at(short, 2, "expected 6"):
        pair.read_nli_txt(short)


def test_anli_labels(tmp_path):
    row = {"uid": "u1", "context": "a", "hypothesis": "b", "label": "c"}
    path = write(
        tmp_path,
        "R1/dev.jsonl",
        json.dumps(row) + "\n" + json.dumps(dict(row, uid="u2", label="e")) + "\n",
    )
    assert [e.label for e in pair.read_anli_jsonl(path)] == ["contradiction", "entailment"]
    bad = write(tmp_path, "R2/dev.jsonl", json.dumps(dict(row, label="x")) + "\n")
    with fails_at(bad, 1, "unknown NLI label"):
        pair.read_anli_jsonl(bad)


def test_glue_mnli_and_qqp(tmp_path):
    mnli = write(
        tmp_path,
        "MNLI/dev_matched.tsv",
        "index\tsentence1\tsentence2\tgold_label\n0\ta\tb\tneutral\n",
    )
    assert pair.read_glue_mnli_tsv(mnli)[0].label == "neutral"
    qqp = write(
        tmp_path,
        "QQP/train.tsv",
        "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n5\t1\t2\tHow?\tWhy?\t0\n",
    )
    assert pair.read_qqp_tsv(qqp)[0].label == "0"
    qqp_test = write(tmp_path, "QQP/test.tsv", "id\tquestion1\tquestion2\n9\tHow?\tWhy?\n")
    assert pair.read_qqp_tsv(qqp_test)[0].label is None
    bad = write(
        tmp_path,
        "QQP/dev.tsv",
        "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n5\t1\t2\tHow?\tWhy?\tyes\n",
    )
    with fails_at(bad, 2, "0 or 1"):
        pair.read_qqp_tsv(bad)


# --------------------------------------------------------------------------- tagging


def test_token_tag_tsv_sentences_prefix_and_unlabelled(tmp_path):
    path = write(tmp_path, "dev-en.tsv", "Anna\tB-PER\nsleeps\tO\n\n\nBerlin\tB-LOC\n")
    sentences = tagging.read_token_tag_tsv(path)
    assert [(s.tokens, s.tags) for s in sentences] == [
        (["Anna", "sleeps"], ["B-PER", "O"]),
        (["Berlin"], ["B-LOC"]),
    ]
    raw = write(tmp_path, "en/dev", "en:Anna\tB-PER\nen:a:b\tO\n")
    assert tagging.detect_lang_prefix(raw) == "en"
    assert tagging.read_token_tag_tsv(raw, lang_prefix="en")[0].tokens == ["Anna", "a:b"]
    unlabelled = write(tmp_path, "test-en.tsv", "Anna\nsleeps\n\nok\n")
    assert [(s.tokens, s.tags) for s in tagging.read_token_tag_tsv(unlabelled)] == [
        (["Anna", "sleeps"], []),
        (["ok"], []),
    ]
    messy = write(tmp_path, "dev-fr.tsv", "Anna\tB-PER \n  \nBerlin\tB-LOC\r\n")  # stray spaces, CR
    assert [s.tags for s in tagging.read_token_tag_tsv(messy)] == [["B-PER"], ["B-LOC"]]


def test_token_tag_tsv_errors(tmp_path):
    path = write(tmp_path, "dev-de.tsv", "Anna\tB-PER\nschläft\tO\textra\n")
    with fails_at(path, 2, "expected 2 field"):
        tagging.read_token_tag_tsv(path)
    path = write(tmp_path, "dev-ru.tsv", "Anna\tB-PER\n\nschläft\t \n")
    with fails_at(path, 3, "empty tag"):
        tagging.read_token_tag_tsv(path)
    path = write(tmp_path, "de/dev", "de:Anna\tB-PER\nschläft\tO\n")
    with fails_at(path, 2, "lacks the 'de:' prefix"):
        tagging.read_token_tag_tsv(path, lang_prefix="de")
    path = write(tmp_path, "dev-es.tsv", "a\tb\tc\td\n")
    with fails_at(path, 1, "token<TAB>tag"):
        tagging.read_token_tag_tsv(path)


CONLLU = """# sent_id = s1
# text = Au lit.
1-2\tAu\t_\t_\t_\t_\t_\t_\t_\t_
1\tà\tà\tADP\t_\t_\t3\tcase\t_\t_
2\tle\tle\tDET\t_\t_\t3\tdet\t_\t_
3\tlit\tlit\tNOUN\t_\t_\t0\troot\t_\t_
3.1\tdort\tdormir\tVERB\t_\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t_\t_\t3\tpunct\t_\t_

# sent_id = s2
1\tBonjour\tbonjour\tINTJ\t_\t_\t0\troot\t_\t_
"""


def test_conllu_skips_multiword_ranges_and_empty_nodes(tmp_path):
    path = write(tmp_path, "fr_test-ud-test.conllu", CONLLU)
    first, second = tagging.read_conllu_upos(path)
    # As XTREME converts UD: the multiword token's surface form, tagged as its head word.
    assert (first.guid, first.tokens, first.tags) == (
        "s1",
        ["Au", "lit", "."],
        ["ADP", "NOUN", "PUNCT"],
    )
    assert (second.guid, second.tokens) == ("s2", ["Bonjour"])


def test_conllu_errors(tmp_path):
    path = write(
        tmp_path,
        "a-ud-test.conllu",
        CONLLU.replace("2\tle\tle\tDET\t_\t_\t3\tdet\t_\t_", "2\tle\tle\tDET"),
    )
    with fails_at(path, 5, "10 tab-separated fields"):
        tagging.read_conllu_upos(path)
    path = write(
        tmp_path, "b-ud-test.conllu", CONLLU.replace("\n\n# sent_id = s2", "\n# sent_id = s2")
    )
    with fails_at(path, 10, "out of sequence"):
        tagging.read_conllu_upos(path)
    path = write(tmp_path, "c-ud-test.conllu", "x\tBonjour\tb\tINTJ\t_\t_\t0\troot\t_\t_\n")
    with fails_at(path, 1, "not an integer"):
        tagging.read_conllu_upos(path)


def test_ccg_supertags(tmp_path):
    path = write(tmp_path, "ccg.dev.tsv", "Anna sleeps .\tN S[dcl]\\NP .\n")
    [sentence] = tagging.read_ccg_tsv(path)
    assert sentence.tokens == ["Anna", "sleeps", "."] and sentence.tags == ["N", "S[dcl]\\NP", "."]
    bad = write(tmp_path, "ccg.test.tsv", "Anna sleeps .\tN S[dcl]\\NP .\nAnna sleeps .\tN .\n")
    with fails_at(bad, 2, "3 tokens but 2 supertags"):
        tagging.read_ccg_tsv(bad)


# --------------------------------------------------------------------------- QA


def squad(qas: list[dict], context: str = "Anna lives in Berlin.") -> dict:
    return {
        "version": "2.0",
        "data": [{"title": "T", "paragraphs": [{"context": context, "qas": qas}]}],
    }


def test_squad_json_v1_v2_and_stripped_answers(tmp_path):
    document = squad(
        [
            {"id": "q1", "question": "Where?", "answers": [{"text": "Berlin", "answer_start": 14}]},
            {
                "id": "q2",
                "question": "Who else?",
                "answers": [],
                "is_impossible": True,
                "plausible_answers": [],
            },
            {"id": "q3", "question": "Stripped?", "answers": [{"text": "", "answer_start": 0}]},
        ]
    )
    path = write(tmp_path, "dev-v2.0.json", json.dumps(document))
    q1, q2, q3 = qa.read_squad_json(path)
    assert q1.answers == [Answer("Berlin", 14)] and not q1.is_impossible and q1.title == "T"
    assert q2.is_impossible and q2.answers == []
    assert q3.answers == [] and not q3.is_impossible
    assert [e.qid for e in qa.read_squad_json(path, id_prefix="q2")] == ["q2"]


def test_squad_json_errors(tmp_path):
    path = write(tmp_path, "bad.json", '{"data": [\n  {"paragraphs": [}\n]}')
    with fails_at(path, 2, "invalid JSON"):
        qa.read_squad_json(path)
    path = write(tmp_path, "noq.json", json.dumps(squad([{"id": "q1", "answers": []}])))
    with fails_at(path, "data[0].paragraphs[0].qas[0]", "missing field 'question'"):
        qa.read_squad_json(path)
    path = write(
        tmp_path,
        "out.json",
        json.dumps(
            squad(
                [{"id": "q", "question": "?", "answers": [{"text": "Berlin", "answer_start": 99}]}]
            )
        ),
    )
    with fails_at(path, "data[0].paragraphs[0].qas[0].answers[0]", "outside the context"):
        qa.read_squad_json(path)
    path = write(
        tmp_path,
        "both.json",
        json.dumps(
            squad(
                [
                    {
                        "id": "q",
                        "question": "?",
                        "is_impossible": True,
                        "answers": [{"text": "Anna", "answer_start": 0}],
                    }
                ]
            )
        ),
    )
    with fails_at(path, "data[0].paragraphs[0].qas[0]", "is_impossible"):
        qa.read_squad_json(path)
    path = write(tmp_path, "top.json", json.dumps({"version": "1.1"}))
    with fails_at(path, "top level", "missing field 'data'"):
        qa.read_squad_json(path)


# --------------------------------------------------------------------------- multiple choice


def test_hellaswag(tmp_path):
    row = {
        "ind": 4,
        "ctx_a": "A man sits.",
        "ctx_b": "He",
        "endings": ["stands.", "flies.", "melts.", "sings."],
        "label": 0,
    }
    path = write(
        tmp_path,
        "hellaswag_val.jsonl",
        json.dumps(row) + "\n" + json.dumps({k: v for k, v in row.items() if k != "label"}) + "\n",
    )
    labelled, unlabelled = choice.read_hellaswag_jsonl(path)
    assert (labelled.guid, labelled.context, labelled.question, labelled.label) == (
        "4",
        "A man sits.",
        "He",
        0,
    )
    assert unlabelled.label is None
    bad = write(tmp_path, "hellaswag_train.jsonl", json.dumps(dict(row, label=7)) + "\n")
    with fails_at(bad, 1, "outside 0..3"):
        choice.read_hellaswag_jsonl(bad)


def test_cosmosqa_csv_and_jsonl(tmp_path):
    header = "id,context,question,answer0,answer1,answer2,answer3,label\n"
    path = write(
        tmp_path,
        "valid.csv",
        header + 'c1,"It rained, so we stayed in.",Why?,rain,sun,snow,wind,0\n',
    )
    [example] = choice.read_cosmosqa(path)
    assert (
        example.context == "It rained, so we stayed in."
        and example.choices[0] == "rain"
        and example.label == 0
    )
    record = {
        "id": "c2",
        "context": "x",
        "question": "y",
        "answer0": "a",
        "answer1": "b",
        "answer2": "c",
        "answer3": "d",
    }
    jsonl = write(tmp_path, "test.jsonl", json.dumps(record) + "\n")
    assert choice.read_cosmosqa(jsonl)[0].label is None
    short = write(tmp_path, "train.csv", header + "c3,x,y,a,b,c,d\n")
    with fails_at(short, 2, "number of columns"):
        choice.read_cosmosqa(short)
    missing = write(tmp_path, "other.csv", "id,context,question,answer0\nc,x,y,a\n")
    with fails_at(missing, 1, "answer1"):
        choice.read_cosmosqa(missing)
    bad_label = write(tmp_path, "bad.csv", header + "c4,x,y,a,b,c,d,9\n")
    with fails_at(bad_label, 2, "outside 0..3"):
        choice.read_cosmosqa(bad_label)


def test_commonsenseqa(tmp_path):
    record = {
        "answerKey": "B",
        "id": "q1",
        "question": {
            "stem": "Which is a fruit?",
            "choices": [{"label": "A", "text": "car"}, {"label": "B", "text": "pear"}],
        },
    }
    path = write(tmp_path, "dev_rand_split.jsonl", json.dumps(record) + "\n")
    [example] = choice.read_commonsenseqa_jsonl(path)
    assert (example.context, example.question, example.choices, example.label) == (
        "Which is a fruit?",
        "",
        ["car", "pear"],
        1,
    )
    bad = write(
        tmp_path,
        "train_rand_split.jsonl",
        json.dumps(record) + "\n" + json.dumps(dict(record, answerKey="E")) + "\n",
    )
    with fails_at(bad, 2, "answerKey 'E'"):
        choice.read_commonsenseqa_jsonl(bad)


# --------------------------------------------------------------------------- retrieval and text


def test_tatoeba_pairs_must_align(tmp_path):
    src = write(tmp_path, "tatoeba.deu-eng.deu", "Hallo .\nDanke .\n")
    eng = write(tmp_path, "tatoeba.deu-eng.eng", "Hello .\nThanks .\n")
    pairs = retrieval.read_tatoeba(src, eng, "de")
    assert pairs.src == ["Hallo .", "Danke ."] and pairs.eng[1] == "Thanks ."
    short = write(tmp_path, "tatoeba.fra-eng.fra", "Bonjour .\n")
    with fails_at(short, 2, "line-aligned"):
        retrieval.read_tatoeba(short, eng, "fr")
    blank = write(tmp_path, "tatoeba.rus-eng.rus", "Привет .\n \n")
    with fails_at(blank, 2, "empty sentence"):
        retrieval.read_tatoeba(blank, eng, "ru")


def test_bucc_corpora_and_gold(tmp_path):
    src = write(tmp_path, "de-en.dev.de", "de-1\tHallo .\nde-2\tNein .\n")
    eng = write(tmp_path, "de-en.dev.en", "en-7\tHello .\nen-8\tMaybe .\n")
    gold = write(tmp_path, "de-en.dev.gold", "de-1\ten-7\n")
    corpus = retrieval.read_bucc(src, eng, gold, "de")
    assert (
        corpus.gold == {("de-1", "en-7")}
        and corpus.src["de-2"] == "Nein ."
        and len(corpus.eng) == 2
    )
    dup = write(tmp_path, "dup.de", "de-1\tHallo .\nde-1\tNein .\n")
    with fails_at(dup, 2, "duplicate sentence id"):
        retrieval.read_bucc(dup, eng, None, "de")
    broken = write(tmp_path, "broken.de", "de-1\tHallo .\nde-2 Nein .\n")
    with fails_at(broken, 2, "<id><TAB><sentence>"):
        retrieval.read_bucc(broken, eng, None, "de")
    unknown = write(tmp_path, "bad.gold", "de-1\ten-7\nde-1\ten-9\n")
    with fails_at(unknown, 2, "English id 'en-9'"):
        retrieval.read_bucc(src, eng, unknown, "de")


def test_text_corpus(tmp_path):
    path = write(tmp_path, "train-de.txt", "Ein Satz .\n\n  Noch einer .  \n")
    assert text.read_text_corpus(path, "de").lines == ["Ein Satz .", "Noch einer ."]
    empty = write(tmp_path, "train-fr.txt", "\n \n")
    with fails_at(empty, 1, "no text"):
        text.read_text_corpus(empty, "fr")
