"""Templates of the mini suite: abstract events rendered as tagged tokens in en, de, fr, ru.

Every renderer returns ``Token``s (text, UPOS, NER tag), so one sentence gives the text for
NLI, paraphrase, QA and retrieval and, from the same call, the gold tags for UD-POS and
PAN-X. Texts are the tokens joined by spaces, the tokenised style XNLI-MT and PAWS-X use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import NamedTuple

from harness.data.mini_lexicon import (
    KINDS,
    NOBODY,
    SOMEONE,
    TIMES,
    City,
    Person,
    Surname,
    Thing,
    Verb,
)


class Token(NamedTuple):
    text: str
    upos: str
    ner: str = "O"


Sentence = list[Token]


def text_of(tokens: Sentence) -> str:
    return " ".join(t.text for t in tokens)


def _words(phrase: str, last: str = "NOUN", rest: str = "DET") -> Sentence:
    """A determiner + noun phrase from the lexicon ("ein Auto") as tagged tokens."""
    parts = phrase.split()
    return [Token(w, rest) for w in parts[:-1]] + [Token(parts[-1], last)]


@cache
def _entity_tokens(text: str, label: str) -> tuple[Token, ...]:
    return tuple(
        Token(w, "PROPN", ("B-" if i == 0 else "I-") + label) for i, w in enumerate(text.split())
    )


def _entity(text: str, label: str) -> Sentence:
    return list(_entity_tokens(text, label))


@dataclass(frozen=True)
class Agent:
    """Who acts: a person (optionally with surname), or the pronouns someone / nobody."""

    person: Person | None = None
    surname: Surname | None = None
    pronoun: str | None = None  # "someone" | "nobody"

    @property
    def female(self) -> bool:
        return bool(self.person and self.person.female)

    def tokens(self, lang: str) -> Sentence:
        if self.pronoun:
            word = (SOMEONE if self.pronoun == "someone" else NOBODY)[lang]
            return [Token(word, "PRON")]
        name = self.person.ru if lang == "ru" else self.person.en
        if self.surname:
            name += " " + (self.surname.ru if lang == "ru" else self.surname.latin)
        return _entity(name, "PER")


def city_tokens(city: City, lang: str, prepositional: bool = True) -> Sentence:
    name = {
        "en": city.en,
        "de": city.de,
        "fr": city.fr,
        "ru": city.ru_prep if prepositional else city.ru,
    }[lang]
    return _entity(name, "LOC")


def _at(city: City, lang: str, initial: bool = False) -> Sentence:
    word = {"en": "in", "de": "in", "fr": "à", "ru": "в"}[lang]
    if initial:
        word = word.capitalize()
    return [Token(word, "ADP"), *city_tokens(city, lang)]


def thing_tokens(thing: Thing, lang: str, negated: bool = False) -> Sentence:
    if lang == "de":
        return _words(thing.de_neg if negated else thing.de)
    if lang == "fr":
        return _words(thing.fr_neg if negated else thing.fr)
    return _words(getattr(thing, lang))


@dataclass(frozen=True)
class Event:
    """``agent`` did ``verb`` to ``thing`` [in ``city``] [at ``time``], or did not."""

    agent: Agent
    verb: Verb
    thing: Thing
    city: City | None
    negated: bool = False
    time: int | None = None  # index into TIMES

    def generalised(self) -> Event:
        return replace(self, thing=KINDS[self.thing.kind])


def render_event(event: Event, lang: str) -> Sentence:
    """One clause per language; negation is "did not" / "kein" / "ne ... pas de" / "не"."""
    agent, verb, thing = event.agent, event.verb, event.thing
    nobody = agent.pronoun == "nobody"
    negated = event.negated and not nobody
    place = _at(event.city, lang) if event.city else []
    time = [Token(*t) for t in TIMES[event.time][lang]] if event.time is not None else []
    subject = agent.tokens(lang)
    stop = [Token(".", "PUNCT")]
    if lang == "en":
        if negated:
            verb_part = [Token("did", "AUX"), Token("not", "PART"), Token(verb.en_base, "VERB")]
        else:
            verb_part = [Token(verb.en_past, "VERB")]
        return subject + verb_part + thing_tokens(thing, lang) + place + time + stop
    if lang == "de":
        return (
            subject
            + [Token("hat", "AUX")]
            + time
            + thing_tokens(thing, lang, negated=negated)
            + place
            + [Token(verb.de_part, "VERB")]
            + stop
        )
    if lang == "fr":
        if negated or nobody:
            verb_part = [
                Token("n'", "ADV"),
                Token("a", "AUX"),
                *([Token("pas", "ADV")] if negated else []),
                Token(verb.fr_part, "VERB"),
            ]
            obj = thing_tokens(thing, lang, negated=True)
        else:
            verb_part = [Token("a", "AUX"), Token(verb.fr_part, "VERB")]
            obj = thing_tokens(thing, lang)
        return subject + verb_part + obj + place + time + stop
    form = verb.ru_f if agent.female else verb.ru_m
    neg = [Token("не", "PART")] if negated or nobody else []
    return subject + neg + [Token(form, "VERB")] + thing_tokens(thing, lang) + place + time + stop


@dataclass(frozen=True)
class Gift:
    """``giver`` gave ``thing`` to ``receiver`` in ``city`` (the paraphrase task's event)."""

    giver: Person
    receiver: Person
    verb: Verb
    thing: Thing
    city: City

    def swapped(self) -> Gift:
        return replace(self, giver=self.receiver, receiver=self.giver)


# Word orders per language that keep the meaning (paraphrases of each other).
GIFT_FORMS = {"en": 4, "de": 3, "fr": 3, "ru": 3}


def render_gift(gift: Gift, lang: str, form: int) -> Sentence:
    giver, receiver = Agent(gift.giver).tokens(lang), None
    obj = thing_tokens(gift.thing, lang)
    stop = [Token(".", "PUNCT")]
    if lang == "en":
        receiver = Agent(gift.receiver).tokens(lang)
        verb = [Token(gift.verb.en_past, "VERB")]
        to = [Token("to", "ADP"), *receiver]
        front = [*_at(gift.city, lang, initial=True), Token(",", "PUNCT")]
        return [
            giver + verb + receiver + obj + _at(gift.city, lang) + stop,
            giver + verb + obj + to + _at(gift.city, lang) + stop,
            front + giver + verb + receiver + obj + stop,
            front + giver + verb + obj + to + stop,
        ][form]
    if lang == "de":
        receiver = Agent(gift.receiver).tokens(lang)
        part, hat = [Token(gift.verb.de_part, "VERB")], [Token("hat", "AUX")]
        return [
            giver + hat + receiver + obj + _at(gift.city, lang) + part + stop,
            giver + hat + receiver + _at(gift.city, lang) + obj + part + stop,
            _at(gift.city, lang, initial=True) + hat + giver + receiver + obj + part + stop,
        ][form]
    if lang == "fr":
        receiver = Agent(gift.receiver).tokens(lang)
        verb = [Token("a", "AUX"), Token(gift.verb.fr_part, "VERB")]
        to = [Token("à", "ADP"), *receiver]
        return [
            giver + verb + obj + to + _at(gift.city, lang) + stop,
            [*_at(gift.city, lang, initial=True), Token(",", "PUNCT")]
            + giver
            + verb
            + obj
            + to
            + stop,
            giver + verb + to + obj + _at(gift.city, lang) + stop,
        ][form]
    receiver = _entity(gift.receiver.ru_dat, "PER")
    verb = [Token(gift.verb.ru_f if gift.giver.female else gift.verb.ru_m, "VERB")]
    return [
        giver + verb + receiver + obj + _at(gift.city, lang) + stop,
        _at(gift.city, lang, initial=True) + giver + verb + receiver + obj + stop,
        giver + verb + obj + receiver + _at(gift.city, lang) + stop,
    ][form]


@dataclass(frozen=True)
class Job:
    """``worker`` works for ``company`` in ``city``."""

    worker: Agent
    company: str
    city: City


def render_job(job: Job, lang: str) -> Sentence:
    worker = job.worker.tokens(lang)
    company = _entity(job.company, "ORG")
    middle = {
        "en": [Token("works", "VERB"), Token("for", "ADP")],
        "de": [Token("arbeitet", "VERB"), Token("für", "ADP")],
        "fr": [Token("travaille", "VERB"), Token("pour", "ADP")],
        "ru": [Token("работает", "VERB"), Token("в", "ADP"), Token("компании", "NOUN")],
    }[lang]
    return worker + middle + company + _at(job.city, lang) + [Token(".", "PUNCT")]


# --------------------------------------------------------------------------- questions


def question_who(event: Event, lang: str) -> str:
    verb, thing = event.verb, event.thing
    words = {
        "en": ["Who", verb.en_past, *thing.en.split(), "?"],
        "de": ["Wer", "hat", *thing.de.split(), verb.de_part, "?"],
        "fr": ["Qui", "a", verb.fr_part, *thing.fr.split(), "?"],
        "ru": ["Кто", verb.ru_m, thing.ru, "?"],
    }[lang]
    return " ".join(words)


def question_where(event: Event, lang: str) -> str:
    verb, thing, name = event.verb, event.thing, text_of(event.agent.tokens(lang))
    words = {
        "en": ["Where", "did", name, verb.en_base, *thing.en.split(), "?"],
        "de": ["Wo", "hat", name, *thing.de.split(), verb.de_part, "?"],
        "fr": [
            "Où",
            name,
            "a-t-elle" if event.agent.female else "a-t-il",
            verb.fr_part,
            *thing.fr.split(),
            "?",
        ],
        "ru": ["Где", name, verb.ru_f if event.agent.female else verb.ru_m, thing.ru, "?"],
    }[lang]
    return " ".join(words)


def question_what(event: Event, lang: str) -> str:
    verb, name = event.verb, text_of(event.agent.tokens(lang))
    words = {
        "en": ["What", "did", name, verb.en_base, "?"],
        "de": ["Was", "hat", name, verb.de_part, "?"],
        "fr": ["Qu'", "a", verb.fr_part, name, "?"],
        "ru": ["Что", verb.ru_f if event.agent.female else verb.ru_m, name, "?"],
    }[lang]
    return " ".join(words)


def question_company(job: Job, lang: str) -> str:
    name = text_of(job.worker.tokens(lang))
    return {
        "en": f"For which company does {name} work ?",
        "de": f"Für welche Firma arbeitet {name} ?",
        "fr": f"Pour quelle entreprise travaille {name} ?",
        "ru": f"В какой компании работает {name} ?",
    }[lang]


def question_job_city(job: Job, lang: str) -> str:
    name = text_of(job.worker.tokens(lang))
    return {
        "en": f"In which city does {name} work ?",
        "de": f"In welcher Stadt arbeitet {name} ?",
        "fr": f"Dans quelle ville travaille {name} ?",
        "ru": f"В каком городе работает {name} ?",
    }[lang]
