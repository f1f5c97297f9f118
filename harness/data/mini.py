"""The mini suite: small, deterministic, self-generated data in the real on-disk formats.

Why: the offline default (and CI) must run every task type end to end on 2 CPU cores in
minutes, with nothing downloaded. The data is generated from the aligned lexicon in
``mini_lexicon`` by the templates in ``mini_grammar`` (no text is copied from anywhere) and
written in the same files and layout as the real data (see ``sources``), so exactly the
same readers and pipeline run on it. Labels are decidable from the text: NLI by negation,
hypernyms and added time phrases; paraphrase by who gives to whom under reordering; NER
by names from the gazetteers; QA by the question word; Tatoeba and BUCC by translation of
the same abstract event. Eval sets are parallel across languages (like XNLI and XQuAD),
so zero-shot transfer from English can be measured.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from pathlib import Path

from harness.data.manifest import MANIFEST, read_manifest, record_files, verify, write_manifest
from harness.data.mini_grammar import (
    GIFT_FORMS,
    Agent,
    Event,
    Gift,
    Job,
    Sentence,
    question_company,
    question_job_city,
    question_what,
    question_where,
    question_who,
    render_event,
    render_gift,
    render_job,
    text_of,
)
from harness.data.mini_lexicon import (
    CITIES,
    COMPANIES,
    GIVING_VERBS,
    KINDS,
    PEOPLE,
    SURNAMES,
    THINGS,
    VERBS,
)
from harness.data.readers.retrieval import TATOEBA_ISO3
from harness.errors import HarnessError
from harness.locks import step_lock

LANGUAGES = ("en", "de", "fr", "ru")
FOREIGN = ("de", "fr", "ru")
PAWSX_LANGUAGES = ("en", "de", "fr")  # PAWS-X has no Russian
NLI_LABELS = ("entailment", "neutral", "contradiction")
# Tasks whose files the mini suite writes (used for hints when data is missing).
MINI_TASKS = (
    "xnli", "pawsx", "udpos", "panx", "xquad", "squad_v1", "bucc2018", "tatoeba",
    "mnli", "xnli_mt", "xnli_dev", "commonsenseqa", "mlm",
)  # fmt: skip
SIZES = {"train": 600, "dev": 90, "test": 90}
GENERATOR = "harness data mini"
GENERATOR_VERSION = 1

log = logging.getLogger(__name__)


def _rng(seed: int, *names: object) -> random.Random:
    """An independent, reproducible stream per (seed, purpose); str seeds hash the same everywhere."""
    return random.Random("mini-" + "-".join(map(str, (seed, *names))))


# --------------------------------------------------------------------------- sampling


def _agent(rng: random.Random, surname: float = 0.0) -> Agent:
    person = rng.choice(PEOPLE)
    return Agent(person, rng.choice(SURNAMES) if rng.random() < surname else None)


def _event(rng: random.Random, surname: float = 0.3) -> Event:
    verb = rng.choice(VERBS)
    thing = rng.choice([t for t in THINGS if t.kind in verb.kinds])
    return Event(_agent(rng, surname), verb, thing, rng.choice(CITIES))


def _gift(rng: random.Random) -> Gift:
    giver, receiver = rng.sample(PEOPLE, 2)
    verb = rng.choice(GIVING_VERBS)
    thing = rng.choice([t for t in THINGS if t.kind in verb.kinds])
    return Gift(giver, receiver, verb, thing, rng.choice(CITIES))


def _job(rng: random.Random, surname: float = 0.5) -> Job:
    return Job(_agent(rng, surname), rng.choice(COMPANIES), rng.choice(CITIES))


def _any_sentence(rng: random.Random) -> Callable[[str], Sentence]:
    """A random clause of any template, as a function of the language (for tagging, MLM, retrieval)."""
    kind = rng.random()
    if kind < 0.5:
        event = _event(rng)
        if rng.random() < 0.25:
            event = Event(event.agent, event.verb, event.thing, event.city, negated=True)
        if rng.random() < 0.3:
            event = Event(
                event.agent, event.verb, event.thing, event.city, event.negated, rng.randrange(3)
            )
        if rng.random() < 0.2:
            event = Event(event.agent, event.verb, event.thing, None, event.negated, event.time)
        return lambda lang: render_event(event, lang)
    if kind < 0.75:
        gift, forms = _gift(rng), {lang: rng.randrange(n) for lang, n in GIFT_FORMS.items()}
        return lambda lang: render_gift(gift, lang, forms[lang])
    job = _job(rng)
    return lambda lang: render_job(job, lang)


def _nli_item(rng: random.Random, label: str) -> tuple[Event, Event]:
    """A premise and a hypothesis whose relation is ``label`` by construction."""
    premise = _event(rng)
    if label == "entailment":
        op = rng.choice(("drop_place", "general", "general_drop", "someone", "someone_general"))
        hypothesis = premise.generalised() if "general" in op else premise
        if "drop" in op:
            hypothesis = Event(hypothesis.agent, hypothesis.verb, hypothesis.thing, None)
        if "someone" in op:
            hypothesis = Event(
                Agent(pronoun="someone"), hypothesis.verb, hypothesis.thing, hypothesis.city
            )
    elif label == "neutral":
        base = rng.choice(("same", "drop_place", "general"))
        hypothesis = premise.generalised() if base == "general" else premise
        city = None if base == "drop_place" else hypothesis.city
        hypothesis = Event(
            hypothesis.agent, hypothesis.verb, hypothesis.thing, city, time=rng.randrange(3)
        )
    else:
        op = rng.choice(("negate", "negate_drop", "negate_general", "nobody"))
        hypothesis = premise.generalised() if "general" in op else premise
        city = None if "drop" in op else hypothesis.city
        agent = Agent(pronoun="nobody") if op == "nobody" else hypothesis.agent
        hypothesis = Event(agent, hypothesis.verb, hypothesis.thing, city, negated=op != "nobody")
    return premise, hypothesis


def _nli_items(seed: int, split: str, n: int) -> list[tuple[Event, Event, str]]:
    rng = _rng(seed, "nli", split)
    labels = [NLI_LABELS[i % 3] for i in range(n)]
    rng.shuffle(labels)
    return [(*_nli_item(rng, label), label) for label in labels]


# --------------------------------------------------------------------------- writing


class _Files:
    """Writes files under the output folder and remembers them for the manifest."""

    def __init__(self, root: Path):
        self.root = root
        self.written: list[Path] = []

    def text(self, relpath: str, content: str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")
        self.written.append(path)

    def lines(self, relpath: str, lines: list[str]) -> None:
        self.text(relpath, "".join(line + "\n" for line in lines))

    def json(self, relpath: str, document: object) -> None:
        self.text(relpath, json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def _write_nli(files: _Files, seed: int) -> None:
    train = _nli_items(seed, "train", SIZES["train"])
    for split, name in (("train", "train"), ("dev", "dev_matched"), ("test", "dev_mismatched")):
        items = train if split == "train" else _nli_items(seed, f"mnli-{split}", SIZES[split])
        records = []
        for i, (premise, hypothesis, label) in enumerate(items):
            records.append(
                json.dumps(
                    {
                        "annotator_labels": [label],
                        "genre": "mini",
                        "gold_label": label,
                        "pairID": f"{i}{label[0]}",
                        "promptID": str(i),
                        "sentence1": text_of(render_event(premise, "en")),
                        "sentence2": text_of(render_event(hypothesis, "en")),
                    },
                    ensure_ascii=False,
                )
            )
        files.lines(f"mnli/multinli_1.0/multinli_1.0_{name}.jsonl", records)
    for lang in FOREIGN:  # XNLI-MT: the same MNLI pairs "machine-translated"
        rows = ["premise\thypo\tlabel"]
        for premise, hypothesis, label in train:
            spelled = "contradictory" if label == "contradiction" else label
            rows.append(
                f"{text_of(render_event(premise, lang))}\t{text_of(render_event(hypothesis, lang))}\t{spelled}"
            )
        files.lines(f"xnli-mt/XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv", rows)
    for split in ("dev", "test"):  # XNLI: one set of items, translated into every language
        items = _nli_items(seed, f"xnli-{split}", SIZES[split])
        for lang in LANGUAGES:
            rows = [
                f"{text_of(render_event(p, lang))}\t{text_of(render_event(h, lang))}\t{label}"
                for p, h, label in items
            ]
            files.lines(f"xnli/xtreme_processed/{split}-{lang}.tsv", rows)


def _paws_items(
    seed: int, split: str, n: int
) -> list[tuple[Gift, Gift, dict[str, tuple[int, int]], str]]:
    rng = _rng(seed, "pawsx", split)
    items = []
    for i in range(n):
        gift = _gift(rng)
        label = "1" if i % 2 == 0 else "0"
        other = gift if label == "1" else gift.swapped()
        forms = {}
        for lang, count in GIFT_FORMS.items():
            first = rng.randrange(count)
            # A paraphrase reorders; a non-paraphrase swaps roles, in the same or another order.
            second = (
                rng.choice([f for f in range(count) if f != first])
                if label == "1"
                else rng.randrange(count)
            )
            forms[lang] = (first, second)
        items.append((gift, other, forms, label))
    rng.shuffle(items)
    return items


def _write_pawsx(files: _Files, seed: int) -> None:
    rows = ["id\tsentence1\tsentence2\tlabel"]
    for i, (a, b, forms, label) in enumerate(_paws_items(seed, "train", SIZES["train"]), start=1):
        rows.append(
            f"{i}\t{text_of(render_gift(a, 'en', forms['en'][0]))}\t{text_of(render_gift(b, 'en', forms['en'][1]))}\t{label}"
        )
    files.lines("pawsx/x-final/en/train.tsv", rows)
    for split in ("dev", "test"):
        items = _paws_items(seed, split, SIZES[split])
        for lang in PAWSX_LANGUAGES:
            rows = [
                f"{text_of(render_gift(a, lang, forms[lang][0]))}\t{text_of(render_gift(b, lang, forms[lang][1]))}\t{label}"
                for a, b, forms, label in items
            ]
            files.lines(f"pawsx/xtreme_processed/{split}-{lang}.tsv", rows)


def _tag_file(sentences: list[Sentence], column: str) -> list[str]:
    lines: list[str] = []
    for sentence in sentences:
        if lines:
            lines.append("")
        lines.extend(f"{token.text}\t{getattr(token, column)}" for token in sentence)
    return lines


def _write_tagging(files: _Files, seed: int) -> None:
    for task, folder, column in (
        ("udpos", "ud/xtreme_processed_udpos", "upos"),
        ("panx", "panx/xtreme_processed", "ner"),
    ):
        for split in ("train", "dev", "test"):
            rng = _rng(seed, task, split)
            makers = [_any_sentence(rng) for _ in range(SIZES[split] if split != "train" else 400)]
            for lang in ("en",) if split == "train" else LANGUAGES:
                files.lines(
                    f"{folder}/{split}-{lang}.tsv",
                    _tag_file([make(lang) for make in makers], column),
                )


def _span(tokens: Sentence, wanted: Callable[[object], bool]) -> tuple[int, int]:
    """(first, last+1) token index of the first contiguous run of tokens passing ``wanted``."""
    start = next(i for i, t in enumerate(tokens) if wanted(t))
    end = start
    while end < len(tokens) and wanted(tokens[end]):
        end += 1
    return start, end


def _qa_paragraph(rng: random.Random, split: str, index: int, lang_questions: int) -> dict:
    """A two-sentence story and its questions, as a language-independent recipe."""
    event = _event(rng, surname=0.7)
    others = [p for p in PEOPLE if p != event.agent.person]
    job = Job(
        Agent(rng.choice(others)),
        rng.choice(COMPANIES),
        rng.choice([c for c in CITIES if c != event.city]),
    )
    kinds = ["who", "where", "what", "company", "job_city"]
    chosen = (
        kinds
        if lang_questions >= len(kinds)
        else sorted(rng.sample(kinds, lang_questions), key=kinds.index)
    )
    return {"event": event, "job": job, "questions": chosen, "id": f"mini-{split}-{index}"}


def _qa_render(recipe: dict, lang: str) -> dict:
    event, job = recipe["event"], recipe["job"]
    first, second = render_event(event, lang), render_job(job, lang)
    tokens = first + second
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token.text) + 1
    context = " ".join(t.text for t in tokens)
    n_first = len(first)
    spans = {
        "who": _span(first, lambda t: t.ner.endswith("PER")),
        "where": _span(first, lambda t: t.ner.endswith("LOC")),
        "what": _span(first, lambda t: t.upos in ("DET", "NOUN")),
        "company": tuple(n_first + i for i in _span(second, lambda t: t.ner.endswith("ORG"))),
        "job_city": tuple(n_first + i for i in _span(second, lambda t: t.ner.endswith("LOC"))),
    }
    questions = {
        "who": question_who(event, lang),
        "where": question_where(event, lang),
        "what": question_what(event, lang),
        "company": question_company(job, lang),
        "job_city": question_job_city(job, lang),
    }
    qas = []
    for kind in recipe["questions"]:
        start, end = spans[kind]
        char_start = starts[start]
        text = context[char_start : starts[end - 1] + len(tokens[end - 1].text)]
        qas.append(
            {
                "answers": [{"answer_start": char_start, "text": text}],
                "id": f"{recipe['id']}-{kind}",
                "question": questions[kind],
            }
        )
    return {"context": context, "qas": qas}


def _squad_document(recipes: list[dict], lang: str, per_article: int = 6) -> dict:
    articles = []
    for a in range(0, len(recipes), per_article):
        paragraphs = [_qa_render(r, lang) for r in recipes[a : a + per_article]]
        articles.append({"paragraphs": paragraphs, "title": f"mini_{a // per_article}"})
    return {"data": articles, "version": "1.1"}


def _write_qa(files: _Files, seed: int) -> None:
    train_rng = _rng(seed, "squad", "train")
    train = [_qa_paragraph(train_rng, "train", i, 3) for i in range(200)]
    files.json("squad/train-v1.1.json", _squad_document(train, "en"))
    dev_rng = _rng(seed, "squad", "dev")
    files.json(
        "squad/dev-v1.1.json",
        _squad_document([_qa_paragraph(dev_rng, "dev", i, 5) for i in range(18)], "en"),
    )
    test_rng = _rng(seed, "xquad", "test")
    test = [_qa_paragraph(test_rng, "test", i, 5) for i in range(18)]
    for lang in LANGUAGES:  # XQuAD: the same paragraphs and ids in every language
        files.json(f"xquad/xquad.{lang}.json", _squad_document(test, lang))


def _choice_record(rng: random.Random, index: int, split: str, with_answer: bool) -> str:
    if index % 2 == 0:  # reading: which thing did the story mention?
        event = _event(rng, surname=0.0)
        answer = event.thing
        distractors = rng.sample([t for t in THINGS if t != answer], 4)
        stem = f"{text_of(render_event(event, 'en'))} What did {event.agent.person.en} {event.verb.en_base} ?"
        concept = event.verb.key
    else:  # knowledge: which thing belongs to the class?
        kind = rng.choice(sorted(KINDS))
        answer = rng.choice([t for t in THINGS if t.kind == kind])
        distractors = rng.sample([t for t in THINGS if t.kind != kind], 4)
        stem = f"Which of these is {KINDS[kind].en} ?"
        concept = kind
    choices = [answer, *distractors]
    rng.shuffle(choices)
    letters = "ABCDE"
    record = {
        "id": f"mini-{split}-{index}",
        "question": {
            "choices": [{"label": letters[i], "text": t.en_noun} for i, t in enumerate(choices)],
            "question_concept": concept,
            "stem": stem,
        },
    }
    if with_answer:
        record["answerKey"] = letters[choices.index(answer)]
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _write_commonsenseqa(files: _Files, seed: int) -> None:
    for split, name, n in (
        ("train", "train_rand_split", 400),
        ("dev", "dev_rand_split", 90),
        ("test", "test_rand_split_no_answers", 90),
    ):
        rng = _rng(seed, "commonsenseqa", split)
        files.lines(
            f"commonsenseqa/{name}.jsonl",
            [_choice_record(rng, i, split, split != "test") for i in range(n)],
        )


def _distinct_sentences(
    rng: random.Random, n: int, lang: str, avoid: set[str]
) -> list[tuple[Sentence, Sentence]]:
    """``n`` clauses as (English, ``lang``) token lists, no English text repeated or in ``avoid``."""
    out: list[tuple[Sentence, Sentence]] = []
    while len(out) < n:
        make = _any_sentence(rng)
        english = make("en")
        key = text_of(english)
        if key in avoid:
            continue
        avoid.add(key)
        out.append((english, make(lang)))
    return out


def _write_tatoeba(files: _Files, seed: int) -> None:
    for lang in FOREIGN:
        iso3 = TATOEBA_ISO3[lang]
        pairs = _distinct_sentences(_rng(seed, "tatoeba", lang), 100, lang, set())
        files.lines(f"tatoeba/tatoeba.{iso3}-eng.{iso3}", [text_of(src) for _, src in pairs])
        files.lines(f"tatoeba/tatoeba.{iso3}-eng.eng", [text_of(eng) for eng, _ in pairs])


def _write_bucc(files: _Files, seed: int, gold: int = 40, distractors: int = 60) -> None:
    for lang in FOREIGN:
        for split in ("dev", "test"):
            rng = _rng(seed, "bucc", lang, split)
            seen: set[str] = set()
            parallel = _distinct_sentences(rng, gold, lang, seen)
            src_only = [src for _, src in _distinct_sentences(rng, distractors, lang, seen)]
            eng_only = [eng for eng, _ in _distinct_sentences(rng, distractors, lang, seen)]
            src_side = [(text_of(s), i) for i, (_, s) in enumerate(parallel)] + [
                (text_of(s), None) for s in src_only
            ]
            eng_side = [(text_of(e), i) for i, (e, _) in enumerate(parallel)] + [
                (text_of(e), None) for e in eng_only
            ]
            rng.shuffle(src_side)
            rng.shuffle(eng_side)
            src_ids = {
                pair: f"{lang}-{k + 1:09d}"
                for k, (_, pair) in enumerate(src_side)
                if pair is not None
            }
            eng_ids = {
                pair: f"en-{k + 1:09d}" for k, (_, pair) in enumerate(eng_side) if pair is not None
            }
            prefix = f"bucc2018/{lang}-en.{split}"
            files.lines(
                f"{prefix}.{lang}",
                [f"{lang}-{k + 1:09d}\t{text}" for k, (text, _) in enumerate(src_side)],
            )
            files.lines(
                f"{prefix}.en", [f"en-{k + 1:09d}\t{text}" for k, (text, _) in enumerate(eng_side)]
            )
            files.lines(
                f"{prefix}.gold", sorted(f"{src_ids[i]}\t{eng_ids[i]}" for i in range(gold))
            )


def _write_mlm(files: _Files, seed: int) -> None:
    for lang in LANGUAGES:
        for split, n in (("train", 400), ("dev", 50)):
            rng = _rng(seed, "mlm", lang, split)
            files.lines(
                f"mlm/{split}-{lang}.txt", [text_of(_any_sentence(rng)(lang)) for _ in range(n)]
            )


def build_mini_data(out_dir: Path, seed: int = 0) -> Path:
    """Write the whole mini suite under ``out_dir`` (with a MANIFEST.json) and return ``out_dir``.

    The same seed gives byte-identical files. A folder holding downloaded data (a manifest
    not written by this generator) is refused rather than mixed with generated data.
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    if manifest_path.is_file() and read_manifest(out_dir).get("generator") != GENERATOR:
        raise HarnessError(
            f"{out_dir} holds downloaded data ({manifest_path}); write the mini suite into another folder"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    files = _Files(out_dir)
    for write in (
        _write_nli,
        _write_pawsx,
        _write_tagging,
        _write_qa,
        _write_commonsenseqa,
        _write_tatoeba,
        _write_bucc,
        _write_mlm,
    ):
        write(files, seed)
    manifest = {
        "schema": 1,
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "downloads": {},
        "files": {},
        "tasks": {},
    }
    record_files(out_dir, manifest, files.written, f"{GENERATOR} --seed {seed}")
    write_manifest(out_dir, manifest)
    return out_dir


def mini_data_problems(out_dir: Path, seed: int = 0) -> list[str]:
    """Why the mini suite in ``out_dir`` cannot be used as it is (empty list: it matches its manifest)."""
    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).is_file():
        return [f"no {MANIFEST}"]
    try:
        manifest = read_manifest(out_dir)
    except HarnessError as err:
        return [str(err)]
    if manifest.get("generator") != GENERATOR:
        return []  # downloaded data is the user's: `harness data verify` checks it on request
    if manifest.get("generator_version") != GENERATOR_VERSION or manifest.get("seed") != seed:
        return [f"written by generator version {manifest.get('generator_version')} with seed "
                f"{manifest.get('seed')}, this is version {GENERATOR_VERSION} with seed {seed}"]
    if not manifest.get("files"):
        return [f"{MANIFEST} lists no files"]
    try:
        return verify(out_dir)
    except (HarnessError, OSError, AttributeError, TypeError) as err:
        return [f"{MANIFEST} cannot be checked ({err})"]


def ensure_mini_data(out_dir: Path, seed: int = 0) -> Path:
    """The mini suite in ``out_dir``: written when absent, checked against its manifest (every
    file's sha256; the whole suite is a few MB) on every run, written again when it changed.

    Why regenerate rather than refuse: the folder is the harness's own cache, and the
    generator is deterministic, so rewriting it restores exactly the data the plan expects.
    A lock beside the folder makes a second run wait instead of reading half-written files.
    """
    out_dir = Path(out_dir)
    with step_lock(out_dir.parent / "locks", f"data-{out_dir.name}", f"the mini data in {out_dir}"):
        problems = mini_data_problems(out_dir, seed)
        if not problems:
            return out_dir
        if (out_dir / MANIFEST).is_file():
            more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
            log.warning("%s: the mini data changed (%s%s); writing it again", out_dir, problems[0], more)
        else:
            log.info("generating the mini suite data in %s", out_dir)
        build_mini_data(out_dir, seed)
        still = mini_data_problems(out_dir, seed)
        if still:
            raise HarnessError(f"{out_dir}: the mini data does not match its manifest even after writing it again "
                               f"({still[0]}); delete the folder and run again")
    return out_dir
