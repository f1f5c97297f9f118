"""The Hugging Face hub copies of the tasks, read through ``datasets`` when asked for.

Why a second source: on a connected machine it saves the downloads. Why not the default:
the hub copies differ from what XTREME reads in places (BUCC there holds only the gold
pairs, not the corpora to mine), and without network a hub call hangs for a long time
before failing. So this module checks the network first, fails within seconds with a
message naming the local alternatives, and maps hub rows onto the same typed examples as
the local readers.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

from harness.data.examples import Answer, PairExample, ParallelSentences, QAExample, TaggedSentence
from harness.data.readers.retrieval import TATOEBA_ISO3
from harness.errors import HarnessError

HUB_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
UDPOS_HUB_NAMES = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "eu": "Basque",
    "bg": "Bulgarian",
    "nl": "Dutch",
    "en": "English",
    "et": "Estonian",
    "fi": "Finnish",
    "fr": "French",
    "de": "German",
    "el": "Greek",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kk": "Kazakh",
    "ko": "Korean",
    "zh": "Chinese",
    "mr": "Marathi",
    "fa": "Persian",
    "pt": "Portuguese",
    "ru": "Russian",
    "es": "Spanish",
    "tl": "Tagalog",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tr": "Turkish",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yo": "Yoruba",
}  # fmt: skip
# google/xtreme's builder config is "udpos.Afrikaans" (the dataset card's dataset_info, which
# the builder generates); only the hand-written `configs:` list of the card spells it
# "Afrikans". (universal_dependencies names the same treebank "af_afribooms".)
NLI_BY_ID = (
    "entailment",
    "neutral",
    "contradiction",
)  # facebook/xnli and multi_nli ClassLabel order
TYDIQA_PREFIX = {
    "ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}  # fmt: skip


def _offline() -> bool:
    return any(
        os.environ.get(name, "").lower() in ("1", "true", "yes")
        for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
    )


def _advice(task: str) -> str:
    return (
        f"read local files instead: `harness data download --tasks {task} --data-dir DIR` on a connected "
        f"machine (then --data-dir DIR), or `harness data mini --data-dir DIR` for the offline mini suite"
    )


def check_hub_reachable(task: str, timeout: float = 3.0) -> None:
    """Fail within ``timeout`` seconds when the hub's host does not answer on its port."""
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parts = urlsplit(endpoint)
    proxy = os.environ.get(f"{parts.scheme}_proxy") or os.environ.get(
        f"{parts.scheme.upper()}_PROXY"
    )
    if proxy:  # behind a proxy, the proxy is what must answer
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as err:
        raise HarnessError(
            f"the Hugging Face hub ({endpoint}) cannot be reached ({err}); {_advice(task)}"
        ) from None


def _hub_config(task: str, lang: str) -> tuple[str, str | None]:
    """(dataset path, config name) of the hub copy of (task, language)."""
    if task == "xnli":
        return "google/xtreme", "XNLI"
    if task.startswith("xnli_mt_"):
        return "facebook/xnli", lang  # facebook/xnli's train split is XNLI-MT
    if task == "pawsx":
        return "google/xtreme", f"PAWS-X.{lang}"
    if task == "udpos":
        if lang not in UDPOS_HUB_NAMES:
            raise HarnessError(f"udpos: the hub has no treebank for language {lang!r}")
        return "google/xtreme", f"udpos.{UDPOS_HUB_NAMES[lang]}"
    if task == "panx":
        return "google/xtreme", f"PAN-X.{lang}"
    if task == "xquad":
        return "google/xtreme", f"XQuAD.{lang}"
    if task == "mlqa":
        context, _, question = lang.partition("-")
        return "google/xtreme", f"MLQA.{context}.{question or context}"
    if task == "tydiqa":
        return "google/xtreme", "tydiqa"
    if task == "tatoeba":
        if lang not in TATOEBA_ISO3:
            raise HarnessError(f"tatoeba: no Tatoeba pair for language {lang!r}")
        return "google/xtreme", f"tatoeba.{TATOEBA_ISO3[lang]}"
    if task == "mnli":
        return "nyu-mll/multi_nli", None
    if task == "squad_v1":
        return "rajpurkar/squad", None
    raise HarnessError(
        f"task {task!r} has no hub source here (BUCC's hub copy lacks the corpora to mine); {_advice(task)}"
    )


def _hub_split(task: str, split: str) -> str:
    if task == "tatoeba":
        return "validation"  # the hub's only Tatoeba split; XTREME scores it as test
    if task == "xquad":
        return "validation"
    if task == "mnli":
        return {"train": "train", "dev": "validation_matched", "test": "validation_mismatched"}[
            split
        ]
    if task == "tydiqa" and split == "test":
        return "validation"
    return HUB_SPLITS[split]


def _nli_label(value) -> str | None:
    if isinstance(value, int):
        return NLI_BY_ID[value] if 0 <= value < 3 else None
    return {"contradictory": "contradiction"}.get(value, value)


def _rows_to_examples(task: str, lang: str, rows, features) -> object:
    if task == "xnli":
        return [
            PairExample(f"{lang}-{i}", r["sentence1"], r["sentence2"], _nli_label(r["gold_label"]))
            for i, r in enumerate(row for row in rows if row["language"] == lang)
        ]
    if task.startswith("xnli_mt_") or task == "mnli":
        return [
            PairExample(f"{task}-{i}", r["premise"], r["hypothesis"], _nli_label(r["label"]))
            for i, r in enumerate(rows)
            if r["label"] != -1
        ]
    if task == "pawsx":
        return [
            PairExample(f"{lang}-{i}", r["sentence1"], r["sentence2"], str(r["label"]))
            for i, r in enumerate(rows)
        ]
    if task in ("udpos", "panx"):
        column = "pos_tags" if task == "udpos" else "ner_tags"
        names = features[column].feature.names
        return [
            TaggedSentence(f"{lang}-{i}", list(r["tokens"]), [names[t] for t in r[column]])
            for i, r in enumerate(rows)
        ]
    if task in ("xquad", "mlqa", "tydiqa", "squad_v1"):
        prefix = f"{TYDIQA_PREFIX.get(lang, lang)}-" if task == "tydiqa" else ""
        return [
            QAExample(
                r["id"], r.get("title", ""), r["context"], r["question"],
                [Answer(t, s) for t, s in zip(r["answers"]["text"], r["answers"]["answer_start"], strict=True) if t],
            )
            for r in rows
            if r["id"].startswith(prefix)
        ]  # fmt: skip
    if task == "tatoeba":
        return ParallelSentences(
            lang, [r["source_sentence"] for r in rows], [r["target_sentence"] for r in rows]
        )
    raise HarnessError(f"task {task!r} has no hub mapping")


def load_hub_split(task: str, lang: str, split: str):
    """One split of one task from the hub, as the same typed examples the local readers return."""
    path, config = _hub_config(task, lang)
    hub_split = _hub_split(task, split)
    if not _offline():
        check_hub_reachable(task)
    try:
        from datasets import load_dataset

        dataset = load_dataset(path, config, split=hub_split)
    except Exception as err:  # datasets raises many types: connection, missing cache, bad config
        mode = (
            "offline mode is on (HF_DATASETS_OFFLINE / HF_HUB_OFFLINE) and it is not cached; "
            if _offline()
            else ""
        )
        raise HarnessError(
            f"hub dataset {path} ({config or 'default'}, split {hub_split}) could not be loaded: {mode}{type(err).__name__}: {err}; {_advice(task)}"
        ) from None
    return _rows_to_examples(task, lang, dataset, dataset.features)
