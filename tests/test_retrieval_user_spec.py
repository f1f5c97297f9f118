"""The retrieval runners read the spec they are given, not the built-in task of that type.

A user's renamed copy of tasks/xtreme/tatoeba.yaml (or bucc2018.yaml) whose files lie in
another folder is read from that folder, and its result carries the copy's name.
"""

from __future__ import annotations

from retrieval_fakes import OneHotEmbedder, write_bucc_de_dev, write_tatoeba_de

from harness.retrieval.runner import run_bucc, run_tatoeba
from harness.spec import TASKS_DIR, load_registry


def _user_copy(specs, task: str, folder: str):
    """``task`` renamed to ``<task>_mine``, its data under ``folder/`` instead of ``<task>/``."""
    text = (TASKS_DIR / "xtreme" / f"{task}.yaml").read_text(encoding="utf-8")
    assert f"name: {task}\n" in text and f'"{task}/' in text
    text = text.replace(f"name: {task}\n", f"name: {task}_mine\n", 1).replace(f'"{task}/', f'"{folder}/')
    specs.mkdir(exist_ok=True)
    (specs / f"{task}_mine.yaml").write_text(text, encoding="utf-8")
    return load_registry(extra_dirs=[specs]).task(f"{task}_mine")


def test_tatoeba_copy_reads_its_own_files(tmp_path):
    spec = _user_copy(tmp_path / "specs", "tatoeba", "mine")
    src, eng = ["Hallo Welt", "Guten Morgen", "Danke schön"], ["Hello world", "Good morning", "Thank you"]
    data = tmp_path / "data" / "mine"
    data.mkdir(parents=True)  # no tatoeba/ folder: the built-in spec would find nothing here
    write_tatoeba_de(data, src, eng)
    embedder = OneHotEmbedder(dict(zip(src, eng, strict=True)))
    result = run_tatoeba(embedder, tmp_path / "data", ["de"], predictions_dir=tmp_path / "out", task=spec)
    assert result.task == "tatoeba_mine" and result.languages["de"]["accuracy"] == 100.0
    assert set(result.data_checksums) == {"mine/tatoeba.deu-eng.deu", "mine/tatoeba.deu-eng.eng"}
    assert embedder.tasks == {"tatoeba_mine"}  # the embedding cache is keyed by the copy's name
    assert (tmp_path / "out" / "tatoeba_mine" / "test-de.tsv").is_file()


def test_bucc_copy_reads_its_own_files(tmp_path):
    spec = _user_copy(tmp_path / "specs", "bucc2018", "mine")
    de = {f"de-{i:06d}": text for i, text in enumerate(["Hallo Welt", "Guten Morgen", "Danke schön", "Ja"])}
    en = {f"en-{i:06d}": text for i, text in enumerate(["Hello world", "Good morning", "Thank you", "Yes"])}
    data = tmp_path / "data" / "mine"
    data.mkdir(parents=True)
    write_bucc_de_dev(data, de, en, gold_pairs=3)
    embedder = OneHotEmbedder(dict(zip(de.values(), en.values(), strict=True)))
    result = run_bucc(embedder, tmp_path / "data", ["de"], predictions_dir=tmp_path / "out", task=spec)
    assert result.task == "bucc2018_mine" and result.languages["de"]["recall"] == 100.0
    assert set(result.data_checksums) == {f"mine/de-en.dev.{suffix}" for suffix in ("de", "en", "gold")}
    assert embedder.tasks == {"bucc2018_mine"}
