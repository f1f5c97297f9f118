"""SQuAD-format json: SQuAD v1.1 / v2.0, XQuAD, MLQA, TyDiQA-GoldP (all share one schema)."""

from __future__ import annotations

from pathlib import Path

from harness.data.examples import Answer, QAExample
from harness.data.readers._text import fail, load_json


def _field(node: object, key: str, kind: type, path: Path, where: str):
    if not isinstance(node, dict) or key not in node:
        fail(path, where, f"missing field {key!r}")
    value = node[key]
    if not isinstance(value, kind):
        fail(path, where, f"field {key!r} should be {kind.__name__}, found {type(value).__name__}")
    return value


def read_squad_json(path: Path, id_prefix: str | None = None) -> list[QAExample]:
    """Every question of a SQuAD-format file, in file order.

    Errors name the JSON path (``data[3].paragraphs[0].qas[7]``), since a json document has
    no useful line for a structural fault. XTREME's label-stripped test answers
    (``{"text": "", "answer_start": 0}``) become an empty answer list. ``id_prefix`` keeps
    only ids that start with it (the combined TyDiQA-GoldP file prefixes ids by language,
    e.g. ``english-``).
    """
    path = Path(path)
    document = load_json(path)
    articles = _field(document, "data", list, path, "top level")
    examples: list[QAExample] = []
    for a, article in enumerate(articles):
        where = f"data[{a}]"
        title = article.get("title", "") if isinstance(article, dict) else ""
        for p, paragraph in enumerate(_field(article, "paragraphs", list, path, where)):
            where_p = f"{where}.paragraphs[{p}]"
            context = _field(paragraph, "context", str, path, where_p)
            for q, qa in enumerate(_field(paragraph, "qas", list, path, where_p)):
                where_q = f"{where_p}.qas[{q}]"
                qid = _field(qa, "id", str, path, where_q)
                if id_prefix is not None and not qid.startswith(id_prefix):
                    continue
                question = _field(qa, "question", str, path, where_q)
                is_impossible = bool(qa.get("is_impossible", False))
                answers = []
                for n, answer in enumerate(_field(qa, "answers", list, path, where_q)):
                    where_a = f"{where_q}.answers[{n}]"
                    text = _field(answer, "text", str, path, where_a)
                    start = _field(answer, "answer_start", int, path, where_a)
                    if text == "":
                        continue  # XTREME's stripped test label
                    if not 0 <= start <= len(context) - len(text):
                        fail(
                            path,
                            where_a,
                            f"answer_start {start} lies outside the context ({len(context)} characters)",
                        )
                    answers.append(Answer(text, start))
                if is_impossible and answers:
                    fail(path, where_q, "is_impossible is true but the question has answers")
                examples.append(
                    QAExample(qid, str(title), context, question, answers, is_impossible)
                )
    return examples
