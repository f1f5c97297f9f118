"""The mini suite: deterministic, in the real layouts, complete for the mini experiment, learnable."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from harness.data import sources
from harness.data.download import read_manifest, verify
from harness.data.examples import (
    BuccCorpus,
    MultipleChoiceExample,
    PairExample,
    ParallelSentences,
    QAExample,
    TaggedSentence,
)
from harness.data.mini import LANGUAGES, build_mini_data
from harness.data.mini_lexicon import CITIES, COMPANIES, PEOPLE, SURNAMES
from harness.errors import HarnessError
from harness.spec import load_registry

UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}  # fmt: skip
NER = {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    return build_mini_data(tmp_path_factory.mktemp("mini"), seed=0)


def file_hashes(folder: Path) -> dict[str, str]:
    return {name: entry["sha256"] for name, entry in read_manifest(folder)["files"].items()}


def test_same_seed_same_bytes_other_seed_other_data(mini, tmp_path):
    again = build_mini_data(tmp_path / "again", seed=0)
    assert file_hashes(again) == file_hashes(mini)
    assert len(file_hashes(mini)) == 80
    other = build_mini_data(tmp_path / "other", seed=1)
    changed = [n for n, h in file_hashes(other).items() if file_hashes(mini)[n] != h]
    assert len(changed) == 80
    assert verify(mini) == []


def test_every_split_the_mini_suite_and_experiment_read_is_there(mini):
    registry = load_registry()
    suite = registry.suite("mini")
    assert set(suite.languages) == set(LANGUAGES)
    read = 0
    for name in suite.tasks:
        task = registry.task(name)
        languages = suite.task_languages(task)
        assert languages and "en" in languages or task.is_retrieval, name
        if task.train_source:
            train = sources.load_split(mini, task.train_source, "en", "train")
            assert 300 <= len(train) <= 700, name
            read += 1
        for split in ("dev", "test"):
            for lang in languages:
                if split == "dev" and (name == "tatoeba" or (name == "xquad" and lang != "en")):
                    continue  # as in XTREME: Tatoeba has no dev split, XQuAD's dev is SQuAD's
                data = sources.load_split(mini, name, lang, split)
                size = (
                    len(data.gold)
                    if isinstance(data, BuccCorpus)
                    else len(data.src)
                    if isinstance(data, ParallelSentences)
                    else len(data)
                )
                assert 40 <= size <= 100, (name, lang, split, size)
                read += 1
    for variant in registry.experiment("mini").variants:
        for name in variant.intermediate:
            for lang in registry.task(name).languages:
                assert len(sources.load_split(mini, name, lang, "train")) >= 300
                assert len(sources.load_split(mini, name, lang, "dev")) >= 50
                read += 2
    assert read >= 50
    corpus = sources.load_split(mini, "mlm", "ru", "train")
    assert len(corpus.lines) == 400 and re.search("[а-я]", corpus.lines[0])


def test_sequences_are_short(mini):
    for lang in LANGUAGES:
        for ex in sources.load_split(mini, "xnli", lang, "dev"):
            assert len(ex.text_a.split()) + len(ex.text_b.split()) < 32
        for sentence in sources.load_split(mini, "udpos", lang, "dev"):
            assert len(sentence.tokens) < 20
        for ex in sources.load_split(mini, "xquad", lang, "test"):
            assert len(ex.context.split()) + len(ex.question.split()) < 32
    for ex in sources.load_split(mini, "pawsx", "en", "train"):
        assert len(ex.text_a.split()) + len(ex.text_b.split()) < 32


def test_eval_sets_are_parallel_across_languages(mini):
    for task in ("xnli", "pawsx"):
        labels = {
            lang: [e.label for e in sources.load_split(mini, task, lang, "test")]
            for lang in ("en", "de", "fr")
        }
        assert labels["en"] == labels["de"] == labels["fr"]
        assert len(set(labels["en"])) == (3 if task == "xnli" else 2)
    ids = {
        lang: [e.qid for e in sources.load_split(mini, "xquad", lang, "test")] for lang in LANGUAGES
    }
    assert ids["en"] == ids["de"] == ids["ru"] and len(ids["en"]) == 90
    english = sources.load_split(mini, "xnli", "en", "dev")
    russian = sources.load_split(mini, "xnli", "ru", "dev")
    for en, ru in zip(english, russian, strict=True):
        assert re.search("[A-Za-z]", en.text_a) and re.search("[А-Яа-я]", ru.text_a)


def test_tags_are_valid_and_entities_come_from_the_gazetteers(mini):
    names = (
        {p.en for p in PEOPLE}
        | {p.ru for p in PEOPLE}
        | {p.ru_dat for p in PEOPLE}
        | {s.latin for s in SURNAMES}
        | {s.ru for s in SURNAMES}
    )
    places = {w for c in CITIES for form in (c.en, c.de, c.fr, c.ru_prep) for w in form.split()}
    companies = {w for c in COMPANIES for w in c.split()}
    for lang in LANGUAGES:
        pos = sources.load_split(mini, "udpos", lang, "test")
        assert set().union(*(s.tags for s in pos)) <= UPOS
        ner = sources.load_split(mini, "panx", lang, "test")
        tags = set().union(*(s.tags for s in ner))
        assert tags == NER, lang
        for sentence in ner:
            for token, tag in zip(sentence.tokens, sentence.tags, strict=True):
                expected = {"PER": names, "LOC": places, "ORG": companies}.get(tag[2:])
                assert expected is None or token in expected, (lang, token, tag)


def test_qa_answers_are_exact_spans(mini):
    for lang in LANGUAGES:
        for ex in sources.load_split(mini, "xquad", lang, "test"):
            [answer] = ex.answers
            assert ex.context[answer.start : answer.start + len(answer.text)] == answer.text
            assert isinstance(ex, QAExample) and ex.question.endswith("?")


def test_retrieval_sets(mini):
    for lang in ("de", "fr", "ru"):
        pairs = sources.load_split(mini, "tatoeba", lang, "test")
        assert len(pairs.src) == 100 and len(set(pairs.eng)) == 100
        for split in ("dev", "test"):
            corpus = sources.load_split(mini, "bucc2018", lang, split)
            assert len(corpus.gold) == 40 and len(corpus.src) == len(corpus.eng) == 100
            assert (
                len(set(corpus.eng.values())) == 100
            )  # no duplicate English sentence to confuse mining
            gold_src = {s for s, _ in corpus.gold}
            assert len(gold_src) == 40 and all(s.startswith(f"{lang}-") for s in gold_src)


def test_refuses_a_folder_of_downloaded_data(tmp_path):
    (tmp_path / "MANIFEST.json").write_text('{"files": {}, "downloads": {"x": {}}}')
    with pytest.raises(HarnessError, match="holds downloaded data"):
        build_mini_data(tmp_path)


# --------------------------------------------------------------------------- learnability


def words(text: str) -> list[str]:
    return text.lower().split()


class NaiveBayes:
    """Multinomial naive Bayes on bags of features, with add-one smoothing."""

    def fit(self, rows: list[list[str]], labels: list[str]) -> NaiveBayes:
        self.prior = Counter(labels)
        self.counts = defaultdict(Counter)
        for features, label in zip(rows, labels, strict=True):
            self.counts[label].update(features)
        self.vocab = {f for c in self.counts.values() for f in c}
        return self

    def predict(self, features: list[str]) -> str:
        def score(label: str) -> float:
            total = sum(self.counts[label].values()) + len(self.vocab)
            return math.log(self.prior[label]) + sum(
                math.log((self.counts[label][f] + 1) / total) for f in features
            )

        return max(self.prior, key=score)


def nli_features(ex: PairExample) -> list[str]:
    premise = set(words(ex.text_a))
    return [f"h:{w}" for w in words(ex.text_b)] + [
        f"new:{w}" for w in words(ex.text_b) if w not in premise
    ]


def accuracy(predictions: list, gold: list) -> float:
    return sum(p == g for p, g in zip(predictions, gold, strict=True)) / len(gold)


def test_nli_bag_of_words_baseline_beats_chance(mini):
    train = sources.load_split(mini, "mnli", "en", "train")
    dev = sources.load_split(mini, "xnli", "en", "dev")
    model = NaiveBayes().fit([nli_features(ex) for ex in train], [ex.label for ex in train])
    score = accuracy([model.predict(nli_features(ex)) for ex in dev], [ex.label for ex in dev])
    assert score >= 0.8  # chance: 0.33


def test_paraphrase_rule_baseline_beats_chance(mini):
    people = {p.en for p in PEOPLE}

    def giver(text: str) -> str:
        return next(w for w in text.split() if w in people)  # English puts the giver first

    dev = sources.load_split(mini, "pawsx", "en", "dev")
    predictions = ["1" if giver(ex.text_a) == giver(ex.text_b) else "0" for ex in dev]
    assert accuracy(predictions, [ex.label for ex in dev]) >= 0.95  # chance: 0.5
    # ... while a bag of words cannot tell a reordering from a role swap.
    train = sources.load_split(mini, "pawsx", "en", "train")
    model = NaiveBayes().fit(
        [words(ex.text_a) + words(ex.text_b) for ex in train], [ex.label for ex in train]
    )
    bag = accuracy(
        [model.predict(words(ex.text_a) + words(ex.text_b)) for ex in dev], [ex.label for ex in dev]
    )
    assert bag < 0.7


def memorised_tags(train: list[TaggedSentence], default: str):
    votes: dict[str, Counter] = defaultdict(Counter)
    for sentence in train:
        for token, tag in zip(sentence.tokens, sentence.tags, strict=True):
            votes[token][tag] += 1
    return lambda token: votes[token].most_common(1)[0][0] if token in votes else default


def test_tagging_memorisation_baselines_beat_chance(mini):
    from seqeval.metrics import f1_score  # imports scikit-learn: seconds, so only here

    tag = memorised_tags(sources.load_split(mini, "udpos", "en", "train"), "NOUN")
    dev = sources.load_split(mini, "udpos", "en", "dev")
    predictions = [tag(t) for s in dev for t in s.tokens]
    assert accuracy(predictions, [t for s in dev for t in s.tags]) >= 0.9  # chance: 1/17
    ner = memorised_tags(sources.load_split(mini, "panx", "en", "train"), "O")
    dev = sources.load_split(mini, "panx", "en", "dev")
    assert f1_score([s.tags for s in dev], [[ner(t) for t in s.tokens] for s in dev]) >= 0.8


def test_qa_cue_word_baseline_beats_chance(mini):
    """Learn, per question opening, after which occurrence of which word the answer starts."""

    def cue(tokens: list[str], index: int) -> tuple[str, int]:
        word = tokens[index - 1] if index else "<s>"
        return word, tokens[:index].count(word)

    def opening(question: str) -> str:
        return " ".join(question.split()[:2])

    votes: dict[str, Counter] = defaultdict(Counter)
    for ex in sources.load_split(mini, "squad_v1", "en", "train"):
        tokens = ex.context.split()
        votes[opening(ex.question)][
            cue(tokens, len(ex.context[: ex.answers[0].start].split()))
        ] += 1
    dev = sources.load_split(mini, "xquad", "en", "test")
    hits = 0
    for ex in dev:
        tokens = ex.context.split()
        if opening(ex.question) not in votes:
            continue
        word, occurrence = votes[opening(ex.question)].most_common(1)[0][0]
        starts = [0] if word == "<s>" else [i + 1 for i, t in enumerate(tokens) if t == word]
        if len(starts) >= max(occurrence, 1):
            hits += " ".join(tokens[starts[max(occurrence, 1) - 1] :]).startswith(
                ex.answers[0].text
            )
    assert hits / len(dev) >= 0.6  # picking one of ~200 spans by chance: < 0.01


def test_multiple_choice_overlap_baseline_beats_chance(mini):
    dev = sources.load_split(mini, "commonsenseqa", "en", "dev")
    assert all(isinstance(ex, MultipleChoiceExample) and len(ex.choices) == 5 for ex in dev)
    predictions = [
        max(range(5), key=lambda i, ex=ex: ex.choices[i] in words(ex.context)) for ex in dev
    ]
    assert (
        accuracy(predictions, [ex.label for ex in dev]) >= 0.45
    )  # chance: 0.2 (reading half solved)


def test_tatoeba_shared_names_make_latin_script_retrieval_possible(mini):
    for lang in ("de", "fr"):
        pairs = sources.load_split(mini, "tatoeba", lang, "test")
        capitals = [{w for w in s.split() if w[:1].isupper()} for s in pairs.eng]
        hits = 0
        for i, src in enumerate(pairs.src):
            src_caps = {w for w in src.split() if w[:1].isupper()}
            hits += max(range(len(pairs.eng)), key=lambda j, c=src_caps: len(c & capitals[j])) == i
        assert hits / len(pairs.src) >= 0.15  # chance: 0.01


def test_cli_writes_and_verifies_the_mini_suite(mini, tmp_path, capsys):
    from harness.cli import main as harness_main

    assert harness_main(["data", "mini", "--dir", str(tmp_path / "m")]) == 0
    assert file_hashes(tmp_path / "m") == file_hashes(mini)
    assert harness_main(["data", "verify", "--dir", str(tmp_path / "m")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "80 files match MANIFEST.json"
