"""The hand-written, aligned lexicon of the mini suite: each entry in en, de, fr and ru.

Why aligned: the mini suite must make zero-shot transfer and retrieval possible for a tiny
model, so a sentence generated from one abstract event has a consistent translation in
every language. Every word here was written for this project; names, cities and the
invented company names are proper nouns shared by the Latin-script languages and
transliterated for Russian, which gives a model a few cross-lingual anchors and leaves the
rest to learn. Case and gender forms are listed where a template needs them (German
accusative / ``kein``, French ``de`` under negation, Russian dative and prepositional
forms and past-tense gender).
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "de", "fr", "ru")


@dataclass(frozen=True)
class Person:
    en: str  # the Latin spelling, shared by en, de and fr
    ru: str  # nominative
    ru_dat: str
    female: bool


@dataclass(frozen=True)
class Surname:
    latin: str
    ru: str


@dataclass(frozen=True)
class City:
    en: str
    de: str
    fr: str
    ru: str  # nominative, for lists
    ru_prep: str  # after "в"


@dataclass(frozen=True)
class Thing:
    """A countable object. Phrases are space-separated tokens: determiner(s) then the noun."""

    key: str
    kind: str  # its class, a key of KINDS
    en: str
    de: str  # accusative, indefinite
    de_neg: str  # accusative with "kein"
    fr: str
    fr_neg: str  # after "pas"
    ru: str  # accusative

    @property
    def en_noun(self) -> str:
        return self.en.split()[-1]


@dataclass(frozen=True)
class Verb:
    """A transitive verb in the forms the templates use."""

    key: str
    en_past: str
    en_base: str
    de_part: str  # participle after "hat"
    fr_part: str  # participle after "a"
    ru_m: str
    ru_f: str
    kinds: tuple[str, ...]  # the classes of things it takes


PEOPLE = (
    Person("Anna", "Анна", "Анне", True),
    Person("Maria", "Мария", "Марии", True),
    Person("Elena", "Елена", "Елене", True),
    Person("Olga", "Ольга", "Ольге", True),
    Person("Sofia", "София", "Софии", True),
    Person("Laura", "Лаура", "Лауре", True),
    Person("Peter", "Петер", "Петеру", False),
    Person("Thomas", "Томас", "Томасу", False),
    Person("Paul", "Пауль", "Паулю", False),
    Person("David", "Давид", "Давиду", False),
    Person("Ivan", "Иван", "Ивану", False),
    Person("Marco", "Марко", "Марко", False),
)

SURNAMES = (
    Surname("Weber", "Вебер"),
    Surname("Klein", "Кляйн"),
    Surname("Novak", "Новак"),
    Surname("Costa", "Коста"),
    Surname("Berger", "Бергер"),
    Surname("Lind", "Линд"),
)

CITIES = (
    City("Berlin", "Berlin", "Berlin", "Берлин", "Берлине"),
    City("Paris", "Paris", "Paris", "Париж", "Париже"),
    City("London", "London", "Londres", "Лондон", "Лондоне"),
    City("Rome", "Rom", "Rome", "Рим", "Риме"),
    City("Vienna", "Wien", "Vienne", "Вена", "Вене"),
    City("Prague", "Prag", "Prague", "Прага", "Праге"),
    City("Madrid", "Madrid", "Madrid", "Мадрид", "Мадриде"),
    City("Moscow", "Moskau", "Moscou", "Москва", "Москве"),
    City("Oslo", "Oslo", "Oslo", "Осло", "Осло"),
    City("Lisbon", "Lissabon", "Lisbonne", "Лиссабон", "Лиссабоне"),
    City("Warsaw", "Warschau", "Varsovie", "Варшава", "Варшаве"),
    City("Dublin", "Dublin", "Dublin", "Дублин", "Дублине"),
    City("New York", "New York", "New York", "Нью-Йорк", "Нью-Йорке"),
    City(
        "Nizhny Novgorod",
        "Nischni Nowgorod",
        "Nijni Novgorod",
        "Нижний Новгород",
        "Нижнем Новгороде",
    ),
)

# Invented two-word company names, written in Latin letters in every language (as Russian
# text keeps foreign brand names).
COMPANIES = (
    "Nordwind Bank",
    "Blue Harbor",
    "Atlas Group",
    "Sunfield Labs",
    "Orion Media",
    "Greenway Foods",
    "Silver Arrow",
    "Falcon Works",
)

# The class of each thing, as an indefinite phrase (its hypernym in NLI entailments).
KINDS = {
    "vehicle": Thing("vehicle", "vehicle", "a vehicle", "ein Fahrzeug", "kein Fahrzeug", "un véhicule", "de véhicule", "транспорт"),
    "animal": Thing("animal", "animal", "an animal", "ein Tier", "kein Tier", "un animal", "d' animal", "животное"),
    "fruit": Thing("fruit", "fruit", "a fruit", "eine Frucht", "keine Frucht", "un fruit", "de fruit", "фрукт"),
    "text": Thing("text", "text", "a text", "einen Text", "keinen Text", "un texte", "de texte", "текст"),
}  # fmt: skip

THINGS = (
    Thing("car", "vehicle", "a car", "ein Auto", "kein Auto", "une voiture", "de voiture", "машину"),
    Thing("bicycle", "vehicle", "a bicycle", "ein Fahrrad", "kein Fahrrad", "un vélo", "de vélo", "велосипед"),
    Thing("boat", "vehicle", "a boat", "ein Boot", "kein Boot", "un bateau", "de bateau", "лодку"),
    Thing("dog", "animal", "a dog", "einen Hund", "keinen Hund", "un chien", "de chien", "собаку"),
    Thing("cat", "animal", "a cat", "eine Katze", "keine Katze", "un chat", "de chat", "кошку"),
    Thing("horse", "animal", "a horse", "ein Pferd", "kein Pferd", "un cheval", "de cheval", "лошадь"),
    Thing("apple", "fruit", "an apple", "einen Apfel", "keinen Apfel", "une pomme", "de pomme", "яблоко"),
    Thing("pear", "fruit", "a pear", "eine Birne", "keine Birne", "une poire", "de poire", "грушу"),
    Thing("orange", "fruit", "an orange", "eine Orange", "keine Orange", "une orange", "d' orange", "апельсин"),
    Thing("book", "text", "a book", "ein Buch", "kein Buch", "un livre", "de livre", "книгу"),
    Thing("letter", "text", "a letter", "einen Brief", "keinen Brief", "une lettre", "de lettre", "письмо"),
    Thing("newspaper", "text", "a newspaper", "eine Zeitung", "keine Zeitung", "un journal", "de journal", "газету"),
)  # fmt: skip

VERBS = (
    Verb("buy", "bought", "buy", "gekauft", "acheté", "купил", "купила", ("vehicle", "animal", "fruit", "text")),
    Verb("sell", "sold", "sell", "verkauft", "vendu", "продал", "продала", ("vehicle", "animal", "text")),
    Verb("see", "saw", "see", "gesehen", "vu", "видел", "видела", ("vehicle", "animal")),
    Verb("find", "found", "find", "gefunden", "trouvé", "нашёл", "нашла", ("animal", "text")),
    Verb("eat", "ate", "eat", "gegessen", "mangé", "съел", "съела", ("fruit",)),
    Verb("read", "read", "read", "gelesen", "lu", "прочитал", "прочитала", ("text",)),
    Verb("wash", "washed", "wash", "gewaschen", "lavé", "помыл", "помыла", ("vehicle", "animal", "fruit")),
)  # fmt: skip

# Verbs with a recipient, for the paraphrase task (who gave what to whom).
GIVING_VERBS = (
    Verb("give", "gave", "give", "gegeben", "donné", "дал", "дала", ("vehicle", "animal", "fruit", "text")),
    Verb("show", "showed", "show", "gezeigt", "montré", "показал", "показала", ("vehicle", "animal", "fruit", "text")),
    Verb("send", "sent", "send", "geschickt", "envoyé", "отправил", "отправила", ("animal", "fruit", "text")),
    Verb("sell", "sold", "sell", "verkauft", "vendu", "продал", "продала", ("vehicle", "animal", "text")),
)  # fmt: skip

# Time phrases that make an entailed hypothesis neutral: (token, UPOS) per language.
TIMES = (
    {
        "en": [("yesterday", "ADV")],
        "de": [("gestern", "ADV")],
        "fr": [("hier", "ADV")],
        "ru": [("вчера", "ADV")],
    },
    {
        "en": [("last", "ADJ"), ("year", "NOUN")],
        "de": [("letztes", "ADJ"), ("Jahr", "NOUN")],
        "fr": [("l'", "DET"), ("année", "NOUN"), ("dernière", "ADJ")],
        "ru": [("в", "ADP"), ("прошлом", "ADJ"), ("году", "NOUN")],
    },
    {
        "en": [("in", "ADP"), ("the", "DET"), ("morning", "NOUN")],
        "de": [("am", "ADP"), ("Morgen", "NOUN")],
        "fr": [("le", "DET"), ("matin", "NOUN")],
        "ru": [("утром", "ADV")],
    },
)

# Pronoun subjects: (someone, nobody) per language.
SOMEONE = {"en": "Someone", "de": "Jemand", "fr": "Quelqu'un", "ru": "Кто-то"}
NOBODY = {"en": "Nobody", "de": "Niemand", "fr": "Personne", "ru": "Никто"}
